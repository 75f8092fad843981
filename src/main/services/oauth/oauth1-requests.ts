/**
 * Pure builders of X's OAuth 1.0a requests (docs.x.com, "Obtaining user access tokens (3-legged OAuth)",
 * "Creating a signature", "Authorizing a request"), signed HMAC-SHA1 by the `oauth-1.0a` library with
 * Node's crypto. Every request carries its OAuth parameters in the `Authorization: OAuth …` header;
 * other parameters travel where X documents them and are part of the signature base string.
 */
import { createHmac, randomBytes } from 'node:crypto'
import OAuth from 'oauth-1.0a'
import type { ApiAppConfig } from '../../../shared/api-app'
import { joinUrl } from './x-endpoints'

/** A nonce and a timestamp; fresh ones are made when none is given (tests pass X's example). */
export interface SigningMaterial {
  nonce: string
  /** Seconds since the epoch. */
  timestamp: number
}

/** A token and its secret: the request token (2nd leg) or the access token (user context). */
export interface TokenPair {
  token: string
  secret: string
}

export interface OAuth1Request {
  method: 'POST'
  url: string
  headers: Record<string, string>
  /** `application/x-www-form-urlencoded`, or absent for an empty body. */
  body?: string
}

/** Parameters a request may carry in its Authorization header (RFC 5849 §3.5.1); others stay where they were sent. */
const HEADER_PARAMS = new Set([
  'oauth_callback', 'oauth_consumer_key', 'oauth_nonce', 'oauth_signature', 'oauth_signature_method', 'oauth_timestamp', 'oauth_token', 'oauth_version',
])

/** X's recipe: 32 random bytes, base64, every non-word character removed. */
export function createNonce(): string {
  return randomBytes(32).toString('base64').replace(/[^A-Za-z0-9]/g, '')
}

function freshMaterial(): SigningMaterial {
  return { nonce: createNonce(), timestamp: Math.floor(Date.now() / 1000) }
}

function signer(app: Pick<ApiAppConfig, 'clientId' | 'clientSecret'>, material: SigningMaterial): OAuth {
  const oauth = new OAuth({
    consumer: { key: app.clientId, secret: app.clientSecret ?? '' },
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  })
  // The library draws its own nonce from Math.random; ours comes from crypto (or from the test).
  oauth.getNonce = () => material.nonce
  oauth.getTimeStamp = () => material.timestamp
  return oauth
}

export interface SignInput {
  method: 'GET' | 'POST'
  /** With its query string: query parameters are signed. */
  url: string
  /** Form body parameters (signed) plus `oauth_callback` when the request sends one (it goes to the header). */
  params?: Record<string, string>
}

export interface Signed {
  /** `OAuth oauth_consumer_key="…", …` (sorted, percent-encoded, as X documents). */
  authorization: string
  signature: string
  baseString: string
}

/** Signs one request for the app (consumer key/secret) and, in user context, a token. */
export function signOAuth1(app: Pick<ApiAppConfig, 'clientId' | 'clientSecret'>, input: SignInput, token: TokenPair | null = null, material: SigningMaterial = freshMaterial()): Signed {
  const oauth = signer(app, material)
  const request = { method: input.method, url: input.url, data: { ...input.params } }
  // The library merges every signed parameter into what it returns; only OAuth ones belong in the header.
  const data = oauth.authorize(request, token ? { key: token.token, secret: token.secret } : undefined) as unknown as Record<string, string>
  const headerData = Object.fromEntries(Object.entries(data).filter(([key]) => HEADER_PARAMS.has(key)))
  const { oauth_signature: _signature, ...unsigned } = headerData
  return {
    authorization: oauth.toHeader(headerData as unknown as OAuth.Authorization).Authorization,
    signature: data.oauth_signature,
    baseString: oauth.getBaseString({ method: input.method, url: input.url, data: { ...input.params } }, unsigned as unknown as OAuth.Data),
  }
}

/** RFC 3986 percent-encoding, as OAuth 1.0a signs (RFC 5849 §3.6). */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
}

const ACCEPT = 'application/x-www-form-urlencoded, application/json;q=0.9, */*;q=0.5'

/** `POST /oauth/request_token` with `oauth_callback` = the app's callback (1st leg). */
export function buildRequestTokenRequest(apiUrl: string, app: ApiAppConfig, material?: SigningMaterial): OAuth1Request {
  const url = joinUrl(apiUrl, '/oauth/request_token')
  const signed = signOAuth1(app, { method: 'POST', url, params: { oauth_callback: app.redirectUri } }, null, material)
  return { method: 'POST', url, headers: { Authorization: signed.authorization, Accept: ACCEPT } }
}

/** The legacy consent page the profile's browser opens (2nd leg). */
export function buildOAuth1AuthorizeUrl(authorizeUrl: string, requestToken: string): string {
  const url = new URL(authorizeUrl)
  url.searchParams.set('oauth_token', requestToken)
  return url.toString()
}

/**
 * `POST /oauth/access_token?oauth_verifier=…` (3rd leg): the verifier in the query as X's reference shows it,
 * the request token as the header's `oauth_token`, signed with the request token's secret.
 */
export function buildAccessTokenRequest(apiUrl: string, app: ApiAppConfig, requestToken: TokenPair, verifier: string, material?: SigningMaterial): OAuth1Request {
  // RFC 3986 encoding (never `+` for a space): what the signature's base string decodes must be what was sent.
  const url = `${joinUrl(apiUrl, '/oauth/access_token')}?oauth_verifier=${percentEncode(verifier)}`
  const signed = signOAuth1(app, { method: 'POST', url }, requestToken, material)
  return { method: 'POST', url, headers: { Authorization: signed.authorization, Accept: ACCEPT } }
}

/** `POST /1.1/oauth/invalidate_token`, in the context of the access token it invalidates. */
export function buildInvalidateTokenRequest(apiUrl: string, app: ApiAppConfig, accessToken: TokenPair, material?: SigningMaterial): OAuth1Request {
  const url = joinUrl(apiUrl, '/1.1/oauth/invalidate_token')
  const signed = signOAuth1(app, { method: 'POST', url }, accessToken, material)
  return { method: 'POST', url, headers: { Authorization: signed.authorization, Accept: 'application/json' } }
}
