/**
 * The 10-slot core of the GoLogin service: at most `maxConcurrent` profiles run at once, and every
 * start is paired with a stop on every path (success, error, failed start, start timeout, abort,
 * shutdown). A slot is only freed once GoLogin has confirmed the stop: a profile whose stop failed or
 * timed out keeps its slot, its `in_use` flag and its journal line, is stopped again in the background
 * with back-off, and cannot be started again until the stop is confirmed or the operator gives up on it.
 */
import { Semaphore } from 'async-mutex'
import pRetry from 'p-retry'
import {
  AppException,
  ConcurrentProfileLimitException,
  DATABASE_WRITE_FAILED,
  DomainException,
  InfrastructureException,
  ValidationException,
} from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { acquireAbortable } from './abortable-acquire'
import type { CdpEndpoint, ProfileLauncher, ProfileUsageStore } from './types'

export const MIN_CONCURRENT_PROFILES = 1
export const MAX_CONCURRENT_PROFILES = 50

export interface ProfileSlotsOptions {
  launcher: ProfileLauncher
  logger: Logger
  usage?: ProfileUsageStore
  /** Default 10, 1–50. */
  maxConcurrent?: number
  /** A start slower than this is aborted (and the profile still stopped). Default 120 s. */
  startTimeoutMs?: number
  /** One stop attempt slower than this counts as failed (the profile may still run). Default 30 s. */
  stopTimeoutMs?: number
  /** Back-off of the background stop retries: first delay, doubling up to `max`. Default 5 s → 5 min. */
  stopRetryDelayMs?: { min: number; max: number }
  now?: () => number
}

export interface ProfileHandle {
  readonly profileId: string
  readonly endpoint: CdpEndpoint
  /** Aborted when the profile is being stopped from outside (stopAll, stopProfile, the caller's signal). */
  readonly signal: AbortSignal
  /** Wraps the CDP connect to this profile's browser when the launcher needs it (cloud: rate limit, 429 rule). */
  readonly guardConnect?: <T>(connect: () => Promise<T>) => Promise<T>
  /**
   * Stops the profile; safe to call more than once, never throws. Resolves once the stop is confirmed, or
   * once a failed stop has been handed to the background retries (the slot stays taken until it succeeds).
   */
  release(): Promise<void>
}

export interface SlotFigures {
  slotsInUse: number
  maxConcurrent: number
  waiting: number
}

/** `stop_failed`: the stop failed or timed out; it is retried in the background and the slot stays taken. */
export type SlotPhase = 'waiting' | 'starting' | 'running' | 'stopping' | 'stop_failed'

export interface SlotEntryView {
  profileId: string
  phase: SlotPhase
  /** Stop attempts made so far (0 until the first stop). */
  stopAttempts: number
  /** Why the last stop attempt failed (operator-readable). */
  lastStopError: string | null
  /** When the next background stop attempt is due (ISO), while `stop_failed`. */
  nextStopAt: string | null
}

interface Entry {
  profileId: string
  phase: SlotPhase
  holdsSlot: boolean
  controller: AbortController
  /** Resolves once the entry is gone (stop confirmed or given up, slot freed). */
  gone: Promise<void>
  stopAttempts: number
  lastStopError: string | null
  nextStopAt: number | null
  /** A stop request is out right now. */
  stopInFlight: boolean
  /** Restarts the stop retries now (shutdown); null unless `stop_failed`. */
  retryNow: (() => void) | null
  /** Frees the slot without a confirmed stop (the operator gave up); null unless `stop_failed`. */
  giveUp: (() => Promise<void>) | null
  /** Ends the stop retries and leaves the entry as it is (shutdown over). */
  endRetries: (() => void) | null
}

export class ProfileSlots {
  private readonly semaphore: Semaphore
  private readonly entries = new Map<string, Entry>()
  private readonly listeners = new Set<(figures: SlotFigures) => void>()
  private readonly log: Logger
  private readonly now: () => number
  private launcher: ProfileLauncher
  private maxConcurrent: number
  private closed = false

  constructor(private readonly options: ProfileSlotsOptions) {
    this.log = options.logger
    this.now = options.now ?? Date.now
    this.launcher = options.launcher
    this.maxConcurrent = checkLimit(options.maxConcurrent ?? 10)
    this.semaphore = new Semaphore(this.maxConcurrent)
  }

