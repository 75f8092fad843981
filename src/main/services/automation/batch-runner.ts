/**
 * "Authorize selected" and its retries: batches of attempts run through one shared p-queue whose
 * concurrency is the profile slot limit, so several batches share the slots fairly (round-robin) and
 * no account runs twice at once. Pause holds a batch's queued attempts, cancel stops its running ones
 * cleanly and marks the queued ones `cancelled`, and live progress (with an ETA) goes to the UI.
 */
import { randomUUID } from 'node:crypto'
import PQueue from 'p-queue'
import type { BatchProgress, BatchStartResult } from '../../../shared/contract/batches'
import type { SessionStatus } from '../../../shared/contract/sessions'
import { AppException, DomainException, ProfileNotFoundException, type FailureGroup } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { SlotFigures } from '../gologin/profile-slots'
import { Batch, type BatchCounts } from './batch'
import type { BatchPlanner, Candidate, Plan, Skip } from './batch-planner'
import type { SessionOutcome } from './profile-automator'
import type { ClaimStore, HeldClaim, SharedBatch } from './claims'
import { LeaseKeeper, LeaseLostException } from './lease-keeper'
import type { HostHealthState } from '../hosts/host-health'
import type { DrainState } from '../hosts/drain-state'
import type { SessionJob, SessionStore } from './session-store'

export interface BatchRunnerDeps {
  planner: Pick<BatchPlanner, 'forProfiles' | 'forRetry' | 'findProfile' | 'validTokenSession'>
  store: Pick<SessionStore, 'createPending' | 'cancelQueued'>
  automator: { run(job: SessionJob, signal: AbortSignal): Promise<SessionOutcome> }
  /** Refuses an API app (or the whole panel state) no account can be authorized with right now; `AuthorizationPreflight` fits. */
  preflight: { check(apiApp: string): Promise<{ name: string }> }
  /** `holds`: the profile is still starting, running or not confirmed stopped (it cannot start again yet). */
  slots: { figures(): SlotFigures; holds?(profileId: string): boolean; list?(): Array<{ profileId: string }> }
  events: Pick<EventHub, 'emit'>
  logger: Logger
  /** Profiles running at once (the `maxConcurrentProfiles` setting); follow changes with `setConcurrency`. */
  concurrency: number
  now?: () => number
  /**
   * PostgreSQL: every host claims sessions from the database (claims.ts) instead of running an in-process
   * queue; `pollMs` is how often it renews its leases, puts expired ones back, follows pause/cancel and
   * batch progress, and looks for work (default min(1 s, lease/4)). `handOver`: the store skips the
   * terminal write of an attempt being handed over to another host (this host is stopping). Absent: SQLite.
   */
  claims?: {
    store: ClaimStore
    pollMs?: number
    handingOver: Set<string>
    /** Attempts whose end this host's SessionStore is writing (its `owner.ending`): no renewal, no lost claim. */
    ending?: Set<string>
    launcher?: () => string
    /**
     * Resolves once this host's start-up recovery is done, with the profiles it could not confirm stopped (never
     * claimed until a later stop confirms them): no work is claimed before (issue 19, row 3). Absent: at once.
     */
    ready?: Promise<readonly string[]>
    /** Whether this host can work now; one that cannot claims nothing and says why in its heartbeat. */
    health?: () => HostHealthState
    /** Declares hosts silent too long dead and frees their profiles (each tick starts a look; it is not awaited). */
    deadHosts?: { sweep(): Promise<void> }
    /** A host silent this long is offline: accounts waiting for it are named on the batch bar (default 10 s). */
    offlineMs?: number
    /** Takes and applies what other panels asked of this host (drain, resume), before each heartbeat. */
    drainRequests?: { poll(): Promise<void> }
  } | null
  /**
   * This host's drain state: while it drains, nothing more is claimed (PostgreSQL: pending sessions stay for the other
   * hosts) or started (SQLite: queued attempts wait); running attempts finish as usual. Absent: never draining.
   */
  drain?: Pick<DrainState, 'isDraining' | 'onChange'>
  /** More of this host's heartbeat summary for the Hosts page (its log's warnings and errors). */
  hostSummary?: () => Record<string, unknown>
  /**
   * SQLite: each batch's sessions counted in the database (`readBatchCounts`), the figures its progress shows.
   * PostgreSQL counts with the claims. Absent (tests of the scheduling alone): the runner's own tallies.
   */
  counts?: (batchIds: readonly string[]) => Promise<Map<string, BatchCounts>>
  /** How often a live batch's figures are counted again and its ETA recomputed, ms (default 1 s). */
  progressEveryMs?: number
}

export interface RetryInput {
  batchId?: string
  sessionIds?: readonly string[]
  /** Also re-authorize accounts that hold a valid token issued after their failed attempt (default false). */
  reauthorize?: boolean
  /** Retry only the accounts of these failure groups (default both). */
  groups?: readonly FailureGroup[]
  /** Of a batch, only the sessions in these statuses (default failed, timeout and cancelled). */
  statuses?: readonly SessionStatus[]
}

export interface AuthorizeAccountInput {
  /** GoLogin profile id or X username (`@` optional, any case); or give one of the two below. */
  accountId?: string
  username?: string
  profileId?: string
  apiApp: string
  /** false (default): an account with a valid, unexpired token answers its completed session. */
  forceReauth?: boolean
}

