/**
 * One account end to end: `pending → in_progress` → start its profile (slot) → attach → consent →
 * exchange the code → check `/users/me` is the mapped account → store the tokens encrypted →
 * `completed`; or `failed` / `timeout` / `cancelled` with a code and a sentence. OAuth 1.0a apps get a
 * request token first and redeem the verifier (X names the account in its answer); pass-through apps
 * let X's redirect reach their own callback and store nothing (see oauth-flows.ts). The profile is
 * stopped on every path (after the tokens are stored, never before), the whole attempt is bounded by
 * the per-account time limit, and each step's time goes to the log with the session id.
 */
import pRetry from 'p-retry'
import type { ApiAppConfig } from '../../../shared/api-app'
import type { SessionStep } from '../../../shared/contract/sessions'
import { AppException, AuthorizationTimeoutException, DomainException, DATABASE_WRITE_FAILED, InfrastructureException, TwitterAPIException } from '../../../shared/errors'
import { withLogContext } from '../../logging/context'
import type { Logger } from '../../logging/logger'
import type { CdpEndpoint } from '../gologin/types'
import type { CallbackAnswer } from '../../../shared/contract/sessions'
import type { OAuth1Client } from '../oauth/oauth1-client'
import type { OAuthService } from '../oauth/oauth-service'
import type { ConsentRunner } from './consent-runner'
import { prepareConsent, type PreparedConsent } from './oauth-flows'
import type { IssuedFlow, IssuedTokensJournal } from '../lifecycle/issued-tokens-journal'
import { isClaimLost, type CompletedAttempt, type SessionJob, type SessionStore, type StoredTokens, type TerminalStatus } from './session-store'

/** Default of `storeRetry.windowMs`. */
export const DEFAULT_TOKEN_STORE_WINDOW_MS = 90_000

/** A started profile: its browser, and how to stop it (the slots' ProfileHandle fits). */
export interface StartedProfile {
  readonly endpoint: CdpEndpoint
  /** Aborted when the profile is stopped from outside. */
  readonly signal: AbortSignal
  /** Wraps the CDP connect when the launcher needs to (the cloud browser's connect is a GoLogin request). */
  readonly guardConnect?: <T>(connect: () => Promise<T>) => Promise<T>
  release(): Promise<void>
}

export interface ProfileStarter {
  /** Waits for a slot, starts the profile; rejects with an AppException (GoLogin code) when it cannot. */
  startProfile(profileId: string, options: { signal?: AbortSignal }): Promise<StartedProfile>
}

export interface ProfileAutomatorDeps {
  store: Pick<SessionStore, 'markStarted' | 'setStep' | 'savePkce' | 'complete' | 'fail'> & Partial<Pick<SessionStore, 'deliver' | 'knownXUserId'>>
  profiles: ProfileStarter
  oauth: Pick<OAuthService, 'createAuthorization' | 'exchangeCode' | 'verifyCredentials' | 'revoke'>
  /** OAuth 1.0a apps (absent: such an app fails as INVALID_API_APP). */
  oauth1?: Pick<OAuth1Client, 'requestToken' | 'accessToken' | 'invalidate'>
  consent: ConsentRunner
  apiApps: { get(name: string): Promise<ApiAppConfig> }
  /** Read at the start of every attempt, so a changed setting applies to the next account. */
  limits: () => { accountTimeoutSeconds: number }
  /**
   * How long a failed write of the tokens is retried before they are revoked (default 90 s: long enough to ride out
   * a PostgreSQL restart or failover), from `minTimeoutMs` (default 250 ms) doubling up to 5 s between tries.
   */
  storeRetry?: { windowMs: number; minTimeoutMs?: number }
  /** Where failure screenshots go (`<dataDir>/screenshots`); null: none. */
  screenshotDir: string | null
  /**
   * The write-ahead journal of issued token sets (`<dataDir>/issued-tokens.json`): written the moment X answers,
   * crossed out once the set is stored or revoked, so a kill in between leaves it for the next start-up to revoke.
   */
  issuedJournal?: Pick<IssuedTokensJournal, 'record' | 'cross'> | null
  logger: Logger
  now?: () => number
}

/** `/users/me` tries before the tokens are kept unverified (timeouts, 5xx and 429 are retried). */
const VERIFY_ATTEMPTS = 4

export interface SessionOutcome {
  status: TerminalStatus
  errorCode: AppException['code'] | null
  /** Time in progress (slot to final write), ms. */
  durationMs: number
}

