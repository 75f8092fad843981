/**
 * An account's token per API app, as the profiles grid shows it: the newest completed authorization of the
 * account (its X username) for each app, and the one state word the operator reads off it. No token value
 * ever travels here, only what is known about it.
 */
import type { TokenStatus } from './contract/sessions'

/** What the panel knows of an account's newest completed authorization for one API app. */
export interface AppToken {
  tokenStatus: TokenStatus | null
  /** Null: a token that does not expire (OAuth 1.0a), or none stored (pass-through). */
  expiresAt: string | null
  authorizedAt: string | null
  /** X issued it but did not confirm the account (`X_ACCOUNT_UNVERIFIED`); checked again on each refresh pass. */
  unverified: boolean
  /** A refresh token is stored: the panel renews it before it expires. */
  refreshable: boolean
  /** Pass-through: X's answer went to the app's own callback; the panel holds no token. */
  delivered: boolean
}

export const APP_TOKEN_STATES = ['valid', 'expiring', 'unverified', 'expired', 'revoked', 'delivered', 'none'] as const
export type AppTokenState = (typeof APP_TOKEN_STATES)[number]

/** A token that cannot be renewed and expires within this long is "expiring". */
export const APP_TOKEN_EXPIRING_MS = 60 * 60 * 1000

/**
 * The state word of an app's token at `now`. A renewable token counts as valid until it actually expires (the
 * refresher renews it well before); `replaced` (a newer set of the account exists) reads as revoked.
 */
export function appTokenState(token: AppToken | null | undefined, now = Date.now()): AppTokenState {
  if (!token) return 'none'
  switch (token.tokenStatus) {
    case 'revoked':
    case 'replaced':
      return 'revoked'
    case 'expired':
      return 'expired'
    case 'valid': {
      const expires = token.expiresAt ? Date.parse(token.expiresAt) : null
      if (expires !== null && expires <= now) return 'expired'
      if (token.unverified) return 'unverified'
      if (expires !== null && !token.refreshable && expires <= now + APP_TOKEN_EXPIRING_MS) return 'expiring'
      return 'valid'
    }
    default:
      return token.delivered ? 'delivered' : 'none'
  }
}

/** "Has a valid token for app X": a verified token that works now. */
export function isUsableToken(state: AppTokenState): boolean {
  return state === 'valid' || state === 'expiring'
}

/**
 * "Needs authorization for app X": no token the panel could use or renew (none, expired, revoked). Unverified
 * tokens are checked by the panel, and pass-through deliveries are the app's to judge: neither counts.
 */
export function needsAuthorization(state: AppTokenState): boolean {
  return state === 'none' || state === 'expired' || state === 'revoked'
}

/** The grid's per-app token filters: a valid token for the app, or none the panel could use (needs authorization). */
export type AppTokenWant = 'valid' | 'needs'

/** Whether an account's tokens pass "valid token for `app`" or "needs authorization for `app`" at `now`. */
export function matchesAppToken(tokens: Readonly<Record<string, AppToken>>, app: string, want: AppTokenWant, now = Date.now()): boolean {
  const state = appTokenState(tokens[app], now)
  return want === 'valid' ? isUsableToken(state) : needsAuthorization(state)
}