export interface AuthorizeAccountResult {
  sessionId: string
  status: SessionStatus
  profileId: string
  /** The answer is an existing completed session (valid token, `forceReauth: false`). */
  existing: boolean
}

interface ActiveAccount {
  sessionId: string
  batchId: string
}

/** Finished batches kept for `batch:active` and late pause/cancel calls. */
const KEEP_FINISHED = 20

/** Progress pushes of one moment are gathered this long (ms) and counted in one query. */
const PROGRESS_WINDOW_MS = 20

export class BatchRunner {
  private readonly queue: PQueue
  private readonly batches = new Map<string, Batch>()
  private readonly byProfile = new Map<string, ActiveAccount>()
  private readonly byUsername = new Map<string, ActiveAccount>()
  private readonly liveSessions = new Set<string>()
  private readonly log: Logger
  private readonly now: () => number
  private lastServed: string | null = null
  /** Aborted when `close()` begins: planning and queueing stop, and no batch starts after it. */
  private readonly closing = new AbortController()
  /** PostgreSQL: sessions are claimed from the database (null: the in-process queue). */
  private readonly shared: ClaimStore | null
  /** PostgreSQL: renews this host's claims, or stops their attempts before the leases run out. */
  private readonly leases: LeaseKeeper | null
  private readonly startedAtIso = new Date().toISOString()
  /** The claim loop under way, if any (a drain waits for it before saying so in the heartbeat). */
  private claimLoop: Promise<void> | null = null
  private readonly stopFollowingDrain: () => void
  /** `halt()` was called: this host writes nothing more. */
  private halted = false
  /** PostgreSQL: start-up recovery is done (claims open); profiles it left unconfirmed are never claimed here. */
  private recovered = false
  private unconfirmed: ReadonlySet<string> = new Set()
  private claimAgain = false
  private ticking: Promise<void> | null = null
  private timer: NodeJS.Timeout | null = null
  /** Bumped when a batch state write lands: a tick that read the states before it does not apply them. */
  private stateEpoch = 0
  private readonly writes = new Set<Promise<unknown>>()
  /** Hand-backs under way (close waits for them). */
  private readonly handingBack = new Set<Promise<unknown>>()
  /** Batches whose progress is to be counted and pushed (gathered for PROGRESS_WINDOW_MS). */
  private readonly dirty = new Set<string>()
  private progressTimer: NodeJS.Timeout | null = null
  private counting: Promise<void> | null = null
  /** SQLite: counts live batches again each `progressEveryMs` (their ETA counts down meanwhile). */
  private readonly progressTicker: NodeJS.Timeout | null = null
  /** Closed: progress is pushed from the runner's own tallies, without a query. */
  private progressClosed = false
  /** Ends being counted and announced (close waits for them). */
  private readonly announcing = new Set<Promise<void>>()

  constructor(private readonly deps: BatchRunnerDeps) {
    this.log = deps.logger
    this.now = deps.now ?? Date.now
    this.queue = new PQueue({ concurrency: deps.concurrency })
    // A finished attempt frees a place: hand it to the next batch in turn.
    this.queue.on('next', () => this.pump())
    this.shared = deps.claims?.store ?? null
    this.leases = this.shared
      ? new LeaseKeeper({ store: this.shared, log: this.log, pollMs: deps.claims?.pollMs, onLost: (sessionId) => deps.claims?.handingOver.add(sessionId), ending: deps.claims?.ending })
      : null
    this.leases?.start()
    // A resumed host claims (or starts) at once; a drain needs nothing here: the loops ask before each claim.
    this.stopFollowingDrain = deps.drain?.onChange((status) => !status.draining && this.pump()) ?? (() => undefined)
    if (this.shared) {
      const ready = deps.claims?.ready ?? Promise.resolve([])
      void ready.then(
        (unconfirmed) => {
          this.unconfirmed = new Set(unconfirmed)
          this.recovered = true
          this.pump()
        },
        (error: unknown) => this.log.error('batch.recovery_failed', { err: error }, 'Start-up recovery failed; this host claims no work'),
      )
      const pollMs = deps.claims?.pollMs ?? Math.min(1_000, Math.max(50, Math.floor(this.shared.leaseMs / 4)))
      this.timer = setInterval(() => void this.tick(), pollMs)
      this.timer.unref()
      void this.tick()
    } else {
      this.progressTicker = setInterval(() => this.slotsChanged(), deps.progressEveryMs ?? 1_000)
      this.progressTicker.unref()
    }
  }

  /**
   * PostgreSQL, for the lease tests: this host stops as a dead one would, at once and without a word to the
   * database: no renewal, no claim, no end written for its attempts (they are stopped, their profiles by the
   * slots). Its sessions come back to the queue when their leases expire. Not for production paths.
   */
  halt(): void {
    this.halted = true
    this.progressClosed = true
    this.closing.abort(new DomainException('INTERRUPTED', 'This host stopped.'))
    if (this.timer) clearInterval(this.timer)
    this.leases?.stop()
    for (const batch of this.batches.values()) {
      for (const [sessionId, { controller }] of batch.running) {
        this.deps.claims?.handingOver.add(sessionId)
        controller.abort(new DomainException('INTERRUPTED', 'This host stopped.'))
      }
    }
  }

  /** PostgreSQL: every host of the database (heartbeat, slots, running attempts); SQLite: none. */
  async hosts(): Promise<Awaited<ReturnType<ClaimStore['hosts']>>> {
    return this.shared ? this.shared.hosts() : []
  }

