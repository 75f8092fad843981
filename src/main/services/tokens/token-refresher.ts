/**
 * Refreshes tokens before they expire (issue 6): the newest valid token of each account+app that has a
 * refresh token and expires within the margin. X rotates refresh tokens (the old one dies the moment it
 * is used), so the new tokens are stored before anything else; a refresh token X rejects marks the token
 * `expired` with `TOKEN_EXPIRED` so the account shows up for re-authorization; a 429 pauses refreshing
 * until X's reset time.
 */
import PQueue from 'p-queue'
import pRetry from 'p-retry'
import type { ApiAppConfig } from '../../../shared/api-app'
import { TOKEN_STATUSES, type TokenStatus } from '../../../shared/contract/sessions'
import { AppException, InfrastructureException, TwitterAPIException } from '../../../shared/errors'
import { AuthorizationSessionEntity, secretFor, type Database } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { TokenSet } from '../oauth'
import { pushAccountTokens } from '../gologin/profile-queries'
import { XRateLimitException } from '../oauth/x-api-errors'
import { newestTokenIds } from './newest-tokens'
import type { TokenClaims } from './token-claims'

/** What the refresher needs from the OAuth service (`OAuthService` fits). */
export interface TokenRefreshClient {
  refresh(app: ApiAppConfig, refreshToken: string, options: { persist: (tokens: TokenSet) => Promise<void> }): Promise<TokenSet>
  /** Revokes tokens X issued that could not be stored (so no live token is left that nobody knows). */
  revoke?(app: ApiAppConfig, token: string, hint: 'access_token' | 'refresh_token'): Promise<void>
}

export interface ApiAppSource {
  get(name: string): Promise<ApiAppConfig>
}

/** Where UI updates go. */
export type TokenEventSink = Pick<EventHub, 'emit'>

export interface TokenRefresherOptions {
  db: Pick<Database, 'dataSource' | 'transaction'>
  oauth: TokenRefreshClient
  apiApps: ApiAppSource
  /** `tokenRefreshMarginMinutes` (default 15). */
  marginMinutes: () => number
  log: Logger
  events?: TokenEventSink
  /** Refreshes in flight at once (default 4). */
  concurrency?: number
  /**
   * How long a failed write of rotated tokens is retried before they are revoked (default 90 s, a database restart
   * or failover), from `minTimeoutMs` (default 250 ms) doubling up to 5 s between tries.
   */
  persistRetry?: { windowMs: number; minTimeoutMs?: number }
  /** On a shared database, one host refreshes a token at a time (absent: every row is this host's). */
  claims?: TokenClaims
  now?: () => number
}

export interface RefreshReport {
  due: number
  refreshed: number
  /** Marked `expired` / `TOKEN_EXPIRED`: X rejected the refresh token. */
  invalidated: number
  failed: number
  /** Not attempted (rate-limited, stopping). */
  skipped: number
  rateLimitedUntil: string | null
}

/** X's answer for a refresh token that is unknown, used or revoked: `400 invalid_request` (or `invalid_grant`). */
export function isRejectedRefreshToken(error: unknown): boolean {
  return error instanceof TwitterAPIException && error.statusCode === 400 && ['invalid_request', 'invalid_grant'].includes(error.xError ?? '')
}

export class TokenRefresher {
  private pausedUntil = 0
  private readonly now: () => number
  /** Passes in progress: `close` waits for them (a refresh already sent is never abandoned). */
  private readonly passes = new Set<Promise<unknown>>()
  private closed = false

  constructor(private readonly options: TokenRefresherOptions) {
    this.now = options.now ?? Date.now
  }

  /**
   * One pass over the tokens due now. `signal` stops picking further tokens; a refresh already sent is
   * never aborted (X would void the old refresh token and the new one would be lost).
   */
  refreshDue(signal?: AbortSignal): Promise<RefreshReport> {
    if (this.closed) return Promise.resolve({ due: 0, refreshed: 0, invalidated: 0, failed: 0, skipped: 0, rateLimitedUntil: null })
    const pass = this.pass(signal)
    this.passes.add(pass)
    void pass.catch(() => undefined).finally(() => this.passes.delete(pass))
    return pass
  }

