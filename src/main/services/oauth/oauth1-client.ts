/**
 * X's OAuth 1.0a 3-legged flow over HTTP: the request token (1st leg), the access token for the verifier
 * (3rd leg) and invalidating an access token. Answers are form-encoded on success and JSON, XML or text on
 * failure; every failure is a TwitterAPIException naming X's answer, never a token or secret.
 */
import axios, { type AxiosInstance } from 'axios'
import type { ApiAppConfig } from '../../../shared/api-app'
import { DomainException, InfrastructureException, TwitterAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { buildAccessTokenRequest, buildInvalidateTokenRequest, buildOAuth1AuthorizeUrl, buildRequestTokenRequest, type OAuth1Request, type TokenPair } from './oauth1-requests'
import { scrub, xApiException, xTransportException } from './x-api-errors'
import { DEFAULT_X_ENDPOINTS, type XEndpoints } from './x-endpoints'
import { backoffMs, codeExchangeGaveUp, codeExchangeLost, isTransient } from './x-retry'

export interface OAuth1Authorization {
  /** The legacy consent page to open in the profile's browser. */
  url: string
  /** `oauth_token` must come back equal to it; its secret signs the access-token call (a secret: stored encrypted). */
  requestToken: TokenPair
}

/** What X issues for the verifier: a user-context token pair that does not expire. */
export interface OAuth1AccessToken {
  token: string
  secret: string
  userId: string
  screenName: string
}

export interface OAuth1ClientOptions {
  logger: Logger
  /** Read on every call, so changed settings apply at once. */
  endpoints: () => Pick<XEndpoints, 'apiUrl' | 'oauth1AuthorizeUrl'>
  http?: AxiosInstance
  timeoutMs?: number
  /** Time the access-token call may spend trying again after timeouts, resets and 5xx (default 30 s, like a 2.0 code's life). */
  verifierBudgetMs?: number
  now?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

interface TextAnswer {
  status: number
  text: string
  headers: Record<string, unknown>
}

/** Assumes the app was checked (assertUsableApp): consumer key and secret present. */
export class OAuth1Client {
  private readonly http: AxiosInstance
  private readonly now: () => number

  constructor(private readonly options: OAuth1ClientOptions) {
    this.http = options.http ?? axios.create()
    this.now = options.now ?? Date.now
  }

  private endpoints(): Pick<XEndpoints, 'apiUrl' | 'oauth1AuthorizeUrl'> {
    const configured = this.options.endpoints()
    return {
      apiUrl: configured.apiUrl?.trim() || DEFAULT_X_ENDPOINTS.apiUrl,
      oauth1AuthorizeUrl: configured.oauth1AuthorizeUrl?.trim() || DEFAULT_X_ENDPOINTS.oauth1AuthorizeUrl,
    }
  }

  /** 1st leg: a request token for the app's callback, and the consent URL carrying it. Transient failures are tried 3 times. */
  async requestToken(app: ApiAppConfig, options: { signal?: AbortSignal } = {}): Promise<OAuth1Authorization> {
    const { apiUrl, oauth1AuthorizeUrl } = this.endpoints()
    const secrets = [app.clientSecret]
    let answer: TextAnswer
    for (let tries = 1; ; tries++) {
      try {
        answer = await this.send('request token', buildRequestTokenRequest(apiUrl, app), secrets, options.signal)
        if (answer.status >= 500) throw failure(answer, secrets)
        break
      } catch (error) {
        if (tries >= 3 || !isTransient(error)) throw error
        this.options.logger.warn('oauth1.request_token_retry', { apiApp: app.name, tries, errorCode: error.code })
        await this.sleep(backoffMs(tries), options.signal)
      }
    }
    if (answer.status < 200 || answer.status >= 300) throw refusal('request token', app, answer, secrets)
    const fields = new URLSearchParams(answer.text)
    const token = fields.get('oauth_token')
    const secret = fields.get('oauth_token_secret')
    const confirmed = fields.get('oauth_callback_confirmed')
    if (!token || !secret || confirmed !== 'true') {
      // Name what X said without the secrets it may hold.
      const said = token || secret ? `oauth_callback_confirmed=${confirmed ?? '(missing)'}${token ? '' : ', no oauth_token'}${secret ? '' : ', no oauth_token_secret'}` : describeBody(answer, [...secrets])
      throw new TwitterAPIException(answer.status, `X did not confirm the callback for the request token of API app "${app.name}" (${said}); check the app's callback URL at X.`)
    }
    this.options.logger.info('oauth1.request_token', { apiApp: app.name })
    return { url: buildOAuth1AuthorizeUrl(oauth1AuthorizeUrl, token), requestToken: { token, secret } }
  }

  /**
   * 3rd leg: the access token for the verifier. Like the 2.0 code exchange, a try that timed out, was reset or
   * got a 5xx is repeated while the budget lasts; a refusal after such a try is CODE_EXCHANGE_LOST.
   */
  async accessToken(app: ApiAppConfig, requestToken: TokenPair, verifier: string, options: { signal?: AbortSignal; approvedAt?: number } = {}): Promise<OAuth1AccessToken> {
    const secrets = [app.clientSecret, requestToken.secret, verifier]
    const started = this.now()
    const deadline = (options.approvedAt ?? started) + (this.options.verifierBudgetMs ?? 30_000) - 2_000
    let uncertain: TwitterAPIException | null = null
    for (let tries = 1; ; tries++) {
      let answer: TextAnswer
      try {
        const request = buildAccessTokenRequest(this.endpoints().apiUrl, app, requestToken, verifier)
        answer = await this.send('access token', request, secrets, options.signal, Math.max(1_000, deadline - this.now()))
        if (answer.status >= 500) throw failure(answer, secrets)
      } catch (error) {
        if (!isTransient(error)) throw error
        uncertain = error
        const waitMs = backoffMs(tries)
        if (this.now() + waitMs + 1_000 >= deadline) throw codeExchangeGaveUp(error, tries, this.now() - started)
        this.options.logger.warn('oauth1.access_token_retry', { apiApp: app.name, tries, errorCode: error.code, waitMs })
        await this.sleep(waitMs, options.signal)
        continue
      }
      if (answer.status < 200 || answer.status >= 300) {
        const refused = refusal('access token', app, answer, secrets)
        if (uncertain && (answer.status === 401 || answer.status === 400)) throw codeExchangeLost(refused, uncertain, tries)
        throw refused
      }
      const fields = new URLSearchParams(answer.text)
      const token = fields.get('oauth_token')
      const secret = fields.get('oauth_token_secret')
      const userId = fields.get('user_id')
      const screenName = fields.get('screen_name')
      if (!token || !secret || !userId || !screenName) {
        const missing = Object.entries({ oauth_token: token, oauth_token_secret: secret, user_id: userId, screen_name: screenName }).filter(([, v]) => !v).map(([k]) => k)
        // X issued something we cannot use or revoke without both halves: say so plainly.
        throw new InfrastructureException('TWITTER_API_ERROR', `X answered the access token call without ${missing.join(', ')}; authorize again.`, { details: { statusCode: answer.status } })
      }
      this.options.logger.info('oauth1.access_token', { apiApp: app.name, tries })
      return { token, secret, userId, screenName }
    }
  }

  /** `POST /1.1/oauth/invalidate_token`: the token stops working for good. */
  async invalidate(app: ApiAppConfig, accessToken: TokenPair, options: { signal?: AbortSignal } = {}): Promise<void> {
    const secrets = [app.clientSecret, accessToken.token, accessToken.secret]
    const answer = await this.send('token invalidation', buildInvalidateTokenRequest(this.endpoints().apiUrl, app, accessToken), secrets, options.signal)
    if (answer.status < 200 || answer.status >= 300) throw refusal('token invalidation', app, answer, secrets)
    this.options.logger.info('oauth1.invalidated', { apiApp: app.name })
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.options.sleep) return this.options.sleep(ms, signal)
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(new DomainException('CANCELLED'))
      const timer = setTimeout(resolve, ms)
      signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new DomainException('CANCELLED'))), { once: true })
    })
  }

  private async send(what: string, request: OAuth1Request, secrets: Array<string | null>, signal?: AbortSignal, timeoutMs?: number): Promise<TextAnswer> {
    try {
      const response = await this.http.request<string>({
        method: request.method,
        url: request.url,
        headers: request.headers,
        data: request.body,
        timeout: timeoutMs ?? this.options.timeoutMs ?? 10_000,
        signal,
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
      })
      this.options.logger.debug('x.call', { what, status: response.status })
      const headers: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(response.headers ?? {})) headers[key.toLowerCase()] = value
      return { status: response.status, text: typeof response.data === 'string' ? response.data : String(response.data ?? ''), headers }
    } catch (err) {
      this.options.logger.debug('x.call', { what, status: signal?.aborted ? 'cancelled' : 'error' })
      if (signal?.aborted) throw new DomainException('CANCELLED', `The ${what} call was cancelled.`)
      throw xTransportException(`X ${what}`, err, secrets)
    }
  }
}