  async start(input: { profileIds: readonly string[]; apiApp: string }): Promise<BatchStartResult> {
    this.assertOpen()
    const app = await this.deps.preflight.check(input.apiApp)
    const plan = await this.deps.planner.forProfiles(input.profileIds, app.name, this.closing.signal)
    const { batch, skipped } = await this.launch(plan, { apiApp: app.name, retryOf: null })
    return { batchId: batch.id, queued: batch.sessions, skipped }
  }

  /** The API app problem (or none) of a batch about to start: the Authorize dialog shows it before the click. */
  async check(apiApp: string): Promise<void> {
    await this.deps.preflight.check(apiApp)
  }

  /** What a retry would queue and skip (and why), without starting anything: the Retry dialog's summary. */
  async retryPlan(input: RetryInput): Promise<BatchStartResult> {
    const plan = await this.planRetry(input)
    return { batchId: '', queued: plan.candidates.length, skipped: plan.skipped, ...(plan.triage ? { triage: plan.triage } : {}) }
  }

  async retry(input: RetryInput): Promise<BatchStartResult> {
    this.assertOpen()
    const plan = await this.planRetry(input)
    const apps = [...new Set(plan.candidates.map((c) => c.apiApp))]
    const { batch, skipped } = await this.launch(plan, { apiApp: apps.join(', ') || '—', retryOf: input.batchId ?? null })
    return { batchId: batch.id, queued: batch.sessions, skipped, ...(plan.triage ? { triage: plan.triage } : {}) }
  }

  /**
   * The retry's candidates, each of whose API apps passed the preflight; the accounts of an app that did not
   * are skipped with its reason, and if that leaves nothing to do the retry is refused with it.
   */
  private async planRetry(input: RetryInput): Promise<Plan> {
    const plan = await this.deps.planner.forRetry(input, { reauthorize: input.reauthorize, groups: input.groups, signal: this.closing.signal })
    const refused = new Map<string, AppException>()
    for (const apiApp of new Set(plan.candidates.map((c) => c.apiApp))) {
      try {
        await this.deps.preflight.check(apiApp)
      } catch (error) {
        if (!(error instanceof AppException)) throw error
        refused.set(apiApp, error)
      }
    }
    if (!refused.size) return plan
    const candidates = plan.candidates.filter((c) => !refused.has(c.apiApp))
    if (!candidates.length) throw refused.values().next().value!
    const skipped = plan.candidates.filter((c) => refused.has(c.apiApp)).map((c) => ({ profileId: c.profileId, reason: refused.get(c.apiApp)!.message }))
    return { candidates, skipped: [...plan.skipped, ...skipped], triage: plan.triage }
  }

  /** One account (REST API): answers at once with the session id; `CONFLICT` if the account is in progress. */
  async authorizeAccount(input: AuthorizeAccountInput): Promise<AuthorizeAccountResult> {
    this.assertOpen()
    const app = await this.deps.preflight.check(input.apiApp)
    const account = (input.profileId ?? input.username ?? input.accountId ?? '').trim()
    const profile = account ? await this.deps.planner.findProfile(account) : null
    if (!profile || (input.profileId && profile.profileId !== input.profileId)) throw new ProfileNotFoundException(account)
    if (!profile.username) throw new DomainException('PROFILE_NOT_FOUND', `Profile ${profile.profileId} has no X username mapped.`, { details: { profileId: profile.profileId } })
    if (!input.forceReauth) {
      // Answered even while that attempt is still stopping its profile: its tokens are stored first.
      const existing = await this.deps.planner.validTokenSession(profile.username, app.name, new Date(this.now()))
      if (existing) return { sessionId: existing, status: 'completed', profileId: profile.profileId, existing: true }
    }
    const busy = this.busyWith({ profileId: profile.profileId, username: profile.username })
    if (busy) throw conflict(profile.username, busy)
    const candidate: Candidate = { profileId: profile.profileId, profileName: profile.profileName, username: profile.username, apiApp: app.name, attempt: 1, retryOf: null }
    const { jobs } = await this.launch({ candidates: [candidate], skipped: [] }, { apiApp: app.name, retryOf: null, requireAll: true })
    return { sessionId: jobs[0].sessionId, status: 'pending', profileId: profile.profileId, existing: false }
  }

  pause(batchId: string): BatchProgress {
    const batch = this.batch(batchId)
    if (batch.state === 'running') {
      batch.state = 'paused'
      if (this.shared) this.writeState(batch.id, 'paused', ['running'])
      this.log.info('batch.paused', { batchId }, 'Batch paused: running accounts finish, queued ones wait')
      this.emitProgress(batch)
    }
    return this.progressOf(batch)
  }

  resume(batchId: string): BatchProgress {
    const batch = this.batch(batchId)
    if (batch.state === 'paused') {
      batch.state = 'running'
      if (this.shared) this.writeState(batch.id, 'running', ['paused'])
      this.log.info('batch.resumed', { batchId }, 'Batch resumed')
      this.emitProgress(batch)
      this.pump()
    }
    return this.progressOf(batch)
  }

  async cancel(batchId: string): Promise<BatchProgress> {
    const batch = this.batch(batchId)
    if (this.shared) await this.cancelShared(batch, new DomainException('CANCELLED', 'The batch was cancelled.'))
    else await this.stopBatch(batch, new DomainException('CANCELLED', 'The batch was cancelled.'))
    await this.count([batch])
    return this.progressOf(batch)
  }

