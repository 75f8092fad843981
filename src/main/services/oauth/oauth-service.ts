/**
 * X OAuth 2.0 with PKCE: builds the consent URL, exchanges the code, refreshes (rotating refresh tokens),
 * verifies the account with GET /2/users/me and revokes. Pure inputs and outputs: the caller persists.
 */
import axios, { type AxiosInstance } from 'axios'
import { z } from 'zod'
import type { ApiAppConfig } from '../../../shared/api-app'
import { DomainException, TwitterAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { codeChallengeS256, createCodeVerifier, createState } from './pkce'
import {
  assertUsableApp,
  buildAuthorizeUrl,
  buildCodeExchangeRequest,
  buildRefreshRequest,
  buildRevokeRequest,
  type FormRequest,
  type TokenTypeHint,
} from './token-requests'
import { readRateLimit, xApiException, xTransportException, XRateLimitException, type RateLimitInfo } from './x-api-errors'
import { DEFAULT_X_ENDPOINTS, joinUrl, type XEndpoints } from './x-endpoints'
import { backoffMs, CODE_LIFETIME_MS, codeExchangeGaveUp, codeExchangeLost, isInvalidCode, isRateLimited, isTransient } from './x-retry'

export interface AuthorizationRequest {
  /** The consent URL to open in the profile's browser. */
  url: string
  /** Persist with the session; the callback's `state` must equal it. */
  state: string
  /** A secret: persist encrypted with the session, send only to the token endpoint. */
  codeVerifier: string
  codeChallenge: string
}

export interface TokenSet {
  accessToken: string
  /** Null when the app lacks `offline.access`. */
  refreshToken: string | null
  expiresAt: Date
  scopes: string[]
  tokenType: string
}

export interface VerifiedAccount {
  id: string
  name: string
  username: string
  /** The `x-rate-limit-*` headers of the answer, for pacing further calls. */
  rateLimit: RateLimitInfo | null
}

export interface RefreshOptions {
  /** Called with the new tokens and awaited before refresh() returns: X has already voided the old refresh token. */
  persist: (tokens: TokenSet) => Promise<void> | void
  signal?: AbortSignal
}

export interface VerifyOptions {
  /** On a 429, wait until `x-rate-limit-reset` (at most `maxWaitMs`) and try again. */
  waitOnRateLimit?: boolean
  maxWaitMs?: number
  /** Tries in all for timeouts, network errors, 5xx and waited-out 429s (default 2 with waitOnRateLimit, else 1). */
  attempts?: number
  signal?: AbortSignal
}

export interface ExchangeOptions {
  signal?: AbortSignal
  /** When the approval left the browser (epoch ms): X's 30 s for the code run from no earlier. Default: now. */
  approvedAt?: number
}

export interface OAuthServiceOptions {
  logger: Logger
  /** Base URLs (settings feed them); a function is read on every call so changed settings apply at once. */
  endpoints?: Partial<XEndpoints> | (() => Partial<XEndpoints>)
  http?: AxiosInstance
  /** Per request (the code exchange has its own, see `exchangeTryTimeoutMs`). */
  timeoutMs?: number
  /** Longest single try of the code exchange; retries share what is left of the code's 30 s life. */
  exchangeTryTimeoutMs?: number
  verifierLength?: number
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

const tokenResponseSchema = z.object({
  token_type: z.string(),
  expires_in: z.coerce.number().positive(),
  access_token: z.string().min(1),
  scope: z.string().default(''),
  refresh_token: z.string().min(1).optional(),
})

const usersMeSchema = z.object({ data: z.object({ id: z.string(), name: z.string(), username: z.string() }) })

interface HttpAnswer {
  status: number
  data: unknown
  headers: Record<string, unknown>
}

export class OAuthService {
  private readonly log: Logger
  private readonly http: AxiosInstance
  private readonly timeoutMs: number
  private readonly exchangeTryTimeoutMs: number
  private readonly now: () => number
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>

  constructor(private readonly options: OAuthServiceOptions) {
    this.log = options.logger
    this.http = options.http ?? axios.create()
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.exchangeTryTimeoutMs = options.exchangeTryTimeoutMs ?? 20_000
    this.now = options.now ?? Date.now
    this.sleep = options.sleep ?? abortableSleep
  }

  endpoints(): XEndpoints {
    const configured = typeof this.options.endpoints === 'function' ? this.options.endpoints() : this.options.endpoints
    return { ...DEFAULT_X_ENDPOINTS, ...stripEmpty(configured ?? {}) }
  }

  /** A fresh state + PKCE pair and the consent URL carrying them. */
  createAuthorization(app: ApiAppConfig): AuthorizationRequest {
    assertUsableApp(app)
    const state = createState()
    const codeVerifier = createCodeVerifier(this.options.verifierLength)
    const codeChallenge = codeChallengeS256(codeVerifier)
    return { url: buildAuthorizeUrl(this.endpoints().authorizeUrl, app, { state, codeChallenge }), state, codeVerifier, codeChallenge }
  }

  /**
   * Exchanges the code, spending its life: a try that timed out, was reset or got a 5xx is repeated with
   * the same code and verifier until the code is about to expire. A refusal of the code after such a try
   * is CODE_EXCHANGE_LOST (the earlier try may have been redeemed); the last transient failure keeps its code.
   */
  async exchangeCode(app: ApiAppConfig, code: string, codeVerifier: string, options: ExchangeOptions = {}): Promise<TokenSet> {
    assertUsableApp(app)
    const request = buildCodeExchangeRequest(this.endpoints().apiUrl, app, code, codeVerifier)
    const secrets = [code, codeVerifier, app.clientSecret]
    const started = this.now()
    // A margin for the clock and the last answer's trip: X must still hold the code when a try arrives.
    const deadline = (options.approvedAt ?? started) + CODE_LIFETIME_MS - 2_000
    let tries = 0
    let uncertain: TwitterAPIException | null = null
    for (;;) {
      tries++
      const remaining = Math.max(1_000, deadline - this.now())
      try {
        const tokens = await this.tokenCall('code exchange', app, request, secrets, options.signal, Math.min(this.exchangeTryTimeoutMs, remaining))
        this.log.info('oauth.code_exchanged', { apiApp: app.name, scopes: tokens.scopes, hasRefreshToken: tokens.refreshToken !== null, tries })
        return tokens
      } catch (error) {
        if (uncertain && isInvalidCode(error)) throw codeExchangeLost(error as TwitterAPIException, uncertain, tries)
        if (!isTransient(error) && !isRateLimited(error)) throw error
        uncertain = error
        const waitMs = backoffMs(tries)
        if (this.now() + waitMs + 1_000 >= deadline) throw codeExchangeGaveUp(error, tries, this.now() - started)
        this.log.warn('oauth.code_exchange_retry', { apiApp: app.name, tries, errorCode: error.code, statusCode: error.statusCode, waitMs, remainingMs: deadline - this.now() })
        await this.sleep(waitMs, options.signal)
      }
    }
  }

  async refresh(app: ApiAppConfig, refreshToken: string, options: RefreshOptions): Promise<TokenSet> {
    assertUsableApp(app)
    const request = buildRefreshRequest(this.endpoints().apiUrl, app, refreshToken)
    const tokens = await this.tokenCall('token refresh', app, request, [refreshToken, app.clientSecret], options.signal)
    // The old refresh token is void from now on: nothing may happen before the new one is stored.
    await options.persist(tokens)
    this.log.info('oauth.refreshed', { apiApp: app.name, expiresAt: tokens.expiresAt.toISOString() })
    return tokens
  }

  /**
   * GET /2/users/me. With `attempts` > 1, timeouts, network errors and 5xx are tried again after a short
   * back-off, and a 429 (with `waitOnRateLimit`) after its `x-rate-limit-reset`, if that is within `maxWaitMs`.
   */
  async verifyCredentials(accessToken: string, options: VerifyOptions = {}): Promise<VerifiedAccount> {
    const attempts = options.attempts ?? (options.waitOnRateLimit ? 2 : 1)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.usersMe(accessToken, options.signal)
      } catch (err) {
        if (attempt >= attempts) throw err
        let waitMs: number
        if (err instanceof XRateLimitException) {
          if (!options.waitOnRateLimit || !err.resetAt) throw err
          waitMs = Math.max(0, err.resetAt.getTime() - this.now()) + 1_000
          if (waitMs > (options.maxWaitMs ?? 15 * 60_000)) throw err
          this.log.warn('oauth.users_me_rate_limited', { waitMs, resetAt: err.resetAt.toISOString(), attempt })
        } else if (isTransient(err)) {
          waitMs = backoffMs(attempt, 1_000)
          this.log.warn('oauth.users_me_retry', { errorCode: err.code, statusCode: err.statusCode, waitMs, attempt })
        } else {
          throw err
        }
        await this.sleep(waitMs, options.signal)
      }
    }
  }

  async revoke(app: ApiAppConfig, token: string, hint: TokenTypeHint = 'access_token', options: { signal?: AbortSignal } = {}): Promise<void> {
    assertUsableApp(app)
    const request = buildRevokeRequest(this.endpoints().apiUrl, app, token, hint)
    const secrets = [token, app.clientSecret]
    const answer = await this.send('token revoke', { method: 'POST', ...request }, secrets, options.signal)
    if (answer.status < 200 || answer.status >= 300) throw xApiException(answer.status, answer.data, answer.headers, secrets)
    this.log.info('oauth.revoked', { apiApp: app.name, hint })
  }

  private async usersMe(accessToken: string, signal?: AbortSignal): Promise<VerifiedAccount> {
    const url = joinUrl(this.endpoints().apiUrl, '/2/users/me')
    const headers = { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }
    const answer = await this.send('users/me', { method: 'GET', url, headers }, [accessToken], signal)
    if (answer.status < 200 || answer.status >= 300) throw xApiException(answer.status, answer.data, answer.headers, [accessToken])
    const parsed = usersMeSchema.safeParse(answer.data)
    if (!parsed.success) throw new TwitterAPIException(answer.status, 'users/me answered without data.id/name/username')
    return { ...parsed.data.data, rateLimit: readRateLimit(answer.headers) }
  }

  private async tokenCall(
    what: string,
    app: ApiAppConfig,
    request: FormRequest,
    secrets: Array<string | null>,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<TokenSet> {
    const started = this.now()
    const answer = await this.send(what, { method: 'POST', ...request }, secrets, signal, timeoutMs)
    if (answer.status < 200 || answer.status >= 300) {
      const error = xApiException(answer.status, answer.data, answer.headers, secrets)
      this.log.warn('oauth.token_call_failed', { apiApp: app.name, what, status: answer.status, xError: error.xError, ms: this.now() - started })
      throw error
    }
    const parsed = tokenResponseSchema.safeParse(answer.data)
    if (!parsed.success) throw new TwitterAPIException(answer.status, `${what} answered without the expected token fields`)
    const body = parsed.data
    this.log.debug('oauth.token_call', { apiApp: app.name, what, ms: this.now() - started })
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token ?? null,
      expiresAt: new Date(this.now() + body.expires_in * 1000),
      scopes: body.scope.split(' ').filter(Boolean),
      tokenType: body.token_type,
    }
  }

  private async send(
    what: string,
    request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: string },
    secrets: Array<string | null>,
    signal?: AbortSignal,
    timeoutMs = this.timeoutMs,
  ): Promise<HttpAnswer> {
    let response
    try {
      response = await this.http.request<string>({
        method: request.method,
        url: request.url,
        headers: request.headers,
        data: request.body,
        timeout: timeoutMs,
        signal,
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
      })
    } catch (err) {
      this.log.debug('x.call', { what, status: signal?.aborted ? 'cancelled' : 'error' })
      if (signal?.aborted) throw new DomainException('CANCELLED', `The ${what} was cancelled.`)
      throw xTransportException(`X ${what}`, err, secrets)
    }
    this.log.debug('x.call', { what, status: response.status })
    const headers = normaliseHeaders(response.headers)
    return { status: response.status, headers, data: parseBody(what, response.status, String(headers['content-type'] ?? ''), response.data) }
  }
}

function parseBody(what: string, status: number, contentType: string, raw: unknown): unknown {
  const text = typeof raw === 'string' ? raw : raw == null ? '' : JSON.stringify(raw)
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    // A proxy or Cloudflare page instead of X's JSON: say so instead of a parse error.
    if (status >= 200 && status < 300) throw new TwitterAPIException(status, `X ${what} answered with ${contentType || 'a non-JSON body'} instead of JSON`)
    return null
  }
}

function normaliseHeaders(headers: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const source = headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function' ? (headers as { toJSON(): object }).toJSON() : (headers ?? {})
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) out[key.toLowerCase()] = value
  return out
}

function stripEmpty(endpoints: Partial<XEndpoints>): Partial<XEndpoints> {
  return Object.fromEntries(Object.entries(endpoints).filter(([, value]) => typeof value === 'string' && value.trim() !== ''))
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DomainException('CANCELLED'))
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new DomainException('CANCELLED'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