/** X's error bodies for 1.0a: JSON `{errors:[…]}`, XML `<error code="…">…</error>`, or a line of text. */
function errorShape(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    const xml = /<error(?:\s+code="(\d+)")?\s*>([^<]*)<\/error>/i.exec(text)
    if (xml) return { errors: [{ code: xml[1] ? Number(xml[1]) : undefined, message: xml[2].trim() }] }
    const line = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
    return line ? { errors: [{ message: line.slice(0, 200) }] } : null
  }
}

function failure(answer: TextAnswer, secrets: Array<string | null>): TwitterAPIException {
  return xApiException(answer.status, errorShape(answer.text), answer.headers, secrets)
}

/** A non-2xx answer as TWITTER_API_ERROR (or its 429/5xx codes), saying which call and app. */
function refusal(what: string, app: ApiAppConfig, answer: TextAnswer, secrets: Array<string | null>): TwitterAPIException {
  const error = failure(answer, secrets)
  if (answer.status >= 500 || answer.status === 429) return error
  const said = error.message.replace(/^X API error \(\d+\): /, '')
  return new TwitterAPIException(answer.status, `X refused the ${what} call of API app "${app.name}": ${said}`, { xError: error.xError })
}

function describeBody(answer: TextAnswer, secrets: Array<string | null>): string {
  const text = answer.text.replace(/\s+/g, ' ').trim()
  return text ? scrub(text.slice(0, 120), secrets) : 'an empty answer'
}
