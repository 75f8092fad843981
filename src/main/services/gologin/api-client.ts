/**
 * GoLogin cloud API client (DESIGN.md §4). Every request attempt, retries included, waits for a
 * permit of the request budget (in-process, or shared by every host in PostgreSQL); network errors and
 * 5xx are retried with backoff by axios-retry; a 429 means GoLogin has revoked the token, so from then on
 * every call fails at once, without touching the network, until a new token is set. With a stop gate
 * (token-stops.ts) the 429 is recorded in the database and every attempt first asks whether any host saw
 * one for this token. The token never leaves this file except in the Authorization header (and the
 * cloud-browser URL, via `getToken`).
 */
import axios, { AxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios'
import axiosRetry, { exponentialDelay, isNetworkError } from 'axios-retry'
import { AppException, DomainException, ERROR_INFO, GoLoginAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { describeShapeProblem, parseProfilePage } from './profile-schema'
import { RequestRateLimiter, type RateLimiterFigures, type RequestBudget, type RequestDone } from './rate-limiter'
import { describeStop, tokenFingerprint, type TokenStop, type TokenStopGate } from './token-stops'
import type { GoLoginProfile, GoLoginProfilePage, SecretRegistry } from './types'

export const GOLOGIN_API_URL = 'https://api.gologin.com'
export const DEFAULT_REQUESTS_PER_MINUTE = 120

export interface GoLoginApiClientOptions {
  logger: Logger
  apiUrl?: string
  token?: string | null
  /** Client-side limit; default 120, well under the free plan's 300/min. */
  requestsPerMinute?: number
  /** Length of the rate window (60 s; tests shorten it together with the rate). */
  rateWindowMs?: number
  /** The budget to go through (the shared one, or another client's, as a token check beside the main client does); overrides the two above. */
  limiter?: RequestBudget
  /** Where a 429 is recorded and asked for before each attempt (every host of the database sees it). */
  stops?: TokenStopGate | null
  /** This host's name in the stop's message. */
  hostId?: string
  /** Per attempt. */
  timeoutMs?: number
  /** Retries after the first attempt, on network errors, timeouts and 5xx. */
  retries?: number
  /** Base of the exponential backoff (doubles per retry, plus jitter). */
  retryDelayMs?: number
  /** Learns the token so the log redactor can scrub it anywhere. */
  secrets?: SecretRegistry
  /** Told once each time GoLogin answers 429 (the token is revoked from then on). */
  onTokenRevoked?: (error: GoLoginAPIException) => void
}

export interface RequestOptions {
  signal?: AbortSignal
}

export interface GoLoginClientStatus {
  apiUrl: string
  hasToken: boolean
  tokenRevoked: boolean
  /** Attempts sent to GoLogin (retries included). */
  requestsSent: number
  retries: number
  rate: RateLimiterFigures
}

const IDEMPOTENT = new Set(['get', 'head', 'delete'])
const MAX_BACKOFF_MS = 30_000

export class GoLoginApiClient {
  readonly limiter: RequestBudget
  readonly stops: TokenStopGate | null
  private readonly http: AxiosInstance
  private readonly log: Logger
  private token: string | null = null
  private revoked: GoLoginAPIException | null = null
  private requestsSent = 0
  private retriesDone = 0
  /** The limiter's "answered" callback of each attempt in flight, by its axios config. */
  private readonly attempts = new WeakMap<object, RequestDone>()

  constructor(private readonly options: GoLoginApiClientOptions) {
    this.log = options.logger
    this.stops = options.stops ?? null
    this.limiter =
      options.limiter ??
      new RequestRateLimiter({
        requestsPerWindow: options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
        windowMs: options.rateWindowMs,
      })
    this.setToken(options.token ?? null)
    this.http = axios.create({
      baseURL: stripSlash(options.apiUrl ?? GOLOGIN_API_URL),
      timeout: options.timeoutMs ?? 30_000,
      headers: { Accept: 'application/json' },
      // The token must go to GoLogin only, never to wherever a redirect points.
      maxRedirects: 0,
    })
    // Request interceptors run for every attempt, so retries also wait for a permit.
    this.http.interceptors.request.use((config) => this.beforeAttempt(config))
    // Registered before axios-retry: the attempt's permit starts its last window before a retry
    // asks for a new one, and a 429 marks the token revoked before any retry decision.
    this.http.interceptors.response.use(
      (response) => {
        this.attemptAnswered(response.config, response.status)
        return response
      },
      (error: unknown) => {
        if (error instanceof AxiosError) this.attemptAnswered(error.config, error.response?.status ?? 'error')
        if (error instanceof AxiosError && error.response?.status === 429) this.markRevoked()
        return Promise.reject(error)
      },
    )
    axiosRetry(this.http, {
      retries: options.retries ?? 3,
      shouldResetTimeout: true,
      retryCondition: (error) => this.shouldRetry(error),
      retryDelay: (count, error) => Math.min(exponentialDelay(count, error, options.retryDelayMs ?? 500), MAX_BACKOFF_MS),
      onRetry: (count, error, config) => {
        this.retriesDone++
        this.log.warn(
          'gologin.api.retry',
          { attempt: count, status: error.response?.status, code: error.code, method: config.method, path: config.url },
          `GoLogin request failed (${error.response?.status ?? error.code}); retrying (${count})`,
        )
      },
    })
  }

  /** A new token also lifts the "revoked" stop. */
  setToken(token: string | null): void {
    this.token = token?.trim() || null
    this.revoked = null
    this.options.secrets?.addSecret(this.token)
  }

  /** For the cloud-browser connect URL only. */
  getToken(): string | null {
    return this.token
  }

  setApiUrl(apiUrl: string): void {
    this.http.defaults.baseURL = stripSlash(apiUrl)
  }

  setRequestsPerMinute(requestsPerMinute: number): void {
    this.limiter.setRequestsPerWindow(requestsPerMinute)
  }

  get tokenRevoked(): boolean {
    return this.revoked !== null
  }

  status(): GoLoginClientStatus {
    return {
      apiUrl: this.http.defaults.baseURL ?? '',
      hasToken: this.token !== null,
      tokenRevoked: this.tokenRevoked,
      requestsSent: this.requestsSent,
      retries: this.retriesDone,
      rate: this.limiter.figures(),
    }
  }

  /** Pages of profiles from page 1 until GoLogin's `allProfilesCount` is reached (or a page is empty). */
  async *pages(options: RequestOptions = {}): AsyncGenerator<GoLoginProfilePage> {
    let seen = 0
    for (let page = 1; ; page++) {
      const result = await this.fetchPage(page, options)
      yield result
      seen += result.profiles.length
      if (result.profiles.length === 0 || seen >= result.allProfilesCount) return
    }
  }

  /** Every profile once (a profile that moves between pages during the listing is not repeated). */
  async listAllProfiles(options: RequestOptions = {}): Promise<GoLoginProfile[]> {
    const byId = new Map<string, GoLoginProfile>()
    for await (const page of this.pages(options)) for (const profile of page.profiles) byId.set(profile.id, profile)
    return [...byId.values()]
  }

  /** One cheap request: proves the token works and tells how many profiles the account has. */
  async testConnection(options: RequestOptions = {}): Promise<{ profileCount: number }> {
    const first = await this.fetchPage(1, options)
    return { profileCount: first.allProfilesCount }
  }

  async fetchPage(page: number, options: RequestOptions = {}): Promise<GoLoginProfilePage> {
    const response = await this.send('get', '/browser/v2', { ...options, params: { page } })
    const body = this.jsonBody(response)
    const parsed = parseProfilePage(page, body)
    if (!('page' in parsed)) {
      throw new GoLoginAPIException(response.status, `GoLogin answered the profile list in an unexpected shape: ${describeShapeProblem(parsed)}.`, {
        details: { page },
      })
    }
    this.log.debug('gologin.api.page', { page, profiles: parsed.profiles.length, allProfilesCount: parsed.allProfilesCount })
    return parsed
  }

  /** Stops a cloud browser (`DELETE /browser/{id}/web`); one that is not running counts as stopped. */
  async stopCloudBrowser(profileId: string, options: RequestOptions = {}): Promise<void> {
    try {
      await this.send('delete', `/browser/${encodeURIComponent(profileId)}/web`, options)
    } catch (error) {
      if (error instanceof GoLoginAPIException && error.statusCode === 404) return
      throw error
    }
  }

  /**
   * Opens a cloud browser's connection (the WebSocket handshake starts the profile at GoLogin) as one more
   * GoLogin request: it waits for a permit of the rate limiter, and a 401 or 429 on the handshake stops
   * every GoLogin call like a 429 anywhere else.
   */
  async connectCloudBrowser<T>(connect: () => Promise<T>, options: RequestOptions & { onRefused?: () => void } = {}): Promise<T> {
    this.assertUsable()
    const answered = await this.permit(options.signal)
    let sent = false
    try {
      // A 429 may have arrived, here or at another host, while this connect waited for its permit.
      await this.checkStop()
      this.assertUsable()
      this.requestsSent++
      sent = true
      const connection = await connect()
      this.log.debug('gologin.api.answered', { status: 101, kind: 'connect' })
      return connection
    } catch (error) {
      const status = handshakeStatus(error)
      if (sent) this.log.debug('gologin.api.answered', { status: status ?? 'error', kind: 'connect' })
      if (status === 401 || status === 429) {
        // GoLogin refused the handshake: no browser was started.
        options.onRefused?.()
        this.markRevoked(status)
        throw this.revoked!
      }
      throw error
    } finally {
      answered()
    }
  }

  private async send(method: 'get' | 'delete', url: string, options: RequestOptions & { params?: Record<string, unknown> }) {
    this.assertUsable()
    try {
      return await this.http.request({ method, url, params: options.params, signal: options.signal })
    } catch (error) {
      throw this.toException(error, method, url, options.signal)
    }
  }

  private async beforeAttempt(config: InternalAxiosRequestConfig): Promise<InternalAxiosRequestConfig> {
    this.assertUsable()
    const answered = await this.permit(config.signal as AbortSignal | undefined)
    try {
      // A 429 may have arrived, here or at another host, while this attempt waited for its permit.
      await this.checkStop()
      this.assertUsable()
    } catch (error) {
      answered()
      throw error
    }
    this.attempts.set(config, answered)
    config.headers.set('Authorization', `Bearer ${this.token}`)
    this.requestsSent++
    return config
  }

  /** A permit of the request budget (this host's, or the one shared by the hosts of the database); the wait is logged for the metrics. */
  private async permit(signal: AbortSignal | undefined): Promise<RequestDone> {
    const began = performance.now()
    const answered = await this.limiter.acquire(signal)
    this.log.debug('gologin.budget.waited', { ms: performance.now() - began })
    return answered
  }

  private attemptAnswered(config: object | undefined, status: number | 'error'): void {
    if (!config) return
    if (this.attempts.has(config)) this.log.debug('gologin.api.answered', { status, kind: 'http' })
    this.attempts.get(config)?.()
    this.attempts.delete(config)
  }

  private assertUsable(): void {
    if (this.revoked) throw this.revoked
    if (!this.token) throw new GoLoginAPIException(401, 'No GoLogin API token is set. Enter your GoLogin token in Settings.')
  }

  private shouldRetry(error: AxiosError): boolean {
    if (this.revoked || error.code === AxiosError.ERR_CANCELED) return false
    if (!IDEMPOTENT.has(String(error.config?.method).toLowerCase())) return false
    if (!error.response) return isNetworkError(error) || error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
    return error.response.status >= 500
  }

  private markRevoked(status: 401 | 429 = 429): void {
    if (this.revoked) return
    const token = this.token
    this.revoked = new GoLoginAPIException(429, ERROR_INFO.GOLOGIN_TOKEN_REVOKED.sentence, { details: { answeredStatus: status } })
    // First the database, so that the other hosts' next check sees it; then this host's own news.
    if (this.stops && token) {
      this.stops.report(token, status).catch((error: unknown) =>
        this.log.error('gologin.token_stop.unrecorded', { err: error }, 'The revoked GoLogin token could not be recorded in the database: other hosts may not stop'),
      )
    }
    this.log.error('gologin.token_revoked', { status }, `GoLogin answered ${status}: the API token is revoked; all GoLogin calls are stopped`)
    this.options.onTokenRevoked?.(this.revoked)
  }

  /**
   * Asks the stop gate whether any host saw GoLogin refuse this token, and stops this client if so.
   * Answers whether the client is stopped. A gate that cannot be read stops the request, not the client.
   */
  async refreshStop(): Promise<boolean> {
    await this.checkStop()
    return this.tokenRevoked
  }

  private async checkStop(): Promise<void> {
    const token = this.token
    if (!this.stops || !token || this.revoked) return
    let stop: TokenStop | null
    try {
      stop = await this.stops.check(token)
    } catch (error) {
      throw new GoLoginAPIException(503, 'Whether another host saw GoLogin revoke the token could not be read from the database, so the request was not sent. Check the database connection.', {
        cause: error,
      })
    }
    // The token may have changed while the gate was read: the stop is for the token it was read for.
    if (stop && this.token === token && stop.fingerprint === tokenFingerprint(token)) this.adoptStop(stop)
  }

  private adoptStop(stop: TokenStop): void {
    if (this.revoked) return
    this.revoked = new GoLoginAPIException(429, describeStop(stop, this.options.hostId ?? ''), { details: { answeredStatus: stop.status, stoppedBy: stop.hostId, stoppedAt: stop.stoppedAt } })
    this.log.error('gologin.token_revoked', { status: stop.status, stoppedBy: stop.hostId, stoppedAt: stop.stoppedAt }, `GoLogin revoked the API token (seen by ${stop.hostId}); all GoLogin calls are stopped`)
    this.options.onTokenRevoked?.(this.revoked)
  }

  private jsonBody(response: AxiosResponse): unknown {
    const type = String(response.headers['content-type'] ?? '')
    if (!/\bjson\b/i.test(type)) {
      throw new GoLoginAPIException(
        response.status,
        `GoLogin answered with a web page (${type.split(';')[0] || 'no content type'}) instead of data, probably a Cloudflare check. Try again in a few minutes.`,
        { details: { contentType: type.split(';')[0] } },
      )
    }
    return response.data
  }

  private toException(error: unknown, method: string, path: string, signal?: AbortSignal): AppException {
    if (error instanceof AppException) return error
    if (signal?.aborted || (error instanceof AxiosError && error.code === AxiosError.ERR_CANCELED)) {
      const reason: unknown = signal?.reason
      return reason instanceof AppException ? reason : new DomainException('CANCELLED', 'The GoLogin request was cancelled.')
    }
    const cause = new Error(this.scrub(error instanceof Error ? `${(error as AxiosError).code ?? error.name}: ${error.message}` : String(error)))
    const details = { method: method.toUpperCase(), path }
    if (!(error instanceof AxiosError) || !error.response) {
      const timedOut = error instanceof AxiosError && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
      return timedOut
        ? new GoLoginAPIException(408, 'GoLogin did not answer in time. Check the internet connection and try again.', { cause, details })
        : new GoLoginAPIException(503, `GoLogin could not be reached (${(error as AxiosError).code ?? 'network error'}). Check the internet connection.`, { cause, details })
    }
    const status = error.response.status
    if (status === 429) return this.revoked ?? new GoLoginAPIException(429, ERROR_INFO.GOLOGIN_TOKEN_REVOKED.sentence)
    return new GoLoginAPIException(status, this.sentenceFor(status, error.response.data), { cause, details })
  }

  private sentenceFor(status: number, body: unknown): string {
    if (status === 401) return 'GoLogin rejected the API token. Check the token in Settings.'
    if (status === 403) return 'GoLogin refused access with this token (check the plan and the token’s permissions).'
    if (status >= 500) return 'GoLogin is having trouble right now (it kept failing after retries). Try again later.'
    const said = body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string' ? (body as { message: string }).message : ''
    return said ? `GoLogin said: ${this.scrub(said).slice(0, 200)}` : 'GoLogin refused the request.'
  }

  private scrub(text: string): string {
    return this.token ? text.split(this.token).join('[REDACTED]') : text
  }
}

/** The HTTP status a WebSocket handshake was refused with (`ws`: "Unexpected server response: 429"), if any. */
function handshakeStatus(error: unknown): number | null {
  const texts = [error, (error as { error?: unknown } | null)?.error].map((e) => (e && typeof e === 'object' && 'message' in e ? String((e as { message: unknown }).message) : String(e)))
  for (const text of texts) {
    const match = /Unexpected server response: (\d{3})/.exec(text)
    if (match) return Number(match[1])
  }
  return null
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '')
}
