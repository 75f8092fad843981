/**
 * The GoLogin request budget shared by every host of one PostgreSQL database: rate-limiter-flexible's
 * Postgres store (one row, `gologin_rate_limit`, made by migration 0007 rather than by the library) counts
 * the permits of fixed windows sized by window-sizing.ts, so that no sliding window at GoLogin holds more
 * than the configured rate, whichever hosts sent the requests. Waiters of one host queue here and only the
 * first asks the database (at a window's end, one query per host, not one per waiter). When the database
 * cannot be reached the request is not sent: without the count, no host can know what the others sent.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { Semaphore } from 'async-mutex'
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible'
import { GoLoginAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { acquireAbortable } from './abortable-acquire'
import { checkRate, type RateLimiterFigures, type RequestBudget, type RequestDone } from './rate-limiter'
import { allowancesFor, sizeFixedWindows, type WindowSizing } from './window-sizing'

/** The store's table (migration 0007: the library's own layout) and the one key every host counts under. */
export const GOLOGIN_BUDGET_TABLE = 'gologin_rate_limit'
export const GOLOGIN_BUDGET_KEY = 'gologin:requests'

export interface SharedRequestBudgetOptions {
  /** A pool on the panel's database (`sidePool`): the budget's queries never wait behind the panel's own. */
  pool: pg.Pool
  requestsPerWindow: number
  /** GoLogin's window (60 s; tests shorten it, and the allowances with it). */
  windowMs?: number
  /** Allowance from a permit to the request's arrival at GoLogin (default 1/12 of the window: 5 s). */
  latencyMs?: number
  /** Allowance for the clocks of two hosts (default 1/30 of the window: 2 s). */
  skewMs?: number
  logger: Logger
  /** Database failures in a row before a request fails unsent (default 3, with a short back-off). */
  attempts?: number
}

export class SharedRequestBudget implements RequestBudget {
  private readonly store: RateLimiterPostgres
  private readonly windowMs: number
  private readonly latencyMs: number
  private readonly skewMs: number
  private readonly log: Logger
  /** One waiter of this host at a time asks the database; the others queue behind it, in order. */
  private readonly turn = new Semaphore(1)
  private requestsPerWindow: number
  private sizing: WindowSizing
  private waiting = 0
  private inFlight = 0
  private granted = 0
  private lateCharges = 0

  constructor(private readonly options: SharedRequestBudgetOptions) {
    this.windowMs = options.windowMs ?? 60_000
    const allowances = allowancesFor(this.windowMs)
    this.latencyMs = options.latencyMs ?? allowances.latencyMs
    this.skewMs = options.skewMs ?? allowances.skewMs
    this.log = options.logger
    this.requestsPerWindow = checkRate(options.requestsPerWindow)
    this.sizing = this.size(this.requestsPerWindow)
    this.store = new RateLimiterPostgres({
      storeClient: options.pool,
      storeType: 'pool',
      tableName: GOLOGIN_BUDGET_TABLE,
      // The table is the migrations' (0007), like every other table: the library must not make its own.
      tableCreated: true,
      // One row that is rewritten, never piles up: nothing to clear.
      clearExpiredByTimeout: false,
      keyPrefix: '',
      points: this.sizing.points,
      duration: this.sizing.durationMs / 1000,
    })
  }

  async acquire(signal?: AbortSignal): Promise<RequestDone> {
    signal?.throwIfAborted()
    this.waiting++
    try {
      const release = await acquireAbortable(this.turn, signal)
      try {
        await this.consume(signal)
      } finally {
        release()
      }
    } finally {
      this.waiting--
    }
    this.granted++
    this.inFlight++
    const grantedAt = performance.now()
    let finished = false
    return () => {
      if (finished) return
      finished = true
      this.inFlight--
      // Answered later than the sizing allows for: it may have reached GoLogin late too, so it counts again now.
      if (performance.now() - grantedAt > this.latencyMs) this.chargeLate()
    }
  }

  setRequestsPerWindow(requestsPerWindow: number): void {
    const rate = checkRate(requestsPerWindow)
    this.sizing = this.size(rate)
    this.requestsPerWindow = rate
    // The window under way keeps its length; its count is compared with the new points from now on.
    this.store.points = this.sizing.points
    this.store.duration = this.sizing.durationMs / 1000
  }

  figures(): RateLimiterFigures {
    const { durationMs, points, bound } = this.sizing
    return {
      requestsPerWindow: this.requestsPerWindow,
      windowMs: this.windowMs,
      waiting: this.waiting,
      held: this.inFlight,
      granted: this.granted,
      shared: { durationMs, points, bound, lateCharges: this.lateCharges },
    }
  }

  private size(rate: number): WindowSizing {
    const sizing = sizeFixedWindows({ requestsPerWindow: rate, windowMs: this.windowMs, latencyMs: this.latencyMs, skewMs: this.skewMs })
    const detail = { rate, windowMs: this.windowMs, ...sizing }
    if (sizing.bound > rate) {
      this.log.warn('gologin.budget.inexact', detail, `A shared budget of ${rate} request(s) per window may let ${sizing.bound} reach GoLogin in one window; choose at least 2`)
    } else {
      this.log.info('gologin.budget.sized', detail, `Shared GoLogin budget: ${sizing.points} request(s) per ${sizing.durationMs} ms window`)
    }
    return sizing
  }

  /** Takes one point of the shared window, waiting for the next window while this one is spent. */
  private async consume(signal?: AbortSignal): Promise<void> {
    const attempts = this.options.attempts ?? 3
    for (let failures = 0; ; ) {
      signal?.throwIfAborted()
      try {
        await this.store.consume(GOLOGIN_BUDGET_KEY, 1)
        return
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          // A little jitter so the hosts waiting on one window's end do not all ask in the same millisecond.
          await pause(Math.max(error.msBeforeNext, 1) + Math.random() * 5, signal)
          continue
        }
        if (++failures >= attempts) {
          this.log.error('gologin.budget.unreachable', { err: error, attempts }, 'The shared GoLogin request budget could not be read; the request was not sent')
          throw new GoLoginAPIException(503, 'The shared GoLogin request budget in the database could not be reached, so the request was not sent. Check the database connection.', {
            cause: error,
          })
        }
        await pause(100 * 2 ** failures, signal)
      }
    }
  }

  private chargeLate(): void {
    this.lateCharges++
    this.store.penalty(GOLOGIN_BUDGET_KEY, 1).catch((error: unknown) =>
      this.log.warn('gologin.budget.late_charge_failed', { err: error }, 'A slow GoLogin answer could not be counted again in the shared budget'),
    )
  }
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal })
  } catch (error) {
    throw signal?.aborted ? signal.reason : error
  }
}