  /** Waits for a free slot, then starts the profile. */
  startProfile(profileId: string, options: { signal?: AbortSignal } = {}): Promise<ProfileHandle> {
    return this.open(profileId, options.signal, true)
  }

  /** Starts the profile only if a slot is free right now; otherwise `CONCURRENT_LIMIT`. */
  tryStartProfile(profileId: string, options: { signal?: AbortSignal } = {}): Promise<ProfileHandle> {
    return this.open(profileId, options.signal, false)
  }

  /** Runs `fn` with the profile's browser, and stops the profile afterwards whatever happens. */
  async withProfile<T>(
    profileId: string,
    fn: (endpoint: CdpEndpoint, signal: AbortSignal) => Promise<T>,
    options: { signal?: AbortSignal } = {},
  ): Promise<T> {
    const handle = await this.startProfile(profileId, options)
    try {
      return await fn(handle.endpoint, handle.signal)
    } finally {
      await handle.release()
    }
  }

  /** Stops one profile (or gives up its wait for a slot); resolves once its stop is confirmed and its slot free. */
  async stopProfile(profileId: string): Promise<void> {
    const entry = this.entries.get(profileId)
    if (!entry) return
    entry.controller.abort(new DomainException('CANCELLED', `Profile ${profileId} was stopped.`))
    await entry.gone
  }

  /**
   * Stops every profile and cancels every wait; stops that failed earlier are tried again at once.
   * Resolves when every slot is free, which a stop GoLogin keeps refusing can delay indefinitely: callers bound it.
   */
  async stopAll(): Promise<void> {
    const entries = [...this.entries.values()]
    for (const entry of entries) {
      entry.controller.abort(new DomainException('INTERRUPTED', `Profile ${entry.profileId} was stopped because the panel is stopping its profiles.`))
      entry.retryNow?.()
    }
    await Promise.all(entries.map((entry) => entry.gone))
  }

  /** Refuses new starts and stops everything (shutdown). */
  async close(): Promise<void> {
    this.closed = true
    await this.stopAll()
  }

  /**
   * The end of a shutdown: background stop retries end here, their profiles stay journalled (and in use)
   * for the next start-up to stop.
   */
  dispose(): void {
    this.closed = true
    for (const entry of this.entries.values()) entry.endRetries?.()
  }

  /**
   * The operator gives up on a profile whose stop GoLogin never confirmed: its slot, `in_use` flag and
   * journal line are released although its browser may still run. Only for `stop_failed` profiles.
   */
  async giveUp(profileId: string): Promise<void> {
    const entry = this.entries.get(profileId)
    if (!entry) throw new DomainException('NOT_FOUND', `Profile ${profileId} is not waiting for a stop.`, { details: { profileId } })
    if (!entry.giveUp) {
      throw new DomainException('CONFLICT', `Profile ${profileId} is ${entry.phase.replace('_', ' ')}; only a profile whose stop failed can be given up on.`, {
        details: { profileId, phase: entry.phase },
      })
    }
    await entry.giveUp()
  }

  /** Applies to acquisitions from now on; running profiles are not stopped when the limit shrinks. */
  setMaxConcurrent(maxConcurrent: number): void {
    const next = checkLimit(maxConcurrent)
    this.semaphore.setValue(this.semaphore.getValue() + (next - this.maxConcurrent))
    this.maxConcurrent = next
    this.changed()
  }

  /** Launcher for starts from now on; running profiles are stopped by the launcher that started them. */
  setLauncher(launcher: ProfileLauncher): void {
    this.launcher = launcher
  }

  running(): string[] {
    return [...this.entries.values()].filter((entry) => entry.phase === 'running').map((entry) => entry.profileId)
  }

  /** Whether the profile is waiting, starting, running or not yet confirmed stopped here. */
  holds(profileId: string): boolean {
    return this.entries.has(profileId)
  }

  list(): SlotEntryView[] {
    return [...this.entries.values()].map((entry) => ({
      profileId: entry.profileId,
      phase: entry.phase,
      stopAttempts: entry.stopAttempts,
      lastStopError: entry.lastStopError,
      nextStopAt: entry.nextStopAt === null ? null : new Date(entry.nextStopAt).toISOString(),
    }))
  }

