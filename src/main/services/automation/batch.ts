/**
 * One batch in memory: its queued attempts (in order), the ones running with their cancel switch,
 * its counts and state, and the `BatchProgress` the UI shows. No I/O: the BatchRunner drives it.
 */
import type { BatchHostWait, BatchProgress, BatchState } from '../../../shared/contract/batches'
import type { SlotFigures } from '../gologin/profile-slots'
import { estimateEtaMs, pushDuration } from './eta'
import type { SessionOutcome } from './profile-automator'
import type { SessionJob } from './session-store'

export interface RunningJob {
  job: SessionJob
  controller: AbortController
  /** When the attempt was handed to the automator (ms): the ETA counts down its expected rest. */
  startedMs: number
}

/** A batch's sessions by where they are, counted in the database (claims.ts's `SharedCounts` is this type). */
export interface BatchCounts {
  sessions: number
  /** Waiting for a slot (`pending`; PostgreSQL: and not claimed). */
  queued: number
  /** Started: `in_progress` (an account waiting on X's consent page is running); PostgreSQL: claimed too. */
  running: number
  succeeded: number
  /** `failed` and `timeout`. */
  failed: number
  cancelled: number
}

export class Batch {
  state: BatchState = 'running'
  finishedAt: string | null = null
  /** Its end was announced (final figures and notice pushed together). */
  announced = false
  readonly running = new Map<string, RunningJob>()
  /** Sessions created (queued at the start); `total` adds the skipped accounts. */
  readonly sessions: number
  succeeded = 0
  failed = 0
  cancelled = 0
  /** Writes still under way (e.g. queued attempts being marked cancelled); the batch ends after them. */
  settling = 0
  /**
   * The batch's sessions counted in the database (PostgreSQL: whichever host runs them); progress shows these, so the
   * bar always agrees with the Sessions page. Null until the first count: the in-memory figures above stand in.
   */
  counts: BatchCounts | null = null
  /** PostgreSQL (claims): the host that started the batch. */
  createdBy: string | null = null
  /** PostgreSQL (claims): accounts waiting for an offline host (its profiles, its claims). */
  waits: BatchHostWait[] = []
  private readonly queue: SessionJob[]
  private next = 0
  private readonly durations: number[] = []

  constructor(
    readonly id: string,
    readonly apiApp: string,
    readonly retryOf: string | null,
    readonly startedAt: string,
    jobs: SessionJob[],
    readonly skipped: number,
    sessions = jobs.length,
  ) {
    this.queue = [...jobs]
    this.sessions = sessions
  }

  get queued(): number {
    return this.queue.length - this.next
  }

  get live(): boolean {
    return this.state === 'running' || this.state === 'paused' || this.state === 'cancelling'
  }

  /** Whether nothing is queued, running or being written any more. */
  get drained(): boolean {
    return this.queued === 0 && this.running.size === 0 && this.settling === 0
  }

  /** The next queued attempt, if the batch may start one now. */
  takeNext(): SessionJob | null {
    if (this.state !== 'running' || this.queued === 0) return null
    const job = this.queue[this.next]
    this.queue[this.next++] = undefined as unknown as SessionJob // let finished jobs be collected
    return job
  }

  /** Every attempt still queued (they will not run). */
  takeAllQueued(): SessionJob[] {
    const rest = this.queue.slice(this.next)
    this.queue.length = 0
    this.next = 0
    return rest
  }

  record(outcome: SessionOutcome): void {
    if (outcome.status === 'completed') this.succeeded++
    else if (outcome.status === 'cancelled') this.cancelled++
    else this.failed++
    if (outcome.status !== 'cancelled') pushDuration(this.durations, outcome.durationMs)
  }

  progress(slots: SlotFigures, nowMs = Date.now()): BatchProgress {
    const figures = this.counts ?? { sessions: this.sessions, queued: this.queued, running: this.running.size, succeeded: this.succeeded, failed: this.failed, cancelled: this.cancelled }
    const done = figures.succeeded + figures.failed + figures.cancelled + this.skipped
    const waits = this.live ? this.waits : []
    const runningElapsedMs = [...this.running.values()].map((entry) => nowMs - entry.startedMs)
    return {
      id: this.id,
      apiApp: this.apiApp,
      state: this.state,
      total: figures.sessions + this.skipped,
      queued: figures.queued,
      running: figures.running,
      done,
      succeeded: figures.succeeded,
      failed: figures.failed,
      cancelled: figures.cancelled,
      skipped: this.skipped,
      slotsInUse: slots.slotsInUse,
      maxSlots: slots.maxConcurrent,
      // Only while it runs (paused: nothing moves). Accounts waiting for an offline host finish only once it is
      // released: no time can be promised.
      etaMs:
        this.state === 'running' && !waits.length
          ? estimateEtaMs({ queued: figures.queued, running: figures.running, maxSlots: slots.maxConcurrent, recentDurationsMs: this.durations, runningElapsedMs })
          : null,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
      retryOf: this.retryOf,
      ...(waits.length ? { waitsFor: waits } : {}),
    }
  }
}