  /** Stops picking tokens and waits for the refreshes already sent to be stored. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.allSettled([...this.passes])
  }

  private async pass(signal?: AbortSignal): Promise<RefreshReport> {
    const { db, log } = this.options
    const report: RefreshReport = { due: 0, refreshed: 0, invalidated: 0, failed: 0, skipped: 0, rateLimitedUntil: null }
    if (this.pausedUntil > this.now()) {
      report.rateLimitedUntil = new Date(this.pausedUntil).toISOString()
      log.info('tokens.refresh_paused', { until: report.rateLimitedUntil }, 'Token refresh waits for X’s rate limit to reset')
      return report
    }
    const horizon = new Date(this.now() + this.options.marginMinutes() * 60_000)
    const ids = await newestTokenIds(db.dataSource, { refreshableBefore: horizon })
    report.due = ids.length
    if (!ids.length) return report

    const apps = new Map<string, Promise<ApiAppConfig>>()
    const failures: string[] = []
    const queue = new PQueue({ concurrency: this.options.concurrency ?? 4 })
    for (const id of ids) {
      void queue.add(async () => {
        if (signal?.aborted || this.closed || this.pausedUntil > this.now()) {
          report.skipped++
          return
        }
        const outcome = await this.claimed(id, () => this.refreshOne(id, apps, horizon))
        if (outcome === 'elsewhere') report.due--
        else if (outcome === 'refreshed') report.refreshed++
        else if (outcome === 'invalidated') report.invalidated++
        else if (outcome === 'gone') report.due--
        else if (outcome instanceof XRateLimitException) {
          this.pausedUntil = Math.max(this.pausedUntil, outcome.resetAt?.getTime() ?? this.now() + 15 * 60_000)
          report.skipped++
        } else {
          report.failed++
          if (failures.length < 3) failures.push(outcome.message)
        }
      })
    }
    await queue.onIdle()
    if (this.pausedUntil > this.now()) report.rateLimitedUntil = new Date(this.pausedUntil).toISOString()
    log.info('tokens.refresh_pass', { ...report }, `Token refresh: ${report.refreshed} refreshed, ${report.invalidated} need re-authorization, ${report.failed} failed`)
    if (report.failed) {
      throw new InfrastructureException('TWITTER_API_ERROR', `${report.failed} of ${report.due} token refreshes failed (${failures.join('; ')}); they are tried again.`, {
        details: { ...report },
      })
    }
    return report
  }

  /** Runs `work` holding the row's refresh claim; 'elsewhere' when another host holds it. */
  private async claimed<T>(id: number, work: () => Promise<T>): Promise<T | 'elsewhere'> {
    const claims = this.options.claims
    if (!claims) return work()
    try {
      if (!(await claims.take(id))) return 'elsewhere'
    } catch (error) {
      this.options.log.warn('tokens.refresh_claim_failed', { id, err: error }, 'Could not claim a token for refresh; it is tried again next pass')
      return 'elsewhere'
    }
    try {
      return await work()
    } finally {
      await claims.release(id)
    }
  }

  private async refreshOne(id: number, apps: Map<string, Promise<ApiAppConfig>>, horizon: Date): Promise<'refreshed' | 'invalidated' | 'gone' | AppException> {
    const repo = this.options.db.dataSource.getRepository(AuthorizationSessionEntity)
    const { log } = this.options
    let session: AuthorizationSessionEntity | null = null
    try {
      session = await repo.findOneBy({ id })
      // Re-authorized, invalidated or refreshed meanwhile (here or on another host): nothing to do.
      if (!session || session.tokenStatus !== 'valid' || !session.refreshToken) return 'gone'
      if (!session.expiresAt || session.expiresAt.getTime() >= horizon.getTime()) return 'gone'
      const current = session
      let app = apps.get(current.apiApp)
      if (!app) apps.set(current.apiApp, (app = this.options.apiApps.get(current.apiApp)))
      const config = await app
      await this.options.oauth.refresh(config, current.refreshToken!, { persist: (tokens) => this.persist(current, tokens, config) })
      return 'refreshed'
    } catch (error) {
      const fields = { sessionId: session?.sessionId, apiApp: session?.apiApp, username: session?.twitterUsername }
      if (session && isRejectedRefreshToken(error)) {
        // Rotated meanwhile (another host, or this one's earlier pass): the newer tokens stand.
        return (await this.invalidate(session, error as TwitterAPIException)) ? 'invalidated' : 'gone'
      }
      const failure = error instanceof AppException ? error : new InfrastructureException('INTERNAL_ERROR', 'Token refresh failed.', { cause: error })
      if (failure instanceof XRateLimitException) log.warn('tokens.refresh_rate_limited', { ...fields, resetAt: failure.resetAt?.toISOString() ?? null })
      else log.warn('tokens.refresh_failed', { ...fields, code: failure.code, err: error })
      return failure
    }
  }