  /** Running and paused batches, and the most recently finished one. */
  active(): BatchProgress[] {
    const all = [...this.batches.values()]
    const live = all.filter((b) => b.live)
    const lastFinished = all.filter((b) => !b.live).sort((a, b) => (a.finishedAt! < b.finishedAt! ? 1 : -1))[0]
    return [...live, ...(lastFinished ? [lastFinished] : [])].map((b) => this.progressOf(b))
  }

  /** Whether the session is queued or running here (the cleanup never times such a session out). */
  isLive(session: { sessionId: string }): boolean {
    return this.liveSessions.has(session.sessionId)
  }

  /** Whether the profile or X username has an attempt queued or running. */
  isBusy(account: { profileId?: string; username?: string }): boolean {
    return this.busyWith(account) !== null
  }

  setConcurrency(concurrency: number): void {
    this.queue.concurrency = concurrency
    this.pump()
  }

  /**
   * Shutdown: refuses new batches, cancels live ones (profiles stopped, sessions `cancelled`), waits at most `timeoutMs`.
   * PostgreSQL: the batches go on on the other hosts; this host's attempts stop and go back to the queue.
   */
  async close(timeoutMs = 20_000): Promise<void> {
    this.stopFollowingDrain()
    if (this.shared) return this.closeShared(timeoutMs)
    this.closing.abort(new DomainException('INTERRUPTED', 'The panel is shutting down; no new authorization can start.'))
    const reason = new DomainException('CANCELLED', 'The panel stopped before this authorization finished.')
    const live = [...this.batches.values()].filter((b) => b.live)
    let timer: NodeJS.Timeout | undefined
    const bounded = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const stopped = Promise.all(live.map((b) => this.stopBatch(b, reason))).then(() => this.queue.onIdle())
    const outcome = await Promise.race([stopped, bounded])
    clearTimeout(timer)
    if (outcome === 'timeout') this.log.error('batch.close_timeout', { timeoutMs }, 'Some authorizations did not stop in time; their profiles are stopped by the slots')
    this.queue.clear()
    await this.closeProgress()
  }

