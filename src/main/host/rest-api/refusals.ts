/**
 * Refused requests stay cheap and bounded: a client whose requests keep failing authentication is answered 429
 * before any key lookup reaches the database, and refusals are logged one line per client per minute with a
 * count, so a flood of bad keys can neither load the shared database nor rotate the audit trail away.
 */
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { Logger } from '../../logging/logger'

export interface AuthFailureLimit {
  /** Requests without a valid API key allowed per client address and window. */
  max: number
  windowMs: number
}

export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 20, windowMs: 60_000 }

/** Counts each client address's requests that failed authentication, in memory (no database involved). */
export class AuthFailureLimiter {
  private readonly limiter: RateLimiterMemory

  constructor(readonly limit: AuthFailureLimit = DEFAULT_AUTH_FAILURE_LIMIT) {
    this.limiter = new RateLimiterMemory({ points: limit.max, duration: Math.max(1, Math.ceil(limit.windowMs / 1000)) })
  }

  /** Milliseconds until the address may try again when it has used up its failures, else null. */
  async blockedFor(address: string): Promise<number | null> {
    const state = await this.limiter.get(address)
    return state && state.consumedPoints >= this.limit.max ? Math.max(1, state.msBeforeNext) : null
  }

  /** Counts one failure of the address. */
  async failed(address: string): Promise<void> {
    await this.limiter.consume(address).catch((result: unknown) => {
      if (!(result instanceof RateLimiterRes)) throw result
    })
  }
}

export interface RefusalLogOptions {
  log: Logger
  /** At most one line per client and window (default one minute). */
  windowMs?: number
  /** Clients remembered at once; beyond it the oldest are logged and forgotten. */
  maxClients?: number
  now?: () => number
}

interface Pending {
  loggedAt: number
  /** Refusals since the last line. */
  count: number
  fields: Record<string, unknown>
}

/**
 * Logs refusals (401, 429) sampled per client: the first refusal in a window is logged at once, the rest are
 * counted and reported by the client's next line (at the next refusal after the window, or by `flush`).
 */
export class RefusalLog {
  private readonly clients = new Map<string, Pending>()
  private readonly windowMs: number
  private readonly maxClients: number
  private readonly timer: NodeJS.Timeout

  constructor(private readonly options: RefusalLogOptions) {
    this.windowMs = options.windowMs ?? 60_000
    this.maxClients = options.maxClients ?? 10_000
    this.timer = setInterval(() => this.flush(false), this.windowMs)
    this.timer.unref()
  }

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }

  /** One refusal of `client` (an address or a key id); `fields` describe it (method, route, status…). */
  refused(client: string, fields: Record<string, unknown>): void {
    const now = this.now()
    const pending = this.clients.get(client)
    if (pending && now - pending.loggedAt < this.windowMs) {
      pending.count += 1
      pending.fields = fields
      return
    }
    if (pending) this.clients.delete(client)
    this.write(client, { loggedAt: now, count: (pending?.count ?? 0) + 1, fields })
    if (this.clients.size >= this.maxClients) this.evictOldest()
    this.clients.set(client, { loggedAt: now, count: 0, fields })
  }

  /** Reports the counts not logged yet (all of them with `all`, else those whose window has passed). */
  flush(all = true): void {
    const now = this.now()
    for (const [client, pending] of this.clients) {
      if (!all && now - pending.loggedAt < this.windowMs) continue
      this.clients.delete(client)
      if (pending.count > 0) this.write(client, pending)
    }
  }

  close(): void {
    clearInterval(this.timer)
    this.flush()
  }

  private evictOldest(): void {
    const [client, pending] = this.clients.entries().next().value as [string, Pending]
    this.clients.delete(client)
    if (pending.count > 0) this.write(client, pending)
  }

  private write(client: string, pending: Pending): void {
    const message =
      pending.count > 1
        ? `${pending.count} requests from ${client} refused in the last minute`
        : `A request from ${client} was refused; more refusals from it this minute are counted, not logged`
    this.options.log.warn('rest.rejected', { ...pending.fields, client, count: pending.count }, message)
  }
}