  figures(): SlotFigures {
    let slotsInUse = 0
    let waiting = 0
    for (const entry of this.entries.values()) {
      if (entry.holdsSlot) slotsInUse++
      if (entry.phase === 'waiting') waiting++
    }
    return { slotsInUse, maxConcurrent: this.maxConcurrent, waiting }
  }

  /** Figures after every change (for the status bar). Returns the unsubscribe function. */
  subscribe(listener: (figures: SlotFigures) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private async open(profileId: string, signal: AbortSignal | undefined, wait: boolean): Promise<ProfileHandle> {
    if (typeof profileId !== 'string' || !profileId.trim()) throw new ValidationException('A profile id is required.', { field: 'profileId' })
    if (this.closed) throw new DomainException('INTERRUPTED', 'The panel is shutting down; no new profile can be started.')
    signal?.throwIfAborted()
    const existing = this.entries.get(profileId)
    if (existing) throw busyError(existing)
    if (!wait && this.semaphore.getValue() < 1) throw new ConcurrentProfileLimitException(this.maxConcurrent)

    const controller = new AbortController()
    const unlink = linkSignal(signal, controller, profileId)
    let markGone!: () => void
    const entry: Entry = {
      profileId,
      phase: 'waiting',
      holdsSlot: false,
      controller,
      gone: new Promise((r) => (markGone = r)),
      stopAttempts: 0,
      lastStopError: null,
      nextStopAt: null,
      stopInFlight: false,
      retryNow: null,
      giveUp: null,
      endRetries: null,
    }
    this.entries.set(profileId, entry)
    this.changed()

    const launcher = this.launcher
    let freeSlot: (() => void) | null = null
    let attempt: Promise<unknown> | null = null
    let startSettled = () => true
    let startTimedOut = () => false
    let markedInUse = false
    const free = async () => {
      if (markedInUse) await this.markInUse(profileId, false)
      freeSlot?.()
      entry.holdsSlot = false
      this.entries.delete(profileId)
      unlink()
      markGone()
      this.changed()
    }
    const finish = async () => {
      if (attempt) {
        // Never stop a profile GoLogin is still starting (it would stop nothing, then the start completes):
        // the start is bounded by its own timeout, so let it settle first.
        await settleWithin(attempt, this.startTimeoutMs() + this.stopTimeoutMs())
        // After a start the panel gave up on, GoLogin may still finish it and launch the browser late: one
        // stop answered "done" proves little, so the stop is made again twice with back-off before the slot is freed.
        if (!(await this.stop(launcher, entry, free, startTimedOut() ? LATE_START_RECHECKS : 0))) return
      }
      await free()
    }

    try {
      freeSlot = await acquireAbortable(this.semaphore, controller.signal)
      entry.holdsSlot = true
      entry.phase = 'starting'
      this.changed()
      // A failed write fails the start: unrecorded, another host could claim the profile while its browser runs here.
      markedInUse = true
      await this.markInUse(profileId, true, { required: true })
      controller.signal.throwIfAborted()
      const started = this.startWithinTimeout(launcher, profileId, controller.signal)
      attempt = started.attempt
      startSettled = started.settled
      startTimedOut = started.timedOut
      const endpoint = await started.endpoint
      // The start may have finished in the same tick as an abort.
      controller.signal.throwIfAborted()
      entry.phase = 'running'
      this.changed()
      this.log.info('gologin.profile.started', { profileId, launcher: launcher.kind }, `Profile ${profileId} started`)
      const release = once(finish)
      controller.signal.addEventListener('abort', () => void release(), { once: true })
      const guardConnect = launcher.guardConnect ? <T>(connect: () => Promise<T>) => launcher.guardConnect!<T>(profileId, connect) : undefined
      return { profileId, endpoint, signal: controller.signal, release, ...(guardConnect ? { guardConnect } : {}) }
    } catch (error) {
      const finishing = finish()
      // A cancelled start still in flight is left to settle in the background (its slot stays taken
      // meanwhile): the caller hears of the cancel at once.
      if (!controller.signal.aborted || startSettled()) await finishing
      const failure = asAppException(error, profileId)
      this.log.warn('gologin.profile.start_failed', { profileId, code: failure.code, err: error }, `Profile ${profileId} did not start: ${failure.message}`)
      throw failure
    }
  }

  /**
   * The launcher's start sees only the start timeout, never the caller's cancel: a cancelled start goes on
   * until GoLogin answers (or the timeout), and is stopped after that. The caller stops waiting at once.
   */
  private startWithinTimeout(launcher: ProfileLauncher, profileId: string, signal: AbortSignal) {
    const timeoutMs = this.startTimeoutMs()
    const timer = new AbortController()
    const handle = setTimeout(
      () =>
        timer.abort(
          new InfrastructureException('BROWSER_CONNECTION_FAILED', `Profile ${profileId} did not start within ${formatDuration(timeoutMs)}.`, {
            details: { profileId, timeoutMs },
          }),
        ),
      timeoutMs,
    )
    const attempt = launcher.start(profileId, { signal: timer.signal })
    let settled = false
    // Registered before anyone else listens, so `settled` is true by the time a caller sees the outcome.
    const done = () => {
      settled = true
      clearTimeout(handle)
    }
    void attempt.then(done, done)
    const endpoint = raceAbort(attempt, AbortSignal.any([signal, timer.signal]))
    return { attempt, endpoint, settled: () => settled, timedOut: () => timer.signal.aborted }
  }

  /**
   * Stops the profile. True once GoLogin confirmed it; false when the first attempt failed, in which case
   * the attempts go on in the background with back-off and `free` runs after the first one that succeeds.
   */
  private async stop(launcher: ProfileLauncher, entry: Entry, free: () => Promise<void>, rechecks: number): Promise<boolean> {
    const { profileId } = entry
    entry.phase = 'stopping'
    this.changed()
    const first = deferred<boolean>()
    let handedOff = false
    const delays = this.options.stopRetryDelayMs ?? { min: 5_000, max: 5 * 60_000 }
    const loop = () => {
      const retries = new AbortController()
      entry.endRetries = () => retries.abort()
      return pRetry(
        async () => {
          entry.stopAttempts++
          entry.stopInFlight = true
          try {
            const signal = AbortSignal.timeout(this.stopTimeoutMs())
            await raceAbort(launcher.stop(profileId, { signal }), signal)
          } finally {
            entry.stopInFlight = false
          }
          if (rechecks > 0) {
            rechecks--
            throw new LateStartRecheck()
          }
        },
        {
          retries: Number.POSITIVE_INFINITY,
          minTimeout: delays.min,
          maxTimeout: delays.max,
          factor: 2,
          signal: retries.signal,
          unref: true,
          onFailedAttempt: ({ error, retriesConsumed }) => {
            // Given up on or restarted meanwhile: this loop ends here without touching the entry.
            if (retries.signal.aborted) throw error
            entry.phase = error instanceof LateStartRecheck ? 'stopping' : 'stop_failed'
            entry.lastStopError = describeStopError(error, this.stopTimeoutMs())
            entry.nextStopAt = this.now() + Math.min(delays.min * 2 ** retriesConsumed, delays.max)
            entry.retryNow = () => {
              if (entry.stopInFlight) return
              retries.abort()
              void loop()
            }
            entry.giveUp = async () => {
              retries.abort()
              entry.retryNow = null
              entry.giveUp = null
              this.log.warn('gologin.profile.stop_given_up', { profileId, attempts: entry.stopAttempts }, `Gave up stopping profile ${profileId} after ${entry.stopAttempts} attempt(s); its browser may still be running`)
              await free()
            }
            if (error instanceof LateStartRecheck) {
              this.log.info('gologin.profile.stop_recheck', { profileId, attempt: entry.stopAttempts }, `Profile ${profileId}: ${entry.lastStopError}`)
            } else {
              this.log.error(
                'gologin.profile.stop_failed',
                { profileId, attempt: entry.stopAttempts, err: error, nextStopAt: new Date(entry.nextStopAt).toISOString() },
                `Profile ${profileId} could not be stopped (attempt ${entry.stopAttempts}: ${entry.lastStopError}); its slot stays taken and the stop is retried`,
              )
            }
            this.changed()
            handedOff = true
            first.resolve(false)
          },
        },
      ).then(
        async () => {
          entry.retryNow = null
          entry.giveUp = null
          entry.nextStopAt = null
          this.log.info('gologin.profile.stopped', { profileId, attempts: entry.stopAttempts }, `Profile ${profileId} stopped`)
          // A stop confirmed at the first attempt is freed by the caller; one confirmed in the background, here.
          if (!handedOff) first.resolve(true)
          else await free()
        },
        // Aborted: given up on, or restarted by `retryNow`.
        () => undefined,
      )
    }
    void loop()
    return first.promise
  }

  private async markInUse(profileId: string, inUse: boolean, options: { required?: boolean } = {}): Promise<void> {
    try {
      await this.options.usage?.markInUse(profileId, inUse)
    } catch (error) {
      if (options.required) {
        if (error instanceof AppException) throw error
        throw new InfrastructureException('INTERNAL_ERROR', `Could not record that profile ${profileId} is in use (${error instanceof Error ? error.message : String(error)}); it was not started.`, {
          cause: error,
          details: { reason: DATABASE_WRITE_FAILED },
        })
      }
      this.log.warn('gologin.profile.in_use_failed', { profileId, inUse, err: error }, 'Could not record whether the profile is in use')
    }
  }

  private startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? 120_000
  }

