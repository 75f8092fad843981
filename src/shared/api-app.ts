/**
 * Who redeems X's answer: the panel (it intercepts the redirect, exchanges the code or verifier and stores
 * the tokens), or the API app's own callback (pass-through: the redirect reaches it, the panel stores nothing).
 */
export const REDEMPTIONS = ['panel', 'callback'] as const
export type Redemption = (typeof REDEMPTIONS)[number]

/** An X developer app ("API app", e.g. AIOTT1) that accounts are authorized for. */
export interface ApiAppConfig {
  /** Unique name the operator uses, e.g. `AIOTT1`. */
  name: string
  oauthVersion: '2.0' | '1.0a'
  /** Confidential clients authenticate with Basic auth at the token endpoint; public ones send client_id. 1.0a apps are confidential. */
  clientType: 'confidential' | 'public'
  /** OAuth 2.0 client ID, or the OAuth 1.0a consumer key (API key). */
  clientId: string
  /** Null for public clients; the consumer secret (API key secret) for 1.0a. A secret: never logged, stored encrypted. */
  clientSecret: string | null
  /** The callback registered with X (1.0a: sent as `oauth_callback`). */
  redirectUri: string
  /** OAuth 2.0 scopes (1.0a apps have none: their permissions are set on the X app). */
  scopes: string[]
  /** Absent: `panel`. */
  redemption?: Redemption
  /**
   * Pass-through: the page on the app's own server that begins the sign-in (it creates the state and PKCE pair,
   * or the 1.0a request token, and sends the browser to X), since only that server can redeem what X returns.
   */
  startUrl?: string | null
  /**
   * Pass-through: what the callback's answer must show to count as delivered: a text on its page, or, when it
   * starts with http:// or https://, a pattern for the URL the browser ends on (`*` matches anything).
   */
  callbackMarker?: string | null
}

/** Which flow an authorization for this app runs, in words for the operator (the Authorize dialog shows it). */
export function flowDescription(app: Pick<ApiAppConfig, 'oauthVersion' | 'redemption'>): string {
  const version = app.oauthVersion === '1.0a' ? 'OAuth 1.0a: request token, X’s legacy consent page, access token + secret' : 'OAuth 2.0 with PKCE: X’s consent page, code exchange'
  return app.redemption === 'callback'
    ? `${version} — pass-through: the profile opens the app’s own sign-in page and X’s answer goes to the app’s callback, which redeems it; the panel stores no token.`
    : `${version} — the panel captures X’s answer, redeems it and stores the tokens encrypted.`
}

export const DEFAULT_SCOPES = ['tweet.read', 'tweet.write', 'users.read', 'offline.access'] as const

/** The OAuth 2.0 scopes X documents (developer.x.com, "OAuth 2.0 Authorization Code Flow with PKCE" → Scopes). */
export const X_OAUTH2_SCOPES = [
  'tweet.read',
  'tweet.write',
  'tweet.moderate.write',
  'users.read',
  'users.email',
  'follows.read',
  'follows.write',
  'offline.access',
  'space.read',
  'mute.read',
  'mute.write',
  'like.read',
  'like.write',
  'list.read',
  'list.write',
  'block.read',
  'block.write',
  'bookmark.read',
  'bookmark.write',
  'media.write',
  'dm.read',
  'dm.write',
] as const

/**
 * What an OAuth 2.0 app's scopes will cost the operator later, in sentences: no `offline.access` means no refresh
 * token (every token dies after X's 2 hours), and a scope X does not document is refused on X's consent page.
 * Warnings, not errors: the app can still be saved.
 */
export function scopeWarnings(app: Pick<ApiAppConfig, 'oauthVersion' | 'scopes'>): string[] {
  if (app.oauthVersion !== '2.0') return []
  const warnings: string[] = []
  if (!app.scopes.includes('offline.access')) {
    warnings.push('Without offline.access there is no refresh token: the token expires in 2 hours and cannot be renewed (the account must be authorized again).')
  }
  const known: readonly string[] = X_OAUTH2_SCOPES
  const unknown = [...new Set(app.scopes.filter((scope) => !known.includes(scope)))]
  if (unknown.length) {
    warnings.push(`${unknown.length === 1 ? 'Unknown scope' : 'Unknown scopes'}: ${unknown.join(', ')}. X does not document ${unknown.length === 1 ? 'it' : 'them'}, so its consent page may refuse the authorization.`)
  }
  return warnings
}