  /**
   * Runs before refresh() returns: X has already voided the old refresh token, so these tokens are the
   * account's only ones. Written under the database's write lock (no other transaction can roll it back),
   * retried with back-off; `token_status` is left as it is (a refresh must not revive a `replaced` token).
   * If the write keeps failing the new tokens are revoked and the account is named for re-authorization.
   */
  private async persist(session: AuthorizationSessionEntity, tokens: TokenSet, app: ApiAppConfig): Promise<void> {
    const refreshedAt = new Date(this.now())
    const { log } = this.options
    const account = { sessionId: session.sessionId, apiApp: session.apiApp, username: session.twitterUsername }
    const retry = this.options.persistRetry ?? { windowMs: 90_000 }
    let status: string | null
    try {
      status = await pRetry(
        () =>
          this.options.db.transaction(async (manager) => {
            await manager.update(AuthorizationSessionEntity, { id: session.id }, {
              accessToken: secretFor(session.sessionId, tokens.accessToken),
              refreshToken: secretFor(session.sessionId, tokens.refreshToken),
              expiresAt: tokens.expiresAt,
              scopes: tokens.scopes.length ? tokens.scopes : session.scopes,
              refreshedAt,
            })
            const row = await manager.findOne(AuthorizationSessionEntity, { where: { id: session.id }, select: { id: true, tokenStatus: true } })
            return row?.tokenStatus ?? null
          }),
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: retry.minTimeoutMs ?? 250,
          maxTimeout: 5_000,
          maxRetryTime: retry.windowMs,
          onFailedAttempt: ({ error, attemptNumber }) =>
            log.warn('tokens.refresh_store_retry', { ...account, attempt: attemptNumber, err: error }, 'Could not store refreshed tokens yet; trying again'),
        },
      )
    } catch (error) {
      await this.revokeUnstored(app, tokens, account)
      throw new InfrastructureException(
        'INTERNAL_ERROR',
        `The refreshed tokens of @${session.twitterUsername ?? session.profileId} (${session.apiApp}) could not be stored, so they were revoked; authorize the account again.`,
        { cause: error, details: account },
      )
    }
    log.info('tokens.refreshed', { ...account, expiresAt: tokens.expiresAt.toISOString(), tokenStatus: status })
    const expiresAt = tokens.expiresAt.toISOString()
    this.options.events?.emit('sessions', { id: session.sessionId, expiresAt, ...(isTokenStatus(status) ? { tokenStatus: status } : {}) })
    if (status === 'valid') this.options.events?.emit('profiles', { id: session.profileId, tokenExpiresAt: expiresAt, tokenStatus: 'valid' })
    await this.pushTokens(session)
  }

  private pushTokens(session: AuthorizationSessionEntity): Promise<void> {
    return pushAccountTokens(this.options, { profileId: session.profileId, username: session.twitterUsername })
  }

  private async revokeUnstored(app: ApiAppConfig, tokens: TokenSet, account: Record<string, unknown>): Promise<void> {
    const { oauth, log } = this.options
    const pairs: Array<[string, 'access_token' | 'refresh_token']> = [[tokens.accessToken, 'access_token']]
    if (tokens.refreshToken) pairs.push([tokens.refreshToken, 'refresh_token'])
    for (const [token, hint] of pairs) {
      try {
        if (!oauth.revoke) throw new Error('no revoke client')
        await oauth.revoke(app, token, hint)
      } catch (error) {
        log.error('tokens.unstored_revoke_failed', { ...account, hint, err: error }, `Could not revoke the ${hint.replace('_', ' ')} that could not be stored`)
      }
    }
    log.error('tokens.refresh_store_failed', account, `Refreshed tokens of @${String(account.username)} could not be stored and were revoked: authorize the account again`)
  }

  /**
   * X refused the refresh token: the token is marked `expired`, unless the row holds another refresh token by now
   * (rotated meanwhile) or is no longer valid. Answers whether it was marked.
   */
  private async invalidate(session: AuthorizationSessionEntity, error: TwitterAPIException): Promise<boolean> {
    const message = `X rejected the refresh token (${error.xError ?? error.statusCode}); authorize the account again.`
    const marked = await this.options.db.transaction(async (manager) => {
      const now = await manager.findOne(AuthorizationSessionEntity, { where: { id: session.id }, select: { id: true, sessionId: true, refreshToken: true, tokenStatus: true } })
      if (!now || now.tokenStatus !== 'valid' || now.refreshToken !== session.refreshToken) return false
      await manager.update(AuthorizationSessionEntity, { id: session.id, tokenStatus: 'valid' }, { tokenStatus: 'expired', errorCode: 'TOKEN_EXPIRED', errorMessage: message })
      return true
    })
    if (!marked) {
      this.options.log.info('tokens.refresh_superseded', { sessionId: session.sessionId }, `Token of @${session.twitterUsername ?? session.profileId} (${session.apiApp}) was refreshed elsewhere meanwhile; the newer tokens stand`)
      return false
    }
    this.options.log.warn('tokens.refresh_rejected', { sessionId: session.sessionId, apiApp: session.apiApp, username: session.twitterUsername, xError: error.xError }, `Token of @${session.twitterUsername ?? session.profileId} (${session.apiApp}) can no longer be refreshed: authorize the account again`)
    this.options.events?.emit('sessions', { id: session.sessionId, tokenStatus: 'expired', errorCode: 'TOKEN_EXPIRED', errorMessage: message })
    this.options.events?.emit('profiles', { id: session.profileId, tokenStatus: 'expired' })
    await this.pushTokens(session)
    return true
  }
}

function isTokenStatus(value: string | null): value is TokenStatus {
  return (TOKEN_STATUSES as readonly string[]).includes(value ?? '')
}