  private stopTimeoutMs(): number {
    return this.options.stopTimeoutMs ?? 30_000
  }

  private changed(): void {
    if (!this.listeners.size) return
    const figures = this.figures()
    for (const listener of this.listeners) listener(figures)
  }
}

function checkLimit(value: number): number {
  if (!Number.isInteger(value) || value < MIN_CONCURRENT_PROFILES || value > MAX_CONCURRENT_PROFILES) {
    throw new ValidationException(
      `Concurrent profiles must be a whole number from ${MIN_CONCURRENT_PROFILES} to ${MAX_CONCURRENT_PROFILES} (got ${value}).`,
      { field: 'maxConcurrent' },
    )
  }
  return value
}

function busyError(entry: Entry): DomainException {
  const { profileId } = entry
  if (entry.phase === 'stopping' || entry.phase === 'stop_failed') {
    return new DomainException(
      'PROFILE_STOP_PENDING',
      `Profile ${profileId} is not confirmed stopped yet (stop attempt ${entry.stopAttempts}); it starts again once GoLogin confirms the stop, or after you give up on it.`,
      { details: { profileId, stopAttempts: entry.stopAttempts } },
    )
  }
  return new DomainException('CONFLICT', `Profile ${profileId} is already running or starting.`, { details: { profileId } })
}

