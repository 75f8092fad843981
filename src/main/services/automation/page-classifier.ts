/**
 * What the X consent tab is showing, decided from a small snapshot of the page (URL, data-testids, visible
 * text, the approve control). Pure, so every page kind is unit-tested without a browser.
 *
 * X keeps its test ids and paths in every interface language, so they decide first; the texts below are the
 * last resort (a page without test ids), written for X's main interface languages.
 */
import type { ErrorCode } from '../../../shared/errors'
import { chromiumErrorName, networkFailureFor } from './network-errors'

export const CONSENT_BUTTON_TEST_ID = 'OAuth_Consent_Button'
export const LOG_IN_BUTTON_TEST_ID = 'OAuth_Consent_Log_In_Button'
export const ERROR_DETAIL_TEST_ID = 'OAuth_Consent_Error_Detail'
/** The element naming the signed-in account on the consent page (`@name`). */
export const ACCOUNT_TEST_ID = 'OAuth_Consent_Account'

/** The approve control's label in X's main languages (en, es, pt, fr, de, it, ja, ko, ar, tr, id, ru, hi): the last-resort finder. */
export const APPROVE_LABELS = [
  'Authorize app',
  'Autorizar app', 'Autorizar aplicación', 'Autorizar aplicativo',
  'Autoriser l’app', "Autoriser l'app", 'Autoriser l’application', "Autoriser l'application",
  'App autorisieren', 'Autorizza app', 'Autorizza l’app',
  'アプリを認証', 'アプリにアクセスを許可', '連携アプリを認証',
  '앱 승인', '앱 인증',
  'تفويض التطبيق', 'السماح للتطبيق',
  'Uygulamayı yetkilendir', 'Otorisasi aplikasi', 'Авторизовать приложение', 'ऐप को अधिकृत करें',
]

/** Where the approve control was found: X's test id, the legacy 1.0a `#allow`, or a role=button with an approve label. */
export type ApproveControlKind = 'testid' | 'role' | 'legacy'

export interface PageSnapshot {
  url: string
  /** data-testid values present on the page. */
  testIds: string[]
  /** Visible text (capped). */
  text: string
  approveButton: { via: ApproveControlKind; enabled: boolean } | null
  /** Text of `[data-testid="OAuth_Consent_Error_Detail"]`, when present. */
  errorDetail?: string | null
  /** A password field is on the page: X asks to sign in (the legacy 1.0a page does so in place). */
  passwordField?: boolean
  /** Text of `[data-testid="OAuth_Consent_Account"]` (the signed-in account), when present. */
  accountName?: string | null
}

export type PageKind =
  | 'consent_ready'
  | 'consent_pending'
  | 'consent_no_button'
  | 'logged_out'
  | 'locked'
  | 'suspended'
  | 'error'
  | 'network_error'
  | 'unknown'

export interface PageClassification {
  kind: PageKind
  /** For `error`: what X said, for the operator; for `network_error`: Chromium's `ERR_…` name. */
  detail?: string
}

const SUSPENDED_TEXT = new RegExp(
  [
    String.raw`\baccount (?:is|has been) (?:permanently )?suspended\b`,
    String.raw`\bcuenta (?:está|ha sido) suspendida`,
    String.raw`\bconta (?:está|foi) suspensa`,
    String.raw`\bcompte (?:est|a été) suspendu`,
    String.raw`\b(?:Konto|Account) (?:ist|wurde) (?:dauerhaft )?gesperrt`,
    String.raw`\baccount è (?:stato )?sospeso`,
    'アカウントは凍結されています', 'アカウントが凍結されました',
    '계정이 정지되었습니다',
    'تم تعليق حسابك', 'حسابك معلق',
    String.raw`\bhesabın askıya alındı`,
    String.raw`\bakun (?:Anda )?(?:telah )?ditangguhkan`,
    'учетная запись заблокирована', 'аккаунт заблокирован',
  ].join('|'),
  'i',
)
const LOCKED_TEXT = new RegExp(
  [
    String.raw`\baccount (?:is|has been) (?:temporarily )?locked\b`,
    String.raw`\bcuenta (?:está|ha sido) bloqueada`,
    String.raw`\bconta (?:está|foi) bloqueada`,
    String.raw`\bcompte (?:est|a été) verrouillé`,
    String.raw`\b(?:Konto|Account) (?:ist|wurde) vorübergehend gesperrt`,
    String.raw`\baccount è (?:stato )?bloccato`,
    'アカウントはロックされています', 'アカウントがロックされました',
    '계정이 잠겼습니다',
    'تم قفل حسابك', 'حسابك مقفل',
    String.raw`\bhesabın kilitlendi`,
    String.raw`\bakun (?:Anda )?(?:telah )?dikunci`,
    'аккаунт временно заблокирован',
  ].join('|'),
  'i',
)
const CONSENT_TEXT = new RegExp(
  [
    String.raw`\bwants to access your (?:X|Twitter) account\b`,
    String.raw`\bquiere acceder a tu cuenta(?: de)? (?:X|Twitter)`,
    String.raw`\bquer acessar (?:a )?sua conta(?: d[oa])? (?:X|Twitter)`,
    String.raw`\bsouhaite accéder à votre compte (?:X|Twitter)`,
    String.raw`\bmöchte auf (?:dein|Ihr) (?:X|Twitter)[- ]?(?:Konto|Account) zugreifen`,
    String.raw`\bvuole accedere al tuo account (?:X|Twitter)`,
    '(?:X|Twitter)アカウントへのアクセスを求めています', 'アカウントへのアクセスをリクエストしています',
    '계정에 액세스하려고 합니다',
    'الوصول إلى حسابك',
    String.raw`\b(?:X|Twitter) hesabına erişmek istiyor`,
    String.raw`\bingin mengakses akun (?:X|Twitter) Anda`,
    'хочет получить доступ к вашей учетной записи',
  ].join('|'),
  'i',
)

