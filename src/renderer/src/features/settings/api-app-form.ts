/** The API app editor's form: a draft of text fields, checked with the contract's `apiAppInputSchema`. */
import { DEFAULT_SCOPES, scopeWarnings } from '../../../../shared/api-app'
import { apiAppInputSchema, type ApiAppInput, type ApiAppView } from '../../../../shared/contract/settings'

export interface ApiAppDraft {
  name: string
  oauthVersion: '2.0' | '1.0a'
  clientType: 'confidential' | 'public'
  clientId: string
  /** Write-only: empty keeps the stored secret. */
  clientSecret: string
  removeSecret: boolean
  redirectUri: string
  /** Space- or comma-separated (OAuth 2.0 only). */
  scopes: string
  /** `panel`: the panel redeems; `callback`: pass-through to the app's own callback. */
  redemption: 'panel' | 'callback'
  /** Pass-through: the app's sign-in start page. */
  startUrl: string
  /** Pass-through: text or http(s) URL pattern the callback's answer must show. */
  callbackMarker: string
}

export type ApiAppField = keyof ApiAppDraft
export type ApiAppErrors = Partial<Record<ApiAppField, string>>

export function newDraft(): ApiAppDraft {
  return {
    name: '',
    oauthVersion: '2.0',
    clientType: 'confidential',
    clientId: '',
    clientSecret: '',
    removeSecret: false,
    redirectUri: '',
    scopes: DEFAULT_SCOPES.join(' '),
    redemption: 'panel',
    startUrl: '',
    callbackMarker: '',
  }
}

export function draftOf(app: ApiAppView): ApiAppDraft {
  return {
    name: app.name,
    oauthVersion: app.oauthVersion,
    clientType: app.clientType,
    clientId: app.clientId,
    clientSecret: '',
    removeSecret: false,
    redirectUri: app.redirectUri,
    scopes: app.scopes.join(' '),
    redemption: app.redemption,
    startUrl: app.startUrl ?? '',
    callbackMarker: app.callbackMarker ?? '',
  }
}

export function splitScopes(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean)
}

export function toInput(draft: ApiAppDraft): ApiAppInput {
  const secret = draft.clientSecret.trim()
  const legacy = draft.oauthVersion === '1.0a'
  const passThrough = draft.redemption === 'callback'
  return {
    name: draft.name.trim(),
    oauthVersion: draft.oauthVersion,
    // 1.0a apps always have a consumer secret: they are confidential.
    clientType: legacy ? 'confidential' : draft.clientType,
    clientId: draft.clientId.trim(),
    ...(draft.removeSecret ? { clientSecret: null } : secret ? { clientSecret: secret } : {}),
    redirectUri: draft.redirectUri.trim(),
    scopes: legacy ? [] : splitScopes(draft.scopes),
    redemption: draft.redemption,
    ...(passThrough ? { startUrl: draft.startUrl.trim() || null, callbackMarker: draft.callbackMarker.trim() || null } : {}),
  }
}

function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/**
 * Field → message. `existing` is the app being edited (null when adding), `apps` every app (a new
 * name must not silently replace another app).
 */
export function validateApiApp(draft: ApiAppDraft, existing: ApiAppView | null, apps: readonly ApiAppView[]): ApiAppErrors {
  const errors: ApiAppErrors = {}
  const result = apiAppInputSchema.safeParse(toInput(draft))
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? 'name') as ApiAppField
      errors[field] ??= sentence(issue.message)
    }
  }
  const name = draft.name.trim()
  if (!existing && apps.some((app) => app.name.toLowerCase() === name.toLowerCase())) errors.name ??= 'An API app with this name exists; edit it instead.'
  const hasSecret = !draft.removeSecret && (draft.clientSecret.trim() !== '' || Boolean(existing?.hasSecret))
  // In pass-through the app's own server holds the secret; the panel needs none.
  const needsSecret = draft.redemption === 'panel' && (draft.oauthVersion === '1.0a' || draft.clientType === 'confidential')
  if (needsSecret && !hasSecret) errors.clientSecret ??= draft.oauthVersion === '1.0a' ? 'Required: the consumer secret signs every OAuth 1.0a request.' : 'Required for a confidential client.'
  return errors
}

/** Non-blocking warnings about the scopes typed (shown beside the field; the app can still be saved). */
export function draftScopeWarnings(draft: ApiAppDraft): string[] {
  return scopeWarnings({ oauthVersion: draft.oauthVersion, scopes: splitScopes(draft.scopes) })
}