/** How often the stop of a timed-out start is made again after GoLogin confirmed the first one. */
const LATE_START_RECHECKS = 2

/** Not a failure: a stop to make again, because a start that timed out may still launch its browser late. */
class LateStartRecheck extends Error {
  constructor() {
    super('The start timed out, so the stop is made again in case GoLogin finished starting the profile late')
  }
}

function describeStopError(error: unknown, timeoutMs: number): string {
  if (error instanceof AppException) return error.message
  if (error instanceof Error && error.name === 'TimeoutError') return `GoLogin did not confirm the stop within ${formatDuration(timeoutMs)}`
  return error instanceof Error ? error.message : String(error)
}

/** Forwards the caller's abort to our controller, as an operator-readable reason. */
function linkSignal(signal: AbortSignal | undefined, controller: AbortController, profileId: string): () => void {
  if (!signal) return () => {}
  const forward = () => {
    const reason: unknown = signal.reason
    controller.abort(reason instanceof AppException ? reason : new DomainException('CANCELLED', `Starting profile ${profileId} was cancelled.`))
  }
  signal.addEventListener('abort', forward, { once: true })
  return () => signal.removeEventListener('abort', forward)
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise.then(noop, noop), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

function asAppException(error: unknown, profileId: string): AppException {
  if (error instanceof AppException) return error
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new InfrastructureException('BROWSER_CONNECTION_FAILED', `Profile ${profileId} did not start in time.`, { cause: error })
  }
  return new InfrastructureException('BROWSER_CONNECTION_FAILED', `Profile ${profileId} could not be started.`, { cause: error })
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((res) => (resolve = res))
  return { promise, resolve }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  return () => (running ??= fn())
}

function noop(): void {}

function formatDuration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`
}
