/** The API app editor's form: a draft of text fields, checked with the contract's `apiAppInputSchema`. */
import { DEFAULT_SCOPES } from '../../../../shared/api-app'
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
  /** Space- or comma-separated. */
  scopes: string
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
  }
}

export function splitScopes(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean)
}

export function toInput(draft: ApiAppDraft): ApiAppInput {
  const secret = draft.clientSecret.trim()
  return {
    name: draft.name.trim(),
    oauthVersion: draft.oauthVersion,
    clientType: draft.clientType,
    clientId: draft.clientId.trim(),
    ...(draft.removeSecret ? { clientSecret: null } : secret ? { clientSecret: secret } : {}),
    redirectUri: draft.redirectUri.trim(),
    scopes: splitScopes(draft.scopes),
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
  if (draft.clientType === 'confidential' && !hasSecret) errors.clientSecret ??= 'Required for a confidential client.'
  return errors
}