export class ProfileAutomator {
  private readonly log: Logger
  private readonly now: () => number
  /** Attempts past the consent page: X has issued, or is issuing, tokens that only they can store or revoke. */
  private readonly capturing = new Set<Promise<SessionOutcome>>()

  constructor(private readonly deps: ProfileAutomatorDeps) {
    this.log = deps.logger
    this.now = deps.now ?? Date.now
  }

  /** Runs the attempt; never throws (every failure ends in the session row). `signal` cancels it. */
  run(job: SessionJob, signal: AbortSignal): Promise<SessionOutcome> {
    return withLogContext({ batchId: job.batchId, sessionId: job.sessionId }, () => {
      const running: Promise<SessionOutcome> = new Attempt(this.deps, this.log, this.now, job, signal, () => this.capturing.add(running))
        .run()
        .finally(() => this.capturing.delete(running))
      return running
    })
  }

  /**
   * Shutdown: waits at most `timeoutMs` for the attempts past the consent page to store (or revoke) what X issues;
   * the database must stay open until then, or those tokens are lost. Answers how many were still under way.
   */
  async settleCaptured(timeoutMs: number): Promise<number> {
    if (!this.capturing.size) return 0
    let timer: NodeJS.Timeout | undefined
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))
    await Promise.race([Promise.allSettled([...this.capturing]), bounded])
    clearTimeout(timer)
    return this.capturing.size
  }
}

class Attempt {
  private readonly timings: Partial<Record<TimedPart, number>> = {}
  private readonly limit = new AbortController()
  private readonly stop: AbortSignal
  private readonly startedAtMs: number
  private stepStartedAt: number
  private step: SessionStep = 'starting_profile'
  private part: TimedPart = 'starting_profile'
  private profile: StartedProfile | null = null
  private released: Promise<void> | null = null
  private screenshotPath: string | null = null
  /** Pass-through: what the app's callback answered, also when it failed. */
  private callbackAnswer: CallbackAnswer | null = null
  /** The code was captured: a cancel or the time limit no longer decides the outcome. */
  private captured = false
  /** Tokens X issued and not yet stored or revoked: whatever happens next, they are one or the other. */
  private issued: { app: ApiAppConfig; tokens: StoredTokens } | null = null
  /** The issued set's entry in the journal, crossed out once it is stored or revoked. */
  private journalEntry: string | null = null
  /** A write of the attempt was refused: this host lost its claim (the attempt stops, no approval follows). */
  private readonly fenced = new AbortController()

  constructor(
    private readonly deps: ProfileAutomatorDeps,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly job: SessionJob,
    signal: AbortSignal,
    /** Told once the code is captured (the attempt now finishes whatever stops it). */
    private readonly onCaptured: () => void = () => undefined,
  ) {
    this.stop = AbortSignal.any([signal, this.limit.signal, this.fenced.signal])
    this.startedAtMs = now()
    this.stepStartedAt = this.startedAtMs
  }

