/**
 * Client-side limit on GoLogin cloud API requests. GoLogin revokes a token for good on a 429, so
 * every request attempt (retries included) holds one of `requestsPerWindow` permits from the moment
 * it leaves until one full window after its answer came back. Whatever the network latency, no
 * window at GoLogin's end can then hold more than `requestsPerWindow` arrivals: each arrival lies
 * between its request's start and its answer, and a permit is only reused a window after that.
 * (A limiter that counts start times, like p-queue's strict mode, can be overrun by one request per
 * late arrival at the server.) The permits are an async-mutex `Semaphore`.
 */
import { Semaphore } from 'async-mutex'
import { acquireAbortable } from './abortable-acquire'
import { ValidationException } from '../../../shared/errors'

export interface RequestRateLimiterOptions {
  /** Permits per window (GoLogin: requests per minute). */
  requestsPerWindow: number
  /** Window length; 60 s for GoLogin, shorter in tests. */
  windowMs?: number
  /** A permit whose request never reports back is returned after this long (plus a window). */
  maxHoldMs?: number
}

export interface RateLimiterFigures {
  requestsPerWindow: number
  windowMs: number
  /** Requests waiting for a permit. */
  waiting: number
  /** Permits held now (in-process: requests in flight or answered less than a window ago; shared: in flight here). */
  held: number
  granted: number
  /** The shared budget's fixed windows (PostgreSQL), absent for the in-process limiter. */
  shared?: { durationMs: number; points: number; bound: number; lateCharges: number }
}

/** Call when the request has been answered or has failed; calling it again does nothing. */
export type RequestDone = () => void

/**
 * The GoLogin request budget every GoLogin call of a host goes through: `RequestRateLimiter` keeps it in
 * this process (SQLite, one machine), `SharedRequestBudget` in PostgreSQL for every host of the database.
 */
export interface RequestBudget {
  /** Waits for a permit; rejects (giving its place up) if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<RequestDone>
  /** New rate (requests per GoLogin window) for permits from now on. */
  setRequestsPerWindow(requestsPerWindow: number): void
  figures(): RateLimiterFigures
}

export const MIN_REQUESTS_PER_WINDOW = 1
export const MAX_REQUESTS_PER_WINDOW = 10_000

export class RequestRateLimiter implements RequestBudget {
  private readonly semaphore: Semaphore
  private requestsPerWindow: number
  private readonly windowMs: number
  private readonly maxHoldMs: number
  private waiting = 0
  private granted = 0

  constructor(options: RequestRateLimiterOptions) {
    this.windowMs = options.windowMs ?? 60_000
    this.maxHoldMs = options.maxHoldMs ?? 10 * 60_000
    this.requestsPerWindow = checkRate(options.requestsPerWindow)
    this.semaphore = new Semaphore(this.requestsPerWindow)
  }

  /** Waits for a permit; rejects (giving its place up) if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<RequestDone> {
    signal?.throwIfAborted()
    this.waiting++
    let release: () => void
    try {
      release = await acquireAbortable(this.semaphore, signal)
    } finally {
      this.waiting--
    }
    this.granted++
    let finished = false
    const done = () => {
      if (finished) return
      finished = true
      clearTimeout(safety)
      releaseAfter(release, performance.now() + this.windowMs)
    }
    const safety = setTimeout(done, this.maxHoldMs)
    safety.unref?.()
    return done
  }

  /** New rate for permits from now on; permits already held keep counting until they are returned. */
  setRequestsPerWindow(requestsPerWindow: number): void {
    const rate = checkRate(requestsPerWindow)
    this.semaphore.setValue(this.semaphore.getValue() + (rate - this.requestsPerWindow))
    this.requestsPerWindow = rate
  }

  figures(): RateLimiterFigures {
    return {
      requestsPerWindow: this.requestsPerWindow,
      windowMs: this.windowMs,
      waiting: this.waiting,
      held: this.requestsPerWindow - this.semaphore.getValue(),
      granted: this.granted,
    }
  }
}

/**
 * Calls `release` once the monotonic clock has reached `at`. Timers alone can fire early by the
 * time the event loop spent in the current turn (they count from the turn's start), so check.
 */
function releaseAfter(release: () => void, at: number): void {
  const remaining = at - performance.now()
  if (remaining <= 0) return release()
  setTimeout(() => releaseAfter(release, at), Math.ceil(remaining)).unref?.()
}

/** The rate as a whole number within bounds, or a `VALIDATION_ERROR` naming the setting. */
export function checkRate(value: number): number {
  if (!Number.isInteger(value) || value < MIN_REQUESTS_PER_WINDOW || value > MAX_REQUESTS_PER_WINDOW) {
    throw new ValidationException(
      `The GoLogin request rate must be a whole number from ${MIN_REQUESTS_PER_WINDOW} to ${MAX_REQUESTS_PER_WINDOW} per minute (got ${value}).`,
      { field: 'requestsPerMinute' },
    )
  }
  return value
}