/** The legacy 1.0a page's errors carry no test id: its own words ("Whoa there!") name them. */
const LEGACY_ERROR_TEXT = /\b(?:This page is no longer valid|There is no request token for this page|The request token for this page is invalid)\b[^.]*\./i

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}

export function classifyPage(snapshot: PageSnapshot): PageClassification {
  // Chromium's own error page: the navigation never reached X.
  if (snapshot.url.startsWith('chrome-error:')) return { kind: 'network_error', detail: chromiumErrorName(snapshot.text) ?? undefined }
  const path = pathOf(snapshot.url)
  const ids = new Set(snapshot.testIds)
  if (path.startsWith('/account/access') || LOCKED_TEXT.test(snapshot.text)) return { kind: 'locked' }
  if (SUSPENDED_TEXT.test(snapshot.text)) return { kind: 'suspended' }
  if (path.startsWith('/i/flow/login') || path === '/login' || ids.has(LOG_IN_BUTTON_TEST_ID) || snapshot.passwordField) return { kind: 'logged_out' }
  if (ids.has(ERROR_DETAIL_TEST_ID)) return { kind: 'error', detail: snapshot.errorDetail?.trim() || undefined }
  const legacyError = LEGACY_ERROR_TEXT.exec(snapshot.text)
  if (legacyError) return { kind: 'error', detail: legacyError[0] }
  if (snapshot.approveButton) return { kind: snapshot.approveButton.enabled ? 'consent_ready' : 'consent_pending' }
  const looksLikeConsent = CONSENT_TEXT.test(snapshot.text) || snapshot.testIds.some((id) => id.startsWith('OAuth_Consent'))
  return { kind: looksLikeConsent ? 'consent_no_button' : 'unknown' }
}

export interface PageFailure {
  code: ErrorCode
  message: string
}

/**
 * The failure a page kind means, or null while waiting can still help. A consent page without a button,
 * or a page we do not recognise, only fails once the page has settled (its network went idle).
 */
export function failureForPage(page: PageClassification, settled: boolean): PageFailure | null {
  switch (page.kind) {
    case 'logged_out':
      return { code: 'X_LOGGED_OUT', message: 'X asks to log in: the account is logged out in this profile.' }
    case 'locked':
      return { code: 'X_ACCOUNT_LOCKED', message: 'X shows the account as locked (/account/access).' }
    case 'suspended':
      return { code: 'X_ACCOUNT_SUSPENDED', message: 'X shows the account as suspended.' }
    case 'error':
      return { code: 'TWITTER_API_ERROR', message: `X showed an error on the consent page${page.detail ? `: ${page.detail.slice(0, 200)}` : '.'}` }
    case 'network_error':
      return (
        networkFailureFor(page.detail ?? '', 'loading the X consent page') ?? {
          code: 'PROFILE_NETWORK_ERROR',
          message: `The profile’s browser showed a network error page instead of X${page.detail ? ` (${page.detail})` : ''}. Check the profile’s proxy and the network.`,
        }
      )
    case 'consent_no_button':
      return settled ? { code: 'CONSENT_BUTTON_NOT_FOUND', message: 'The consent page loaded without an “Authorize app” button.' } : null
    case 'unknown':
    case 'consent_ready':
    case 'consent_pending':
      return null
  }
}