  async run(): Promise<SessionOutcome> {
    const { job, deps } = this
    const timeoutSeconds = deps.limits().accountTimeoutSeconds
    const timer = setTimeout(() => this.limit.abort(new AuthorizationTimeoutException(timeoutSeconds)), timeoutSeconds * 1_000)
    const startedAt = new Date(this.startedAtMs)
    try {
      await progress(() => deps.store.markStarted(job, startedAt))
      const { app, code, prepared, approvedAt, delivered, signedInUserId } = await this.untilCodeCaptured(timeoutSeconds)
      // The code lives 30 s and X may already be issuing tokens: from here on the attempt finishes
      // (each call is bounded by the OAuth client's own timeout) instead of being cancelled.
      this.captured = true
      this.onCaptured()
      // The stop starts now (it may take 30 s while the GoLogin app uploads the profile) but is waited for
      // only after the tokens are stored: a quit or crash meanwhile must not lose what X issued.
      void this.releaseProfile()
      if (delivered || prepared.flow === 'pass_through') {
        // Pass-through: the app's callback redeemed X's answer; the panel never does as well.
        this.switchTo('store')
        if (!deps.store.deliver) throw new InfrastructureException('INTERNAL_ERROR', 'This session store cannot record a delivery to the callback.')
        // The consent page's account check is this attempt's only one: the id it saw is recorded as the account's.
        await deps.store.deliver(job, { answer: delivered ?? { status: null, url: null, markerMatched: null }, startedAt, finishedAt: new Date(this.now()), xUserId: signedInUserId })
        return this.finished('completed', null)
      }
      // From here the step writes only inform and are not waited for: a slow or failed one (database down, claim
      // lost) must not hold up the code's exchange or lose what X issues; the tokens' own write decides.
      this.enterQuietly('exchanging')
      if (prepared.flow === 'oauth1') {
        const access = await this.oauth1().accessToken(app, prepared.requestToken, code, { approvedAt })
        const tokens: StoredTokens = { accessToken: access.token, refreshToken: null, oauthTokenSecret: access.secret, expiresAt: null, scopes: null }
        const issuedAt = this.noteIssued(app, tokens, 'oauth1')
        this.enterQuietly('verifying')
        // X names the account in its answer: no /users/me needed.
        if (access.screenName.toLowerCase() !== job.username.toLowerCase()) await this.mismatch(app, tokens, access.screenName)
        this.switchTo('store')
        return await this.store(app, tokens, { xUserId: access.userId, warning: null, issuedAt }, startedAt)
      }
      const tokens = await deps.oauth.exchangeCode(app, code, prepared.codeVerifier, { approvedAt })
      const issuedAt = this.noteIssued(app, tokens, 'oauth2')
      this.enterQuietly('verifying')
      const { xUserId, warning } = await this.verify(app, tokens, timeoutSeconds)
      this.switchTo('store')
      return await this.store(app, tokens, { xUserId, warning, issuedAt }, startedAt)
    } catch (error) {
      // Never dropped: tokens X issued that were neither stored nor revoked yet are revoked now.
      if (this.issued) await this.revokeIssued(this.issued.app, this.issued.tokens)
      const failure = this.failureOf(error)
      const status = statusFor(failure)
      try {
        await deps.store.fail(job, { status, error: failure, screenshotPath: this.screenshotPath, startedAt, finishedAt: new Date(this.now()), callbackAnswer: this.callbackAnswer })
      } catch (writeError) {
        this.log.error('authorization.store_failed', { err: writeError }, 'Could not record the outcome of the authorization')
      }
      return this.finished(status, failure)
    } finally {
      clearTimeout(timer)
      await this.releaseProfile()
    }
  }

  /** Start profile → PKCE or request token persisted → consent in the profile's browser; cancellable and bounded throughout. */
  private async untilCodeCaptured(
    timeoutSeconds: number,
  ): Promise<{ app: ApiAppConfig; code: string; prepared: PreparedConsent; approvedAt: number; delivered: CallbackAnswer | null; signedInUserId: string | null }> {
    const { job, deps, stop } = this
    stop.throwIfAborted()
    const app = await deps.apiApps.get(job.apiApp)
    this.profile = await this.startProfile()
    await this.enter('connecting')
    stop.throwIfAborted()
    // Persisted before the browser goes to X, so a crash never loses which session a callback belongs to.
    const prepared = await prepareConsent(app, { oauth: deps.oauth, oauth1: deps.oauth1, save: (state, secret) => progress(() => deps.store.savePkce(job, state, secret)), signal: stop })
    const xUserId = await this.knownXUserId()
    const remainingMs = Math.max(1_000, this.startedAtMs + timeoutSeconds * 1_000 - this.now())
    const consent = await deps.consent.authorize(
      {
        endpoint: this.profile.endpoint,
        guardConnect: this.profile.guardConnect,
        authorizeUrl: prepared.url,
        redirectUri: app.redirectUri,
        expectedState: prepared.expected,
        flow: prepared.flow === 'oauth1' ? 'oauth1' : 'oauth2',
        passThrough: prepared.flow === 'pass_through' ? { marker: prepared.marker } : undefined,
        // Checked on the consent page before the approve click. Undecided: the panel's own redemption checks the
        // account afterwards (/users/me, the 1.0a answer); a pass-through app has no later check, so it fails safe.
        account: { expected: { username: job.username, xUserId }, ifUndecided: prepared.flow === 'pass_through' ? 'fail' : 'proceed' },
        signal: AbortSignal.any([stop, this.profile.signal]),
        // Our own limit fires first and names the account's full time limit.
        timeoutMs: remainingMs + 1_000,
        screenshotDir: deps.screenshotDir,
        sessionId: job.sessionId,
      },
      {
        onConnected: () =>
          void this.enter('consent').catch((error: unknown) => {
            // Refused under the claim: another host has the account; stop before any approval.
            if (isClaimLost(error)) this.fenced.abort(error)
          }),
      },
    )
    if (!consent.ok) {
      this.screenshotPath = consent.screenshotPath
      this.callbackAnswer = consent.delivered ?? null
      throw consent.error
    }
    const delivered = prepared.flow === 'pass_through' ? (consent.delivered ?? { status: null, url: null, markerMatched: null }) : null
    return { app, code: consent.code, prepared, approvedAt: consent.approvedAt ?? this.now(), delivered, signedInUserId: consent.signedInUserId ?? null }
  }

