/**
 * Which flow an account's consent runs, and what it needs before the browser goes to X:
 * - OAuth 2.0, panel redeems: a fresh state + PKCE pair (persisted), X's consent URL;
 * - OAuth 1.0a, panel redeems: a request token from X (its secret persisted encrypted), the legacy page;
 * - pass-through (either version): the app's own sign-in start page, nothing to persist — the app's server
 *   made its own state/PKCE or request token and alone can redeem what X sends back.
 */
import type { ApiAppConfig } from '../../../shared/api-app'
import type { OAuth1Client } from '../oauth/oauth1-client'
import type { TokenPair } from '../oauth/oauth1-requests'
import type { OAuthService } from '../oauth/oauth-service'
import { DomainException } from '../../../shared/errors'

export type PreparedConsent =
  | { flow: 'oauth2'; url: string; expected: string; codeVerifier: string }
  | { flow: 'oauth1'; url: string; expected: string; requestToken: TokenPair }
  | { flow: 'pass_through'; url: string; expected: ''; marker: string | null }

export interface PrepareDeps {
  oauth: Pick<OAuthService, 'createAuthorization'>
  oauth1?: Pick<OAuth1Client, 'requestToken'>
  /** Persists the state (or request token) and its secret with the session, encrypted. */
  save(state: string, secret: string): Promise<void>
  signal?: AbortSignal
}

export async function prepareConsent(app: ApiAppConfig, deps: PrepareDeps): Promise<PreparedConsent> {
  if (app.redemption === 'callback') {
    if (!app.startUrl) throw new DomainException('INVALID_API_APP', `API app "${app.name}" lets its callback redeem but has no sign-in start URL.`)
    return { flow: 'pass_through', url: app.startUrl, expected: '', marker: app.callbackMarker ?? null }
  }
  if (app.oauthVersion === '1.0a') {
    if (!deps.oauth1) throw new DomainException('INVALID_API_APP', `API app "${app.name}" uses OAuth 1.0a, which this panel was not set up for.`)
    const authorization = await deps.oauth1.requestToken(app, { signal: deps.signal })
    await deps.save(authorization.requestToken.token, authorization.requestToken.secret)
    return { flow: 'oauth1', url: authorization.url, expected: authorization.requestToken.token, requestToken: authorization.requestToken }
  }
  const authorization = deps.oauth.createAuthorization(app)
  await deps.save(authorization.state, authorization.codeVerifier)
  return { flow: 'oauth2', url: authorization.url, expected: authorization.state, codeVerifier: authorization.codeVerifier }
}
