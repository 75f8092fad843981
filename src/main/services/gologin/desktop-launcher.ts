/**
 * Starts profiles through the GoLogin desktop app's local API (DESIGN.md §4):
 * `POST /browser/start-profile {profileId, sync:true}` → `{status:'success', wsUrl}`,
 * `POST /browser/stop-profile {profileId}` → 204.
 */
import axios, { AxiosError, type AxiosInstance } from 'axios'
import axiosRetry, { exponentialDelay, isNetworkError } from 'axios-retry'
import { AppException, DomainException, GoLoginAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { normalizeCdpEndpoint } from './cdp-endpoint'
import type { CdpEndpoint, ProfileLauncher, StartProfileOptions } from './types'

export const GOLOGIN_LOCAL_API_URL = 'http://127.0.0.1:36912'

export interface DesktopAppLauncherOptions {
  logger: Logger
  localApiUrl?: string
  /** A start syncs the profile from the cloud first, so it can take a while. */
  startTimeoutMs?: number
  stopTimeoutMs?: number
  /** Retries of a stop after a network error or 5xx (a stop is safe to repeat). */
  stopRetries?: number
  retryDelayMs?: number
}

export class DesktopAppLauncher implements ProfileLauncher {
  readonly kind = 'desktop'
  private readonly http: AxiosInstance
  private readonly log: Logger
  private readonly localApiUrl: string

  constructor(private readonly options: DesktopAppLauncherOptions) {
    this.log = options.logger
    this.localApiUrl = (options.localApiUrl ?? GOLOGIN_LOCAL_API_URL).replace(/\/+$/, '')
    this.http = axios.create({ baseURL: this.localApiUrl, headers: { 'Content-Type': 'application/json' }, maxRedirects: 0 })
    axiosRetry(this.http, {
      retries: 0,
      shouldResetTimeout: true,
      retryCondition: (error) =>
        error.code !== AxiosError.ERR_CANCELED && (error.response ? error.response.status >= 500 : isNetworkError(error)),
      retryDelay: (count, error) => exponentialDelay(count, error, options.retryDelayMs ?? 300),
    })
  }

  async start(profileId: string, options: StartProfileOptions = {}): Promise<CdpEndpoint> {
    const answer = await this.post('/browser/start-profile', { profileId, sync: true }, options.signal, this.options.startTimeoutMs ?? 120_000, 0)
    const body = answer.data as { status?: unknown; wsUrl?: unknown; message?: unknown } | undefined
    if (!body || body.status !== 'success' || body.wsUrl === undefined) {
      const said = typeof body?.message === 'string' ? `: ${body.message.slice(0, 200)}` : ''
      throw new GoLoginAPIException(answer.status, `The GoLogin app did not start profile ${profileId}${said}.`, { details: { profileId } })
    }
    const endpoint = normalizeCdpEndpoint(body.wsUrl)
    this.log.debug('gologin.desktop.started', { profileId })
    return endpoint
  }

  async stop(profileId: string, options: StartProfileOptions = {}): Promise<void> {
    await this.post('/browser/stop-profile', { profileId }, options.signal, this.options.stopTimeoutMs ?? 30_000, this.options.stopRetries ?? 2)
    this.log.debug('gologin.desktop.stopped', { profileId })
  }

  private async post(url: string, body: Record<string, unknown>, signal: AbortSignal | undefined, timeout: number, retries: number) {
    try {
      return await this.http.post(url, body, { signal, timeout, 'axios-retry': { retries } })
    } catch (error) {
      throw this.toException(error, url, String(body.profileId), signal)
    }
  }

  private toException(error: unknown, url: string, profileId: string, signal?: AbortSignal): AppException {
    if (error instanceof AppException) return error
    if (signal?.aborted) {
      const reason: unknown = signal.reason
      return reason instanceof AppException ? reason : new DomainException('CANCELLED', `Starting profile ${profileId} was cancelled.`)
    }
    const details = { profileId, path: url }
    if (!(error instanceof AxiosError)) return new GoLoginAPIException(500, `The GoLogin app call ${url} failed.`, { cause: error, details })
    const cause = new Error(`${error.code ?? 'error'}: ${error.message}`)
    if (!error.response) {
      if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') {
        return new GoLoginAPIException(408, `The GoLogin app did not answer ${url} for profile ${profileId} in time.`, { cause, details })
      }
      return new GoLoginAPIException(
        503,
        `The GoLogin desktop app is not reachable at ${this.localApiUrl} (${error.code ?? 'network error'}). Start the GoLogin app, or switch the launch mode to cloud in Settings.`,
        { cause, details },
      )
    }
    const data = error.response.data as { message?: unknown } | undefined
    const said = typeof data?.message === 'string' ? `: ${data.message.slice(0, 200)}` : ''
    // The local API has no rate limit of its own; keep its statuses away from the "token revoked" code.
    const status = error.response.status === 429 ? 503 : error.response.status
    return new GoLoginAPIException(status, `The GoLogin app refused ${url} for profile ${profileId}${said}.`, { cause, details })
  }
}