  /** The account's verified id from an earlier authorization; a failed read leaves the check to the screen name. */
  private async knownXUserId(): Promise<string | null> {
    if (!this.deps.store.knownXUserId) return null
    try {
      return await this.deps.store.knownXUserId(this.job.username)
    } catch (error) {
      this.log.warn('authorization.known_id_unreadable', { err: error }, `Could not read @${this.job.username}’s verified X id; the consent page’s screen name decides`)
      return null
    }
  }

  private oauth1(): NonNullable<ProfileAutomatorDeps['oauth1']> {
    if (!this.deps.oauth1) throw new DomainException('INVALID_API_APP', `API app "${this.job.apiApp}" uses OAuth 1.0a, which this panel was not set up for.`)
    return this.deps.oauth1
  }

  /** X issued 1.0a tokens for another account: invalidate them and say which account the profile holds. */
  private async mismatch(app: ApiAppConfig, tokens: StoredTokens, actual: string): Promise<never> {
    await this.revokeIssued(app, tokens)
    throw new DomainException(
      'ACCOUNT_MISMATCH',
      `The profile is logged into @${actual}, not @${this.job.username}; the tokens X issued were invalidated and not stored.`,
      { details: { expected: this.job.username, actual } },
    )
  }

  /**
   * Starts the profile, cancellable while it starts. Only while it starts: the slots stop a profile the
   * moment its start signal aborts, and a timed-out consent page must still be photographed first.
   */
  private async startProfile(): Promise<StartedProfile> {
    const starting = new AbortController()
    const forward = () => starting.abort(this.stop.reason)
    this.stop.addEventListener('abort', forward, { once: true })
    try {
      return await this.deps.profiles.startProfile(this.job.profileId, { signal: starting.signal })
    } finally {
      this.stop.removeEventListener('abort', forward)
    }
  }

  /**
   * Checks with `/users/me` that the tokens belong to the mapped account. Only a definite answer throws the
   * authorization away (revoked, not stored): another account, or X refusing the new token (401). A failure
   * that outlasts the retries (timeouts, 5xx, 429 past the bounded wait, anything else) keeps the tokens X
   * issued and marks the session X_ACCOUNT_UNVERIFIED, so none is lost and the operator sees it was not checked.
   */
  private async verify(app: ApiAppConfig, tokens: StoredTokens, timeoutSeconds: number): Promise<{ xUserId: string | null; warning: AppException | null }> {
    let me
    try {
      me = await this.deps.oauth.verifyCredentials(tokens.accessToken, {
        attempts: VERIFY_ATTEMPTS,
        waitOnRateLimit: true,
        maxWaitMs: Math.min(60_000, (timeoutSeconds * 1_000) / 2),
        // A cancel, quit or the time limit ends the retries: the tokens are then stored unverified, never lost.
        signal: this.stop,
      })
    } catch (error) {
      if (error instanceof TwitterAPIException && error.statusCode === 401) {
        await this.revokeIssued(app, tokens)
        throw new InfrastructureException('TWITTER_API_ERROR', `X refused the new access token at /users/me (401); the tokens were revoked and not stored.`, { cause: error })
      }
      const reason = this.stop.aborted ? 'the authorization was stopped before X answered' : error instanceof AppException ? error.message : String(error)
      this.log.warn('authorization.unverified', { err: error }, `@${this.job.username}: tokens kept without verification`)
      const warning = new InfrastructureException(
        'X_ACCOUNT_UNVERIFIED',
        `X did not confirm the account after ${VERIFY_ATTEMPTS} tries (${reason.slice(0, 200)}); the tokens are stored unverified — check that the profile is logged into @${this.job.username}, or authorize again.`,
        { cause: error },
      )
      return { xUserId: null, warning }
    }
    if (me.username.toLowerCase() !== this.job.username.toLowerCase()) {
      await this.revokeIssued(app, tokens)
      throw new DomainException(
        'ACCOUNT_MISMATCH',
        `The profile is logged into @${me.username}, not @${this.job.username}; the tokens X issued were revoked and not stored.`,
        { details: { expected: this.job.username, actual: me.username } },
      )
    }
    return { xUserId: me.id, warning: null }
  }

