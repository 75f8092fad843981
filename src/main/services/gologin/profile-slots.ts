/**
 * The 10-slot core of the GoLogin service: at most `maxConcurrent` profiles run at once, and every
 * start is paired with a stop on every path (success, error, failed start, start timeout, abort,
 * shutdown), so neither a slot nor a browser is ever left behind.
 */
import { Semaphore } from 'async-mutex'
import {
  AppException,
  ConcurrentProfileLimitException,
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
  /** A stop slower than this is given up on (logged) and its slot freed. Default 30 s. */
  stopTimeoutMs?: number
}

export interface ProfileHandle {
  readonly profileId: string
  readonly endpoint: CdpEndpoint
  /** Aborted when the profile is being stopped from outside (stopAll, stopProfile, the caller's signal). */
  readonly signal: AbortSignal
  /** Stops the profile and frees its slot; safe to call more than once. Never throws. */
  release(): Promise<void>
}

export interface SlotFigures {
  slotsInUse: number
  maxConcurrent: number
  waiting: number
}

export type SlotPhase = 'waiting' | 'starting' | 'running' | 'stopping'

interface Entry {
  profileId: string
  phase: SlotPhase
  holdsSlot: boolean
  controller: AbortController
  /** Resolves once the entry is gone (profile stopped, slot freed). */
  gone: Promise<void>
}

export class ProfileSlots {
  private readonly semaphore: Semaphore
  private readonly entries = new Map<string, Entry>()
  private readonly listeners = new Set<(figures: SlotFigures) => void>()
  private readonly log: Logger
  private launcher: ProfileLauncher
  private maxConcurrent: number
  private closed = false

  constructor(private readonly options: ProfileSlotsOptions) {
    this.log = options.logger
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

  /** Stops one profile (or gives up its wait for a slot); resolves once its slot is free. */
  async stopProfile(profileId: string): Promise<void> {
    const entry = this.entries.get(profileId)
    if (!entry) return
    entry.controller.abort(new DomainException('CANCELLED', `Profile ${profileId} was stopped.`))
    await entry.gone
  }

  /** Stops every profile and cancels every wait; resolves when all slots are free. */
  async stopAll(): Promise<void> {
    const entries = [...this.entries.values()]
    for (const entry of entries) {
      entry.controller.abort(new DomainException('INTERRUPTED', `Profile ${entry.profileId} was stopped because the panel is stopping its profiles.`))
    }
    await Promise.all(entries.map((entry) => entry.gone))
  }

  /** Refuses new starts and stops everything (shutdown). */
  async close(): Promise<void> {
    this.closed = true
    await this.stopAll()
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

  list(): Array<{ profileId: string; phase: SlotPhase }> {
    return [...this.entries.values()].map(({ profileId, phase }) => ({ profileId, phase }))
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
    if (this.entries.has(profileId)) {
      throw new DomainException('CONFLICT', `Profile ${profileId} is already running or starting.`, { details: { profileId } })
    }
    if (!wait && this.semaphore.getValue() < 1) throw new ConcurrentProfileLimitException(this.maxConcurrent)

    const controller = new AbortController()
    const unlink = linkSignal(signal, controller, profileId)
    let markGone!: () => void
    const entry: Entry = { profileId, phase: 'waiting', holdsSlot: false, controller, gone: new Promise((r) => (markGone = r)) }
    this.entries.set(profileId, entry)
    this.changed()

    const launcher = this.launcher
    let freeSlot: (() => void) | null = null
    let attempt: Promise<unknown> | null = null
    let markedInUse = false
    const finish = async () => {
      if (attempt) {
        // A start still in flight must not overtake the stop: wait (bounded) for it to settle first.
        await settleWithin(attempt, this.stopTimeoutMs())
        entry.phase = 'stopping'
        this.changed()
        await this.stopQuietly(launcher, profileId)
      }
      if (markedInUse) await this.markInUse(profileId, false)
      freeSlot?.()
      entry.holdsSlot = false
      this.entries.delete(profileId)
      unlink()
      markGone()
      this.changed()
    }

    try {
      freeSlot = await acquireAbortable(this.semaphore, controller.signal)
      entry.holdsSlot = true
      entry.phase = 'starting'
      this.changed()
      markedInUse = true
      await this.markInUse(profileId, true)
      controller.signal.throwIfAborted()
      const started = this.startWithinTimeout(launcher, profileId, controller.signal)
      attempt = started.attempt
      const endpoint = await started.endpoint
      // The start may have finished in the same tick as an abort.
      controller.signal.throwIfAborted()
      entry.phase = 'running'
      this.changed()
      this.log.info('gologin.profile.started', { profileId, launcher: launcher.kind }, `Profile ${profileId} started`)
      const release = once(finish)
      controller.signal.addEventListener('abort', () => void release(), { once: true })
      return { profileId, endpoint, signal: controller.signal, release }
    } catch (error) {
      await finish()
      const failure = asAppException(error, profileId)
      this.log.warn('gologin.profile.start_failed', { profileId, code: failure.code, err: error }, `Profile ${profileId} did not start: ${failure.message}`)
      throw failure
    }
  }

  private startWithinTimeout(launcher: ProfileLauncher, profileId: string, signal: AbortSignal) {
    const timeoutMs = this.options.startTimeoutMs ?? 120_000
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
    const startSignal = AbortSignal.any([signal, timer.signal])
    const attempt = launcher.start(profileId, { signal: startSignal })
    const endpoint = raceAbort(attempt, startSignal).finally(() => clearTimeout(handle))
    return { attempt, endpoint }
  }

  private async stopQuietly(launcher: ProfileLauncher, profileId: string): Promise<void> {
    const signal = AbortSignal.timeout(this.stopTimeoutMs())
    try {
      await raceAbort(launcher.stop(profileId, { signal }), signal)
      this.log.info('gologin.profile.stopped', { profileId }, `Profile ${profileId} stopped`)
    } catch (error) {
      this.log.error('gologin.profile.stop_failed', { profileId, err: error }, `Profile ${profileId} could not be stopped; its slot is freed anyway`)
    }
  }

  private async markInUse(profileId: string, inUse: boolean): Promise<void> {
    try {
      await this.options.usage?.markInUse(profileId, inUse)
    } catch (error) {
      this.log.warn('gologin.profile.in_use_failed', { profileId, inUse, err: error }, 'Could not record whether the profile is in use')
    }
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

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  return () => (running ??= fn())
}

function noop(): void {}

function formatDuration(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`
}
