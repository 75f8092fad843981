/**
 * The sandbox's X pages in a few interface languages. Like x.com, only the words change: the test ids,
 * roles and paths stay the same in every language (Arabic is also right-to-left).
 */
import type { SandboxLocale } from './state'

export interface PageWords {
  dir: 'ltr' | 'rtl'
  /** `{app}` is replaced by the app's name (filled in by the page once its metadata arrives). */
  wantsAccess: string
  signedInAs: string
  canDo: string
  approve: string
  cancel: string
  logInToContinue: string
  logIn: string
  genericError: string
  lockedTitle: string
  locked: string
  suspendedTitle: string
  suspended: string
}

export const PAGE_WORDS: Record<SandboxLocale, PageWords> = {
  en: {
    dir: 'ltr',
    wantsAccess: '{app} wants to access your X account.',
    signedInAs: 'You are signed in as',
    canDo: 'Things this App can do:',
    approve: 'Authorize app',
    cancel: 'Cancel',
    logInToContinue: 'Log in to X to continue.',
    logIn: 'Log in',
    genericError: 'Something went wrong. You weren’t able to give access to the App. Go back and try logging in again.',
    lockedTitle: 'Your account has been locked.',
    locked: 'We detected unusual activity. Verify your identity to unlock it.',
    suspendedTitle: 'Your account is suspended',
    suspended: 'Your account is suspended and is not permitted to perform this action.',
  },
  es: {
    dir: 'ltr',
    wantsAccess: '{app} quiere acceder a tu cuenta de X.',
    signedInAs: 'Iniciaste sesión como',
    canDo: 'Lo que esta aplicación puede hacer:',
    approve: 'Autorizar app',
    cancel: 'Cancelar',
    logInToContinue: 'Inicia sesión en X para continuar.',
    logIn: 'Iniciar sesión',
    genericError: 'Algo salió mal. No pudiste dar acceso a la aplicación. Vuelve e intenta iniciar sesión de nuevo.',
    lockedTitle: 'Tu cuenta ha sido bloqueada.',
    locked: 'Detectamos actividad inusual. Verifica tu identidad para desbloquearla.',
    suspendedTitle: 'Tu cuenta está suspendida',
    suspended: 'Tu cuenta está suspendida y no puede realizar esta acción.',
  },
  ja: {
    dir: 'ltr',
    wantsAccess: '{app}がXアカウントへのアクセスを求めています。',
    signedInAs: 'ログイン中のアカウント:',
    canDo: 'このアプリができること:',
    approve: 'アプリを認証',
    cancel: 'キャンセル',
    logInToContinue: '続行するにはXにログインしてください。',
    logIn: 'ログイン',
    genericError: '問題が発生しました。アプリにアクセス権を付与できませんでした。戻ってもう一度ログインしてください。',
    lockedTitle: 'アカウントはロックされています。',
    locked: '不審なアクティビティが検出されました。ロックを解除するには本人確認を行ってください。',
    suspendedTitle: 'アカウントは凍結されています',
    suspended: 'アカウントは凍結されているため、この操作は実行できません。',
  },
  ar: {
    dir: 'rtl',
    wantsAccess: 'يريد {app} الوصول إلى حسابك على X.',
    signedInAs: 'أنت مسجّل الدخول باسم',
    canDo: 'ما يمكن لهذا التطبيق فعله:',
    approve: 'تفويض التطبيق',
    cancel: 'إلغاء',
    logInToContinue: 'سجّل الدخول إلى X للمتابعة.',
    logIn: 'تسجيل الدخول',
    genericError: 'حدث خطأ ما. لم تتمكن من منح التطبيق حق الوصول. ارجع وحاول تسجيل الدخول مرة أخرى.',
    lockedTitle: 'تم قفل حسابك.',
    locked: 'اكتشفنا نشاطًا غير معتاد. تحقق من هويتك لفتحه.',
    suspendedTitle: 'تم تعليق حسابك',
    suspended: 'تم تعليق حسابك ولا يُسمح له بتنفيذ هذا الإجراء.',
  },
}