  /**
   * Stores the verified tokens, retrying a failed write with back-off for `storeRetry.windowMs` (a database restart
   * or failover). Tokens that cannot be stored are revoked (a live token nobody knows about helps no one) and the
   * attempt fails saying so. A host that lost its claim keeps them only if they are the account's newest.
   */
  private async store(app: ApiAppConfig, tokens: StoredTokens, verified: Pick<CompletedAttempt, 'xUserId' | 'warning' | 'issuedAt'>, startedAt: Date): Promise<SessionOutcome> {
    const retry = this.deps.storeRetry ?? { windowMs: DEFAULT_TOKEN_STORE_WINDOW_MS }
    let outcome
    try {
      outcome = await pRetry(() => this.deps.store.complete(this.job, { tokens, ...verified, startedAt, finishedAt: new Date(this.now()) }), {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: retry.minTimeoutMs ?? 250,
        maxTimeout: 5_000,
        maxRetryTime: retry.windowMs,
        onFailedAttempt: ({ error, attemptNumber }) =>
          this.log.warn('authorization.store_retry', { attempt: attemptNumber, err: error }, 'Could not store the tokens yet; trying again'),
      })
    } catch (error) {
      this.log.error('authorization.store_failed', { err: error }, 'The tokens X issued could not be stored; revoking them')
      await this.revokeIssued(app, tokens)
      throw new InfrastructureException(
        'INTERNAL_ERROR',
        `X issued tokens for @${this.job.username}, but they could not be stored (${describe(error)}), so they were revoked. Authorize the account again.`,
        { cause: error },
      )
    }
    if (outcome && outcome.stored === 'superseded') {
      this.log.warn('authorization.superseded', { by: outcome.by }, `@${this.job.username}: this host lost its claim and a newer token set is stored (session ${outcome.by}); the tokens it got were revoked`)
      await this.revokeIssued(app, tokens)
      return this.finished('cancelled', new DomainException('INTERRUPTED', 'This host lost its claim on the attempt, and a newer token set of the account is stored; the tokens it got were revoked.'))
    }
    this.issued = null
    this.crossOut()
    if (outcome && outcome.stored === 'orphan') {
      this.log.warn('authorization.kept_after_claim_lost', { keptIn: outcome.sessionId }, `@${this.job.username}: this host lost its claim; the tokens it got are the account's newest and were kept (session ${outcome.sessionId})`)
    }
    return this.finished('completed', null)
  }

  /**
   * X answered the exchange: the set goes to the journal (synchronously, flushed) before anything else is done with it.
   * A journal that cannot be written is logged (never the tokens) and the attempt goes on: the store or revoke still follows.
   */
  private noteIssued(app: ApiAppConfig, tokens: StoredTokens, flow: IssuedFlow): Date {
    this.issued = { app, tokens }
    const issuedAt = new Date(this.now())
    if (this.deps.issuedJournal) {
      try {
        this.journalEntry = this.deps.issuedJournal.record({ sessionId: this.job.sessionId, apiApp: app.name, flow, tokens, issuedAt })
      } catch (error) {
        this.log.error('authorization.issued_journal_failed', { err: error }, 'Could not write the issued token set to the journal; a crash before it is stored would leave it live at X')
      }
    }
    return issuedAt
  }

  /** The issued set is stored or revoked: off the journal. */
  private crossOut(): void {
    if (this.journalEntry === null) return
    this.deps.issuedJournal?.cross(this.journalEntry)
    this.journalEntry = null
  }

  /**
   * Revokes tokens X issued that will not be stored; they are then off the "issued" books. A revoke that failed
   * leaves the journal entry, so the next start-up tries again.
   */
  private async revokeIssued(app: ApiAppConfig, tokens: StoredTokens): Promise<void> {
    this.issued = null
    if (await this.revoke(app, tokens)) this.crossOut()
  }

