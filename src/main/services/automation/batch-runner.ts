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
import { AppException, DomainException, ProfileNotFoundException } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { SlotFigures } from '../gologin/profile-slots'
import { Batch } from './batch'
import type { BatchPlanner, Candidate, Plan, Skip } from './batch-planner'
import type { SessionOutcome } from './profile-automator'
import type { SessionJob, SessionStore } from './session-store'

export interface BatchRunnerDeps {
  planner: Pick<BatchPlanner, 'forProfiles' | 'forRetry' | 'findProfile' | 'validTokenSession'>
  store: Pick<SessionStore, 'createPending' | 'cancelQueued'>
  automator: { run(job: SessionJob, signal: AbortSignal): Promise<SessionOutcome> }
  /** Refuses an API app (or the whole panel state) no account can be authorized with right now; `AuthorizationPreflight` fits. */
  preflight: { check(apiApp: string): Promise<{ name: string }> }
  /** `holds`: the profile is still starting, running or not confirmed stopped (it cannot start again yet). */
  slots: { figures(): SlotFigures; holds?(profileId: string): boolean }
  events: Pick<EventHub, 'emit'>
  logger: Logger
  /** Profiles running at once (the `maxConcurrentProfiles` setting); follow changes with `setConcurrency`. */
  concurrency: number
  now?: () => number
}

export interface RetryInput {
  batchId?: string
  sessionIds?: readonly string[]
  /** Also re-authorize accounts that hold a valid token issued after their failed attempt (default false). */
  reauthorize?: boolean
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

  constructor(private readonly deps: BatchRunnerDeps) {
    this.log = deps.logger
    this.now = deps.now ?? Date.now
    this.queue = new PQueue({ concurrency: deps.concurrency })
    // A finished attempt frees a place: hand it to the next batch in turn.
    this.queue.on('next', () => this.pump())
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
    return { batchId: '', queued: plan.candidates.length, skipped: plan.skipped }
  }

  async retry(input: RetryInput): Promise<BatchStartResult> {
    this.assertOpen()
    const plan = await this.planRetry(input)
    const apps = [...new Set(plan.candidates.map((c) => c.apiApp))]
    const { batch, skipped } = await this.launch(plan, { apiApp: apps.join(', ') || '—', retryOf: input.batchId ?? null })
    return { batchId: batch.id, queued: batch.sessions, skipped }
  }

  /**
   * The retry's candidates, each of whose API apps passed the preflight; the accounts of an app that did not
   * are skipped with its reason, and if that leaves nothing to do the retry is refused with it.
   */
  private async planRetry(input: RetryInput): Promise<Plan> {
    const plan = await this.deps.planner.forRetry(input, { reauthorize: input.reauthorize, signal: this.closing.signal })
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
    return { candidates, skipped: [...plan.skipped, ...skipped] }
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
      this.log.info('batch.paused', { batchId }, 'Batch paused: running accounts finish, queued ones wait')
      this.emitProgress(batch)
    }
    return this.progressOf(batch)
  }

  resume(batchId: string): BatchProgress {
    const batch = this.batch(batchId)
    if (batch.state === 'paused') {
      batch.state = 'running'
      this.log.info('batch.resumed', { batchId }, 'Batch resumed')
      this.emitProgress(batch)
      this.pump()
    }
    return this.progressOf(batch)
  }

  async cancel(batchId: string): Promise<BatchProgress> {
    const batch = this.batch(batchId)
    await this.stopBatch(batch, new DomainException('CANCELLED', 'The batch was cancelled.'))
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

  /** Shutdown: refuses new batches, cancels live ones (profiles stopped, sessions `cancelled`), waits at most `timeoutMs`. */
  async close(timeoutMs = 20_000): Promise<void> {
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
  }

  private async launch(plan: Plan, meta: { apiApp: string; retryOf: string | null; requireAll?: boolean }): Promise<{ batch: Batch; jobs: SessionJob[]; skipped: Skip[] }> {
    this.assertOpen()
    const batchId = randomUUID()
    const createdAt = new Date(this.now()).toISOString()
    const skipped = [...plan.skipped]
    const jobs: SessionJob[] = []
    // Checked and claimed without awaiting in between, so two requests can never take the same account.
    for (const candidate of plan.candidates) {
      const busy = this.busyWith(candidate)
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
    const batch = new Batch(batchId, meta.apiApp, meta.retryOf, createdAt, jobs, skipped.length)
    try {
      await this.deps.store.createPending(jobs, this.closing.signal)
      // close() may have begun while the rows were written: such a batch never starts.
      this.assertOpen()
    } catch (error) {
      for (const job of jobs) this.unclaim(job)
      if (this.closing.signal.aborted) await this.deps.store.cancelQueued(jobs, this.closing.signal.reason as AppException).catch(() => undefined)
      throw error
    }
    this.batches.set(batchId, batch)
    this.log.info('batch.started', { batchId, apiApp: meta.apiApp, queued: jobs.length, skipped: skipped.length, retryOf: meta.retryOf }, `Batch started: ${jobs.length} account(s) queued for ${meta.apiApp}, ${skipped.length} skipped`)
    this.emitProgress(batch)
    this.pump()
    this.maybeFinish(batch)
    return { batch, jobs, skipped }
  }

  /** Fills the free places of the queue, one attempt per batch in turn. */
  private pump(): void {
    while (this.queue.size + this.queue.pending < this.queue.concurrency) {
      const next = this.nextJob()
      if (!next) return
      const [batch, job] = next
      const controller = new AbortController()
      batch.running.set(job.sessionId, { job, controller })
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
    batch.record(outcome)
    this.emitProgress(batch)
    this.maybeFinish(batch)
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
    const { succeeded, failed, cancelled, skipped } = batch
    const summary = `${succeeded} authorized, ${failed} failed, ${cancelled} cancelled, ${skipped} skipped`
    this.log.info('batch.finished', { batchId: batch.id, state: batch.state, succeeded, failed, cancelled, skipped }, `Batch ${batch.state}: ${summary}`)
    this.emitProgress(batch)
    if (batch.sessions > 0) {
      this.deps.events.emit('notice', {
        id: `batch-${batch.id}`,
        level: failed + cancelled > 0 ? 'warn' : 'info',
        title: batch.state === 'cancelled' ? `Authorization batch cancelled (${batch.apiApp})` : `Authorization batch finished (${batch.apiApp})`,
        body: summary,
      })
    }
    this.forgetOldBatches()
  }

  private forgetOldBatches(): void {
    const finished = [...this.batches.values()].filter((b) => !b.live)
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.batches.delete(old.id)
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
    return batch.progress(this.deps.slots.figures())
  }

  private emitProgress(batch: Batch): void {
    this.deps.events.emit('progress', this.progressOf(batch))
  }
}

function conflict(username: string, busy: ActiveAccount): DomainException {
  return new DomainException('CONFLICT', `@${username} is already being authorized (session ${busy.sessionId}).`, { details: { sessionId: busy.sessionId, batchId: busy.batchId } })
}

