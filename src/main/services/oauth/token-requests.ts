/**
 * Pure builders of the requests X's OAuth 2.0 endpoints expect (docs.x.com, "OAuth 2.0 Authorization
 * Code Flow with PKCE"): form-encoded bodies; confidential clients authenticate with HTTP Basic and send
 * no client_id in the body, public clients send `client_id` in the body.
 */
import { DEFAULT_SCOPES, type ApiAppConfig } from '../../../shared/api-app'
import { DomainException } from '../../../shared/errors'
import { MAX_STATE_LENGTH } from './pkce'
import { joinUrl } from './x-endpoints'

export interface FormRequest {
  url: string
  headers: Record<string, string>
  /** `application/x-www-form-urlencoded` body. */
  body: string
}

export type TokenTypeHint = 'access_token' | 'refresh_token'

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'

/** Throws INVALID_API_APP naming what is missing, so a half-configured app fails before any browser starts. */
export function assertUsableApp(app: ApiAppConfig): void {
  const problem = findAppProblem(app)
  if (problem) throw new DomainException('INVALID_API_APP', `API app "${app.name}" ${problem}`, { details: { apiApp: app.name } })
}

function findAppProblem(app: ApiAppConfig): string | null {
  if (app.oauthVersion !== '2.0' && app.oauthVersion !== '1.0a') return `uses OAuth ${String(app.oauthVersion)}; only OAuth 2.0 (PKCE) and 1.0a are supported`
  if (!isHttpUrl(app.redirectUri)) return 'has a redirect URI that is not an absolute http(s) URL'
  // Pass-through: the app's own server begins the sign-in and redeems; the panel only needs where to start.
  if (app.redemption === 'callback') return isHttpUrl(app.startUrl ?? '') ? null : 'lets its callback redeem but has no http(s) sign-in start URL'
  if (app.oauthVersion === '1.0a') {
    if (!app.clientId?.trim()) return 'has no consumer key (API key)'
    if (!app.clientSecret) return 'has no consumer secret (API key secret)'
    return null
  }
  if (!app.clientId?.trim()) return 'has no client ID'
  if (app.clientType === 'confidential' && !app.clientSecret) return 'is a confidential client without a client secret'
  if (app.scopes.some((scope) => !scope || /\s/.test(scope))) return 'has an empty scope or a scope containing spaces'
  return null
}

function isHttpUrl(value: string): boolean {
  try {
    const protocol = new URL(value).protocol
    return protocol === 'https:' || protocol === 'http:'
  } catch {
    return false
  }
}

export function scopesOf(app: ApiAppConfig): string[] {
  return app.scopes.length ? app.scopes : [...DEFAULT_SCOPES]
}

/** The consent URL the browser opens. */
export function buildAuthorizeUrl(authorizeUrl: string, app: ApiAppConfig, pkce: { state: string; codeChallenge: string }): string {
  if (!pkce.state || pkce.state.length > MAX_STATE_LENGTH) throw new RangeError(`state must be 1–${MAX_STATE_LENGTH} characters`)
  const url = new URL(authorizeUrl)
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', app.clientId)
  url.searchParams.set('redirect_uri', app.redirectUri)
  url.searchParams.set('scope', scopesOf(app).join(' '))
  url.searchParams.set('state', pkce.state)
  url.searchParams.set('code_challenge', pkce.codeChallenge)
  url.searchParams.set('code_challenge_method', 'S256')
  return url.toString()
}

export function buildCodeExchangeRequest(apiUrl: string, app: ApiAppConfig, code: string, codeVerifier: string): FormRequest {
  return formRequest(joinUrl(apiUrl, '/2/oauth2/token'), app, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: app.redirectUri,
    code_verifier: codeVerifier,
  })
}

export function buildRefreshRequest(apiUrl: string, app: ApiAppConfig, refreshToken: string): FormRequest {
  return formRequest(joinUrl(apiUrl, '/2/oauth2/token'), app, { grant_type: 'refresh_token', refresh_token: refreshToken })
}

export function buildRevokeRequest(apiUrl: string, app: ApiAppConfig, token: string, hint: TokenTypeHint): FormRequest {
  return formRequest(joinUrl(apiUrl, '/2/oauth2/revoke'), app, { token, token_type_hint: hint })
}

function formRequest(url: string, app: ApiAppConfig, fields: Record<string, string>): FormRequest {
  const body = new URLSearchParams(fields)
  const headers: Record<string, string> = { 'Content-Type': FORM_CONTENT_TYPE, Accept: 'application/json' }
  if (app.clientType === 'confidential') headers.Authorization = basicAuthorization(app.clientId, app.clientSecret ?? '')
  else body.set('client_id', app.clientId)
  return { url, headers, body: body.toString() }
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2)
}
