import type { WorkerStatusDto } from '../../shared/contract/monitor'
import type { Logger } from '../logging/logger'

/** What the UI shows about a worker (the contract's shape). */
export type WorkerStatus = WorkerStatusDto

export interface WorkerOptions {
  name: string
  /** Read on every scheduling, so a settings change applies from the next run on; 0 or less = no automatic runs. */
  intervalMs: () => number
  /** Run once right after start (e.g. the sync at start-up), unless the interval is off. */
  runOnStart?: boolean
  /** First back-off after a failed iteration; doubles per consecutive failure, capped by the interval. */
  minBackoffMs?: number
  log: Logger
  onStatus?: (status: WorkerStatus) => void
}

/**
 * A timed background job inside the main process (no job broker, as the origin service decided).
 * An iteration's error is logged and retried after a back-off; it never kills the worker. Iterations
 * never overlap; `stop()` waits for the running one. An interval of 0 turns automatic runs off
 * (`runNow` still works); `reschedule()` applies a changed interval at once.
 */
export abstract class Worker {
  private timer: NodeJS.Timeout | null = null
  private current: Promise<void> | null = null
  private started = false
  private nextRunAt: number | null = null
  private lastRunAt: number | null = null
  private lastDurationMs: number | null = null
  private lastError: string | null = null
  private failures = 0
  /** When the worker started: the base of the first interval. */
  private startedAt = 0

  constructor(protected readonly options: WorkerOptions) {}

  /** One iteration. `signal` is aborted when the worker stops. */
  protected abstract runOnce(signal: AbortSignal): Promise<void>

  private controller = new AbortController()

  get name(): string {
    return this.options.name
  }

  start(): void {
    if (this.started) return
    this.started = true
    this.startedAt = Date.now()
    this.controller = new AbortController()
    const interval = this.options.intervalMs()
    this.schedule(this.options.runOnStart && interval > 0 ? 0 : interval)
  }

  /** Runs an iteration now (or joins the one already running) and reschedules the next. */
  async runNow(): Promise<void> {
    if (this.current) return this.current
    if (this.controller.signal.aborted) this.controller = new AbortController()
    this.clearTimer()
    await this.execute()
  }

  /**
   * Applies a changed interval now instead of from the next run on: the next run is due one new interval
   * after the last one (at once if that is past); an interval of 0 cancels the pending run.
   */
  reschedule(): void {
    if (!this.started || this.current || this.failures) return
    const interval = this.options.intervalMs()
    // The start-up run has not happened yet: it stays due at once.
    const base = this.lastRunAt ?? (this.options.runOnStart ? this.startedAt - interval : this.startedAt)
    this.schedule(interval > 0 ? Math.max(0, base + interval - Date.now()) : interval)
  }

  async stop(): Promise<void> {
    this.started = false
    this.clearTimer()
    this.nextRunAt = null
    this.controller.abort()
    await this.current
    this.emitStatus()
  }

  status(): WorkerStatus {
    return {
      name: this.options.name,
      running: this.started,
      busy: this.current !== null,
      intervalMs: this.options.intervalMs(),
      lastRunAt: this.lastRunAt ? new Date(this.lastRunAt).toISOString() : null,
      lastDurationMs: this.lastDurationMs,
      nextRunAt: this.nextRunAt ? new Date(this.nextRunAt).toISOString() : null,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
    }
  }

  private async execute(): Promise<void> {
    const started = Date.now()
    const { log } = this.options
    this.current = (async () => {
      this.emitStatus()
      try {
        await this.runOnce(this.controller.signal)
        this.failures = 0
        this.lastError = null
      } catch (error) {
        this.failures++
        this.lastError = error instanceof Error ? error.message : String(error)
        log.error('worker.iteration_failed', { worker: this.options.name, failures: this.failures, err: error })
      } finally {
        this.lastRunAt = started
        this.lastDurationMs = Date.now() - started
      }
    })()
    try {
      await this.current
    } finally {
      this.current = null
      if (this.started) this.schedule(this.failures ? this.backoffMs() : this.options.intervalMs())
      this.emitStatus()
    }
  }

  private backoffMs(): number {
    const min = this.options.minBackoffMs ?? 5_000
    return Math.min(this.options.intervalMs(), min * 2 ** Math.min(this.failures - 1, 10))
  }

  private schedule(delayMs: number): void {
    this.clearTimer()
    if (delayMs <= 0 && this.options.intervalMs() <= 0) {
      // Automatic runs are off (a back-off after a failed manual run is dropped too).
      this.nextRunAt = null
      this.emitStatus()
      return
    }
    this.nextRunAt = Date.now() + delayMs
    this.timer = setTimeout(() => {
      this.timer = null
      void this.execute()
    }, delayMs)
    this.timer.unref?.()
    this.emitStatus()
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
  }

  private emitStatus(): void {
    this.options.onStatus?.(this.status())
  }
}