  private async launch(plan: Plan, meta: { apiApp: string; retryOf: string | null; requireAll?: boolean }): Promise<{ batch: Batch; jobs: SessionJob[]; skipped: Skip[] }> {
    this.assertOpen()
    const batchId = randomUUID()
    const createdAt = new Date(this.now()).toISOString()
    const skipped = [...plan.skipped]
    const jobs: SessionJob[] = []
    // PostgreSQL: an account with a session not ended yet on any host is busy too.
    const elsewhere = this.shared ? await this.shared.busyAccounts(plan.candidates.map((c) => c.profileId), plan.candidates.map((c) => c.username)) : []
    // Checked and claimed without awaiting in between, so two requests can never take the same account.
    for (const candidate of plan.candidates) {
      const remote = elsewhere.find((e) => e.profileId === candidate.profileId || e.username?.toLowerCase() === candidate.username.toLowerCase())
      const busy = this.busyWith(candidate) ?? (remote ? { sessionId: remote.sessionId, batchId: remote.batchId ?? '' } : null)
      if (busy && meta.requireAll) throw conflict(candidate.username, busy)
      if (busy) {
        const reason = busy.batchId === batchId ? 'listed twice (same X username as another selected profile)' : `already in progress (session ${busy.sessionId})`
        skipped.push({ profileId: candidate.profileId, reason })
        continue
      }
      if (this.deps.slots.holds?.(candidate.profileId)) {
        if (meta.requireAll) throw new DomainException('PROFILE_STOP_PENDING', `Profile ${candidate.profileId} is not confirmed stopped yet; it can start again once GoLogin confirms the stop.`)
        skipped.push({ profileId: candidate.profileId, reason: 'its browser is not confirmed stopped yet' })
        continue
      }
      const job: SessionJob = { ...candidate, sessionId: randomUUID(), batchId, createdAt }
      this.claim(job)
      jobs.push(job)
    }
    let queued: SessionJob[]
    try {
      // PostgreSQL: the batch row is written with its sessions, in one transaction; from then on any host may claim them.
      const row = this.shared ? { id: batchId, apiApp: meta.apiApp, retryOf: meta.retryOf, skipped: skipped.length, createdAt, createdBy: this.shared.hostId } : undefined
      queued = await this.deps.store.createPending(jobs, this.closing.signal, row)
      // close() may have begun while the rows were written: such a batch never starts.
      this.assertOpen()
    } catch (error) {
      for (const job of jobs) this.unclaim(job)
      if (this.closing.signal.aborted) await this.deps.store.cancelQueued(jobs, this.closing.signal.reason as AppException).catch(() => undefined)
      throw error
    }
    // Refused by the database: another panel or host queued the same account and app at the same moment.
    const refused = jobs.filter((job) => !queued.includes(job))
    for (const job of refused) {
      this.unclaim(job)
      if (meta.requireAll) throw new DomainException('CONFLICT', `@${job.username} is already being authorized for ${job.apiApp}.`, { details: { profileId: job.profileId } })
      skipped.push({ profileId: job.profileId, reason: 'already in progress (queued elsewhere at the same moment)' })
    }
    const batch = new Batch(batchId, meta.apiApp, meta.retryOf, createdAt, this.shared ? [] : queued, skipped.length, queued.length)
    // Just written: every session is queued (without a count in the database, the runner's own tallies stand in).
    if (this.shared || this.deps.counts) batch.counts = { sessions: queued.length, queued: queued.length, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
    if (this.shared) {
      batch.createdBy = this.shared.hostId
      for (const job of queued) this.unclaim(job)
    }
    this.batches.set(batchId, batch)
    this.log.info('batch.started', { batchId, apiApp: meta.apiApp, queued: queued.length, skipped: skipped.length, retryOf: meta.retryOf }, `Batch started: ${queued.length} account(s) queued for ${meta.apiApp}, ${skipped.length} skipped`)
    this.emitProgress(batch)
    this.pump()
    if (!this.shared) this.maybeFinish(batch)
    return { batch, jobs: queued, skipped }
  }

  /** Fills the free places of the queue, one attempt per batch in turn. */
  private pump(): void {
    if (this.shared) return void this.claimWork()
    if (this.deps.drain?.isDraining()) return
    while (this.queue.size + this.queue.pending < this.queue.concurrency) {
      const next = this.nextJob()
      if (!next) return
      const [batch, job] = next
      const controller = new AbortController()
      batch.running.set(job.sessionId, { job, controller, startedMs: this.now() })
      void this.queue.add(() => this.runJob(batch, job, controller.signal)).catch((error: unknown) =>
        this.log.error('batch.job_crashed', { batchId: batch.id, sessionId: job.sessionId, err: error }),
      )
    }
  }

  /** The next attempt of the first runnable batch after the one served last (batches take turns). */
  private nextJob(): [Batch, SessionJob] | null {
    const all = [...this.batches.values()]
    const last = all.findIndex((b) => b.id === this.lastServed)
    for (let step = 1; step <= all.length; step++) {
      const batch = all[(last + step) % all.length]
      const job = batch.takeNext()
      if (job) {
        this.lastServed = batch.id
        return [batch, job]
      }
    }
    return null
  }

  private async runJob(batch: Batch, job: SessionJob, signal: AbortSignal): Promise<void> {
    this.emitProgress(batch)
    let outcome: SessionOutcome
    try {
      outcome = await this.deps.automator.run(job, signal)
    } catch (error) {
      this.log.error('batch.attempt_crashed', { batchId: batch.id, sessionId: job.sessionId, err: error })
      outcome = { status: 'failed', errorCode: 'INTERNAL_ERROR', durationMs: 0 }
    }
    batch.running.delete(job.sessionId)
    this.unclaim(job)
    if (this.shared) await this.afterClaimedAttempt(job, signal, outcome)
    // The figures are counted again in the database (adding the outcome to them here would count it twice).
    batch.record(outcome)
    this.emitProgress(batch)
    if (!this.shared) this.maybeFinish(batch)
  }

  private async stopBatch(batch: Batch, reason: AppException): Promise<void> {
    if (!batch.live) return
    batch.state = 'cancelling'
    for (const { controller } of batch.running.values()) controller.abort(reason)
    const queued = batch.takeAllQueued()
    batch.cancelled += queued.length
    for (const job of queued) this.unclaim(job)
    this.log.info('batch.cancelling', { batchId: batch.id, queued: queued.length, running: batch.running.size }, `Cancelling batch: ${queued.length} queued account(s) cancelled, ${batch.running.size} running stopping`)
    this.emitProgress(batch)
    batch.settling++
    try {
      await this.deps.store.cancelQueued(queued, reason)
    } catch (error) {
      this.log.error('batch.cancel_write_failed', { batchId: batch.id, err: error })
    } finally {
      batch.settling--
    }
    this.maybeFinish(batch)
  }

  private maybeFinish(batch: Batch): void {
    if (!batch.live || !batch.drained) return
    batch.state = batch.state === 'cancelling' ? 'cancelled' : 'finished'
    batch.finishedAt = new Date(this.now()).toISOString()
    this.announce(batch)
  }

  private announce(batch: Batch): void {
    const done = this.announceFinished(batch).finally(() => this.announcing.delete(done))
    this.announcing.add(done)
  }

  /** The final figures (counted in the database) and the notice, pushed together. */
  private async announceFinished(batch: Batch): Promise<void> {
    await this.count([batch])
    batch.announced = true
    const { succeeded, failed, cancelled } = batch.counts ?? batch
    const skipped = batch.skipped
    const summary = `${succeeded} authorized, ${failed} failed, ${cancelled} cancelled, ${skipped} skipped`
    this.log.info('batch.finished', { batchId: batch.id, state: batch.state, succeeded, failed, cancelled, skipped }, `Batch ${batch.state}: ${summary}`)
    this.emitProgress(batch)
    // PostgreSQL: the host that started the batch tells its operator (every panel shows the progress).
    const mine = !this.shared || batch.createdBy === this.shared.hostId
    if (mine && (batch.counts?.sessions ?? batch.sessions) > 0) {
      this.deps.events.emit('notice', {
        id: `batch-${batch.id}`,
        level: failed + cancelled > 0 ? 'warn' : 'info',
        title: batch.state === 'cancelled' ? `Authorization batch cancelled (${batch.apiApp})` : `Authorization batch finished (${batch.apiApp})`,
        body: summary,
        alert: { kind: 'batch_finished', key: `batch:${batch.id}` },
      })
    }
    this.forgetOldBatches()
  }

  private forgetOldBatches(): void {
    const finished = [...this.batches.values()].filter((b) => !b.live)
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.batches.delete(old.id)
  }

  // ---- PostgreSQL: claims (claims.ts) ----

  /** Authorizations this host runs now (a draining worker stops once there are none). */
  runningHere(): number {
    let running = 0
    for (const batch of this.batches.values()) running += batch.running.size
    return running
  }

  /** Claims sessions while this host has free places (its slots); a call made meanwhile runs the loop again. */
  private claimWork(): Promise<void> {
    if (this.claimLoop) {
      this.claimAgain = true
      return this.claimLoop
    }
    this.claimLoop = this.runClaims().finally(() => (this.claimLoop = null))
    return this.claimLoop
  }

  private async runClaims(): Promise<void> {
    const shared = this.shared!
    try {
      do {
        this.claimAgain = false
        while (!this.closing.signal.aborted && this.canClaim() && this.freePlaces() > 0) {
          const held = [...(this.deps.slots.list?.().map((entry) => entry.profileId) ?? []), ...this.unconfirmed]
          const claimedAt = this.now()
          const job = await shared.claimNext(held)
          if (!job) break
          const batch = this.batches.get(job.batchId) ?? this.adopt(job.batchId, { ...job.batch, state: 'running' })
          // Claimed (written): counted as running from now on, as the database counts it.
          if (batch.counts) {
            batch.counts.queued = Math.max(0, batch.counts.queued - 1)
            batch.counts.running++
          }
          const controller = new AbortController()
          batch.running.set(job.sessionId, { job, controller, startedMs: claimedAt })
          this.leases!.track({ sessionId: job.sessionId, claim: job.claim! }, controller, claimedAt)
          this.claim(job)
          this.log.debug('batch.claimed', { batchId: job.batchId, sessionId: job.sessionId, profileId: job.profileId })
          void this.queue.add(() => this.runJob(batch, job, controller.signal)).catch((error: unknown) =>
            this.log.error('batch.job_crashed', { batchId: batch.id, sessionId: job.sessionId, err: error }),
          )
        }
      } while (this.claimAgain && !this.closing.signal.aborted)
    } catch (error) {
      this.log.warn('batch.claim_failed', { err: error }, 'Could not claim the next session; trying again shortly')
    }
  }

  /** Recovered from its last run, not draining, and healthy (GoLogin reachable, its token usable, a slot not held by a failed stop). */
  private canClaim(): boolean {
    return this.recovered && !this.deps.drain?.isDraining() && (this.deps.claims?.health?.().ok ?? true)
  }

  /**
   * Places this host can fill now: its slots less its running attempts and the slots still held by profiles whose
   * stop is not confirmed (a host whose slots are all held that way claims nothing).
   */
  private freePlaces(): number {
    const running = new Set<string>()
    for (const batch of this.batches.values()) for (const { job } of batch.running.values()) running.add(job.profileId)
    const stuck = (this.deps.slots.list?.() ?? []).filter((entry) => !running.has(entry.profileId)).length
    return this.queue.concurrency - (this.queue.size + this.queue.pending) - stuck
  }

  /**
   * A claimed attempt ended. One stopped without an end of its own (this host is stopping, or could not keep its
   * claim) goes back to the queue under its claim number; if that write fails the lease runs out instead.
   */
  private async afterClaimedAttempt(job: SessionJob, signal: AbortSignal, outcome: SessionOutcome): Promise<void> {
    const held: HeldClaim = { sessionId: job.sessionId, claim: job.claim! }
    this.leases!.untrack(job.sessionId)
    const handedOver = this.deps.claims!.handingOver.has(job.sessionId)
    this.deps.claims!.handingOver.delete(job.sessionId)
    if (!handedOver || outcome.status === 'completed' || this.halted) return
    const why = signal.reason instanceof LeaseLostException ? signal.reason.message : `Host ${this.shared!.hostId} stopped; the attempt went back to the queue.`
    const back = this.shared!.handBack(held, why)
      .then((done) => done && this.log.info('batch.handed_back', { sessionId: job.sessionId }, 'The attempt went back to the queue for another host'))
      .catch((error: unknown) => this.log.warn('batch.hand_back_failed', { sessionId: job.sessionId, err: error }, 'Could not put the attempt back in the queue; its lease runs out instead'))
      .finally(() => this.handingBack.delete(back))
    this.handingBack.add(back)
    await back
  }

  /** A batch another host started (or this one before a restart), known from the database. */
  private adopt(id: string, row: Pick<SharedBatch, 'apiApp' | 'retryOf' | 'createdAt' | 'createdBy' | 'skipped' | 'state'>): Batch {
    const batch = new Batch(id, row.apiApp, row.retryOf, row.createdAt, [], row.skipped)
    batch.state = row.state
    batch.createdBy = row.createdBy
    batch.counts = { sessions: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
    this.batches.set(id, batch)
    return batch
  }

  /**
   * Every `pollMs`: puts sessions of dead hosts back in the queue, cancels the queued sessions of cancelling batches, ends
   * drained batches, follows every batch's state and counts, writes this host's heartbeat, and claims work.
   */
  private tick(): Promise<void> {
    if (this.ticking || this.closing.signal.aborted) return this.ticking ?? Promise.resolve()
    this.ticking = this.runTick().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  private async runTick(): Promise<void> {
    const shared = this.shared!
    try {
      await this.deps.claims?.drainRequests?.poll()
    } catch (error) {
      if (!this.closing.signal.aborted) this.log.warn('batch.drain_poll_failed', { err: error }, 'Could not read the drain requests for this host; trying again shortly')
    }
    try {
      // Leases are renewed by the LeaseKeeper on its own timer: a slow query here never delays a renewal.
      for (const back of await shared.requeueExpired()) {
        const message = `Host ${back.host} stopped renewing its claim; the attempt went back to the queue.`
        this.log.warn('batch.requeued', { sessionId: back.sessionId, batchId: back.batchId, host: back.host }, message)
        this.deps.events.emit('sessions', { id: back.sessionId, status: 'pending', step: null, errorCode: 'INTERRUPTED', errorMessage: message })
      }
      for (const gone of await shared.cancelQueued({ code: 'CANCELLED', message: 'The batch was cancelled.' })) {
        this.deps.events.emit('sessions', { id: gone.sessionId, status: 'cancelled', errorCode: 'CANCELLED', errorMessage: 'The batch was cancelled.' })
      }
      await shared.finishDrained()
      // Off the tick's path: a slow GoLogin stop of a dead host's profile never delays this host's heartbeat.
      void this.deps.claims?.deadHosts?.sweep()
      const epoch = this.stateEpoch
      const rows = await shared.batches([...this.batches.values()].filter((b) => b.live).map((b) => b.id))
      const counts = await shared.counts(rows.map((row) => row.id))
      const waits = await shared.waits(
        rows.filter((row) => row.state !== 'finished' && row.state !== 'cancelled').map((row) => row.id),
        this.deps.claims?.offlineMs ?? 10_000,
      )
      for (const row of rows) {
        const batch = this.batches.get(row.id) ?? (row.state === 'running' || row.state === 'paused' || row.state === 'cancelling' ? this.adopt(row.id, row) : null)
        if (!batch) continue
        const before = JSON.stringify(this.progressOf(batch))
        const wasLive = batch.live
        if (epoch === this.stateEpoch) batch.state = row.state
        batch.counts = counts.get(row.id) ?? batch.counts
        batch.waits = waits.filter((wait) => wait.batchId === row.id).map(({ hostId, accounts, offlineSince }) => ({ hostId, accounts, offlineSince }))
        if (batch.state === 'cancelling' || batch.state === 'cancelled') {
          for (const { controller } of batch.running.values()) if (!controller.signal.aborted) controller.abort(new DomainException('CANCELLED', 'The batch was cancelled.'))
        }
        if (wasLive && !batch.live) {
          batch.finishedAt = row.finishedAt ?? new Date(this.now()).toISOString()
          this.announce(batch)
        } else if (JSON.stringify(this.progressOf(batch)) !== before) {
          // Just counted: pushed as is.
          this.deps.events.emit('progress', this.progressOf(batch))
        }
      }
      // A draining host says so only once no claim of its is still under way: from then on it claims nothing.
      if (this.deps.drain?.isDraining()) await this.claimLoop
      const running = this.runningHere()
      const figures = this.deps.slots.figures()
      await shared.heartbeat({
        startedAt: this.startedAtIso,
        slots: this.queue.concurrency,
        launcher: this.deps.claims?.launcher?.() ?? null,
        running,
        summary: {
          health: this.recovered ? (this.deps.claims?.health?.() ?? { ok: true }) : { ok: false, reason: 'Recovering from its last run (stopping the profiles it left running)', since: this.startedAtIso },
          slotsInUse: figures.slotsInUse,
          waiting: figures.waiting,
          batches: rows.filter((r) => r.state === 'running' || r.state === 'paused').length,
          ...this.deps.hostSummary?.(),
        },
      })
    } catch (error) {
      if (!this.closing.signal.aborted) this.log.warn('batch.claims_tick_failed', { err: error }, 'Could not update the shared batches; trying again shortly')
    }
    this.pump()
  }

  /** A pause or resume written for every host; a tick that read the states before it lands does not undo it here. */
  private writeState(batchId: string, to: 'running' | 'paused', from: Array<'running' | 'paused'>): void {
    const write = this.shared!.setState(batchId, to, from)
      .catch((error: unknown) => this.log.error('batch.state_write_failed', { batchId, to, err: error }, `Could not record the batch as ${to}`))
      .finally(() => {
        this.stateEpoch++
        this.writes.delete(write)
      })
    this.stateEpoch++
    this.writes.add(write)
  }

  /** Cancel on every host: the batch row says `cancelling`; every host stops its attempts, queued ones are cancelled. */
  private async cancelShared(batch: Batch, reason: AppException): Promise<void> {
    if (!batch.live) return
    batch.state = 'cancelling'
    this.stateEpoch++
    try {
      await this.shared!.setState(batch.id, 'cancelling', ['running', 'paused'])
    } finally {
      this.stateEpoch++
    }
    for (const { controller } of batch.running.values()) controller.abort(reason)
    this.log.info('batch.cancelling', { batchId: batch.id, running: batch.running.size }, 'Cancelling batch on every host')
    this.emitProgress(batch)
    await this.tick()
  }

  /**
   * This host stops: no more claims; its attempts are stopped (profiles stopped by the slots) without a
   * terminal write, then their sessions go back to the queue for the other hosts. Bounded by `timeoutMs`.
   */
  private async closeShared(timeoutMs: number): Promise<void> {
    this.closing.abort(new DomainException('INTERRUPTED', 'The panel is shutting down; no new authorization can start.'))
    if (this.timer) clearInterval(this.timer)
    await this.ticking?.catch(() => undefined)
    const reason = new DomainException('INTERRUPTED', 'This host is stopping; another host takes the account over.')
    for (const batch of this.batches.values()) {
      for (const [sessionId, { controller }] of batch.running) {
        this.deps.claims!.handingOver.add(sessionId)
        controller.abort(reason)
      }
    }
    let timer: NodeJS.Timeout | undefined
    const bounded = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))
    const outcome = await Promise.race([this.queue.onIdle(), bounded])
    clearTimeout(timer)
    // Attempts still running (a code exchange, a slow stop) keep their claims: their leases run out (with the grace
    // of a possibly approved consent) rather than hand the account to another host while X may still answer here.
    if (outcome === 'timeout') this.log.error('batch.close_timeout', { timeoutMs }, 'Some authorizations did not stop in time; they are handed over when their leases run out')
    this.leases?.stop()
    await Promise.allSettled([...this.writes, ...this.handingBack])
    this.queue.clear()
    await this.closeProgress()
  }

  private batch(batchId: string): Batch {
    const batch = this.batches.get(batchId)
    if (!batch) throw new DomainException('NOT_FOUND', `No running or recent batch ${batchId}`, { details: { batchId } })
    return batch
  }

  /** The slots changed (a profile started or stopped): every live batch pushes its new figures. */
  slotsChanged(): void {
    for (const batch of this.batches.values()) if (batch.live) this.emitProgress(batch)
  }

  private assertOpen(): void {
    this.closing.signal.throwIfAborted()
  }

  private busyWith(account: { profileId?: string; username?: string }): ActiveAccount | null {
    return (account.profileId && this.byProfile.get(account.profileId)) || (account.username && this.byUsername.get(account.username.toLowerCase())) || null
  }

  private claim(job: SessionJob): void {
    const active = { sessionId: job.sessionId, batchId: job.batchId }
    this.byProfile.set(job.profileId, active)
    this.byUsername.set(job.username.toLowerCase(), active)
    this.liveSessions.add(job.sessionId)
  }

  private unclaim(job: SessionJob): void {
    this.liveSessions.delete(job.sessionId)
    if (this.byProfile.get(job.profileId)?.sessionId === job.sessionId) this.byProfile.delete(job.profileId)
    const key = job.username.toLowerCase()
    if (this.byUsername.get(key)?.sessionId === job.sessionId) this.byUsername.delete(key)
  }

  private progressOf(batch: Batch): BatchProgress {
    return batch.progress(this.deps.slots.figures(), this.now())
  }

  /**
   * The batch's figures changed (an attempt started or ended, a state, the slots): they are counted again in the
   * database and pushed within PROGRESS_WINDOW_MS, so the bar shows what the Sessions page lists.
   */
  private emitProgress(batch: Batch): void {
    if (this.progressClosed) {
      this.deps.events.emit('progress', this.progressOf(batch))
      return
    }
    this.dirty.add(batch.id)
    this.scheduleCount()
  }

  private scheduleCount(): void {
    // Batches that change during a count wait for the next one: it starts after their writes.
    if (this.progressTimer || this.counting || this.dirty.size === 0 || this.progressClosed) return
    this.progressTimer = setTimeout(() => {
      this.progressTimer = null
      this.counting = this.pushDirty().finally(() => {
        this.counting = null
        this.scheduleCount()
      })
    }, PROGRESS_WINDOW_MS)
    this.progressTimer.unref()
  }

  private async pushDirty(): Promise<void> {
    const batches = [...this.dirty].flatMap((id) => this.batches.get(id) ?? [])
    this.dirty.clear()
    await this.count(batches)
    // A batch that just ended is pushed with its notice (announceFinished), not before.
    for (const batch of batches) if (batch.live || batch.announced) this.deps.events.emit('progress', this.progressOf(batch))
  }

  /** Counts the batches' sessions in the database (a failed count keeps the figures known). */
  private async count(batches: readonly Batch[]): Promise<void> {
    const read = this.shared ? (ids: readonly string[]) => this.shared!.counts(ids) : this.deps.counts
    if (!read || !batches.length || this.halted) return
    try {
      const counts = await read(batches.map((batch) => batch.id))
      for (const batch of batches) batch.counts = counts.get(batch.id) ?? batch.counts
    } catch (error) {
      if (!this.closing.signal.aborted) this.log.warn('batch.count_failed', { err: error }, 'Could not count the batch sessions; the progress shows the last figures')
    }
  }

  /** Shutdown: pushes what is pending, then progress is pushed without queries (the database closes next). */
  private async closeProgress(): Promise<void> {
    if (this.progressTicker) clearInterval(this.progressTicker)
    // A batch's end is announced with its last count: awaited first, so its final progress (pushed through the
    // count window) is sent before close returns rather than by a timer after the database closed.
    for (let round = 0; round < 3 && (this.announcing.size || this.dirty.size || this.counting || this.progressTimer); round++) {
      await Promise.allSettled([...this.announcing])
      if (this.progressTimer) clearTimeout(this.progressTimer)
      this.progressTimer = null
      await this.counting
      if (this.dirty.size) await this.pushDirty()
    }
    this.progressClosed = true
  }
}

function conflict(username: string, busy: ActiveAccount): DomainException {
  return new DomainException('CONFLICT', `@${username} is already being authorized (session ${busy.sessionId}).`, { details: { sessionId: busy.sessionId, batchId: busy.batchId } })
}