  /** Answers whether every token of the set was revoked. */
  private async revoke(app: ApiAppConfig, tokens: StoredTokens): Promise<boolean> {
    if (tokens.oauthTokenSecret) {
      // OAuth 1.0a: one call invalidates the pair.
      try {
        await this.oauth1().invalidate(app, { token: tokens.accessToken, secret: tokens.oauthTokenSecret })
        return true
      } catch (error) {
        this.log.error('authorization.invalidate_failed', { err: error }, 'Could not invalidate the OAuth 1.0a token of an unusable authorization')
        return false
      }
    }
    const revocations: Array<[string, 'access_token' | 'refresh_token']> = [[tokens.accessToken, 'access_token']]
    if (tokens.refreshToken) revocations.push([tokens.refreshToken, 'refresh_token'])
    let all = true
    for (const [token, hint] of revocations) {
      try {
        await this.deps.oauth.revoke(app, token, hint)
      } catch (error) {
        all = false
        this.log.error('authorization.revoke_failed', { hint, err: error }, `Could not revoke the ${hint.replace('_', ' ')} of an unusable authorization`)
      }
    }
    return all
  }

  private async enter(step: SessionStep): Promise<void> {
    this.step = step
    this.switchTo(step)
    await progress(() => this.deps.store.setStep(this.job, step))
  }

  /** A step written after the code was captured, not waited for: its failure is logged, never the attempt's. */
  private enterQuietly(step: SessionStep): void {
    this.enter(step).catch((error: unknown) => this.log.warn('authorization.step_write_failed', { step, err: error }, `Could not record the step "${step}"; the attempt goes on`))
  }

  /** Closes the timing of the current part and starts the next one. */
  private switchTo(part: TimedPart): void {
    const at = this.now()
    this.timings[this.part] = (this.timings[this.part] ?? 0) + (at - this.stepStartedAt)
    this.part = part
    this.stepStartedAt = at
  }

  /** Stops the profile (once); the first call starts it, later calls wait for it. */
  private releaseProfile(): Promise<void> {
    if (!this.profile) return Promise.resolve()
    if (!this.released) {
      const began = this.now()
      this.released = this.profile.release().then(() => {
        this.timings.stop = this.now() - began
      })
    }
    return this.released
  }

  private failureOf(error: unknown): AppException {
    // Whatever broke while we were stopping it, the stop's own reason is what the operator needs
    // (or the consent's own account of that same reason, which says what X was doing at the time).
    const reason: unknown = this.stop.reason
    if (!this.captured && this.stop.aborted && reason instanceof AppException) return error instanceof AppException && error.code === reason.code ? error : reason
    if (!this.captured && this.profile?.signal.aborted && this.profile.signal.reason instanceof AppException) return this.profile.signal.reason
    if (error instanceof AppException) return error
    this.log.error('authorization.unexpected_error', { err: error })
    return new InfrastructureException('INTERNAL_ERROR', undefined, { cause: error })
  }

  private finished(status: TerminalStatus, failure: AppException | null): SessionOutcome {
    this.switchTo(this.part)
    const durationMs = this.now() - this.startedAtMs
    const fields = { status, errorCode: failure?.code, step: failure ? this.step : undefined, totalMs: durationMs, stepsMs: this.timings, attempt: this.job.attempt }
    const account = `@${this.job.username}`
    if (failure) this.log.warn('authorization.finished', fields, `${account}: ${status} (${failure.code}) — ${failure.message}`)
    else this.log.info('authorization.finished', fields, `${account}: authorized for ${this.job.apiApp}`)
    return { status, errorCode: failure?.code ?? null, durationMs }
  }
}

/** Steps of the session, plus the final write and the profile stop (which overlaps exchange and verify). */
type TimedPart = SessionStep | 'store' | 'stop'

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.length > 160 ? `${message.slice(0, 157)}...` : message
}

/**
 * A write of the attempt's progress (before any approval). One the database failed (a dropped connection, a
 * timeout) ends the attempt as INTERNAL_ERROR with DATABASE_WRITE_FAILED: on a shared database the session store
 * puts such a session back in the queue instead of ending it. A refusal with a code (the claim lost) stays as it is.
 */
async function progress(write: () => Promise<void>): Promise<void> {
  try {
    await write()
  } catch (error) {
    if (error instanceof AppException) throw error
    throw new InfrastructureException('INTERNAL_ERROR', `Could not record the attempt's progress (${describe(error)}); nothing was approved.`, {
      cause: error,
      details: { reason: DATABASE_WRITE_FAILED },
    })
  }
}

function statusFor(error: AppException): TerminalStatus {
  if (error.code === 'AUTH_TIMEOUT') return 'timeout'
  if (error.code === 'CANCELLED' || error.code === 'INTERRUPTED') return 'cancelled'
  return 'failed'
}
