/**
 * PostgreSQL: the ids of the sessions any host changes, as they commit. A dedicated connection `LISTEN`s on the
 * channel the trigger of migration 0012 notifies; when that connection drops (a restart of the server, a partition)
 * it comes back with growing pauses, and its first act is a catch-up read of the sessions stamped (`updated_at`)
 * since the last moment it was known to be listening, so no change is missed while it was away.
 */
import type pg from 'pg'
import type { DataSource } from 'typeorm'
import type { Logger } from '../logging/logger'
import { SESSION_CHANGES_CHANNEL } from './migrations/0012-session-notify'
import { sidePool } from './postgres'

export interface SessionChangesOptions {
  dataSource: DataSource
  /** Receives changed session ids (in bursts; an id may come twice). */
  onChanged: (sessionIds: readonly string[]) => void
  log: Logger
  /** How often the listening connection proves itself alive and moves the catch-up mark (default 10 s). */
  heartbeatMs?: number
  /** Pauses between reconnects, doubling from the first to the last (default 250 ms … 10 s). */
  backoff?: { firstMs: number; maxMs: number }
}

/** Transactions commit after they stamp `updated_at`: the catch-up reaches back this far past the mark. */
const CATCH_UP_MARGIN_SECONDS = 60
const CATCH_UP_LIMIT = 50_000

export class SessionChanges {
  private readonly pool: pg.Pool
  private client: pg.PoolClient | null = null
  /** Server time up to which every change was seen (null: nothing to catch up yet). */
  private seenUntil: string | null = null
  private heartbeat: NodeJS.Timeout | null = null
  private retry: { timer: NodeJS.Timeout; wake: () => void } | null = null
  private pauseMs: number
  private closed = false
  private running: Promise<void> = Promise.resolve()

  constructor(private readonly options: SessionChangesOptions) {
    this.pauseMs = this.backoff.firstMs
    this.pool = sidePool(options.dataSource, {
      max: 1,
      applicationName: 'gologin-panel/session-changes',
      queryTimeoutMs: 5_000,
      onError: (error) => options.log.warn('sessions.listen.connection_lost', { err: error }),
    })
  }

  /** Resolves once listening, or once the first attempt failed (it keeps trying in the background). */
  async start(): Promise<void> {
    try {
      await this.connect()
    } catch (error) {
      this.retrying(error)
      this.running = this.connectLoop()
    }
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.heartbeat) clearInterval(this.heartbeat)
    if (this.retry) {
      clearTimeout(this.retry.timer)
      this.retry.wake()
    }
    await this.running.catch(() => undefined)
    this.drop(this.client)
    await this.pool.end().catch(() => undefined)
  }

  private get backoff() {
    return this.options.backoff ?? { firstMs: 250, maxMs: 10_000 }
  }

  /** Reconnects with growing pauses until listening again (or closed). */
  private async connectLoop(): Promise<void> {
    while (!this.closed && !this.client) {
      await this.pause(this.pauseMs)
      if (this.closed) break
      this.pauseMs = Math.min(this.pauseMs * 2, this.backoff.maxMs)
      try {
        await this.connect()
        this.pauseMs = this.backoff.firstMs
      } catch (error) {
        if (!this.closed) this.retrying(error)
      }
    }
  }

  private retrying(error: unknown): void {
    this.options.log.warn('sessions.listen.failed', { err: error, retryMs: this.pauseMs }, 'Could not follow other hosts’ session changes; trying again')
  }

  private async connect(): Promise<void> {
    const client = await this.pool.connect()
    // A checked-out client's errors come here (the pool's handler sees idle ones only).
    client.on('error', (error) => this.lost(client, error))
    client.on('end', () => this.lost(client, new Error('The listening connection ended')))
    client.on('notification', (message) => {
      if (message.channel === SESSION_CHANGES_CHANNEL && message.payload) this.options.onChanged([message.payload])
    })
    try {
      await client.query(`LISTEN ${SESSION_CHANGES_CHANNEL}`)
      const now = await this.serverNow(client)
      if (this.seenUntil !== null) await this.catchUp(client, this.seenUntil)
      this.seenUntil = now
    } catch (error) {
      this.drop(client)
      throw error
    }
    if (this.closed) return this.drop(client)
    this.client = client
    this.heartbeat = setInterval(() => void this.beat(client), this.options.heartbeatMs ?? 10_000)
    this.heartbeat.unref?.()
  }

  /** Every session stamped since `since` (less the margin) is announced as changed. */
  private async catchUp(client: pg.PoolClient, since: string): Promise<void> {
    const result = await client.query<{ session_id: string }>(
      `SELECT session_id FROM authorization_sessions WHERE updated_at > $1::timestamptz - make_interval(secs => $2) ORDER BY updated_at LIMIT $3`,
      [since, CATCH_UP_MARGIN_SECONDS, CATCH_UP_LIMIT],
    )
    this.options.log.info('sessions.listen.caught_up', { changed: result.rows.length }, `Following other hosts’ sessions again (${result.rows.length} changed meanwhile)`)
    if (result.rows.length) this.options.onChanged(result.rows.map((row) => row.session_id))
  }

  /** Proves the connection alive (a half-open one fails here) and moves the catch-up mark. */
  private async beat(client: pg.PoolClient): Promise<void> {
    if (this.client !== client) return
    try {
      this.seenUntil = await this.serverNow(client)
    } catch (error) {
      this.lost(client, error)
    }
  }

  private async serverNow(client: pg.PoolClient): Promise<string> {
    const result = await client.query<{ now: string | Date }>('SELECT clock_timestamp() AS now')
    const now = result.rows[0].now
    return now instanceof Date ? now.toISOString() : now
  }

  private lost(client: pg.PoolClient, error: unknown): void {
    if (this.client !== client) return
    this.client = null
    if (this.heartbeat) clearInterval(this.heartbeat)
    this.heartbeat = null
    this.drop(client)
    if (this.closed) return
    this.options.log.warn('sessions.listen.lost', { err: error }, 'Lost the connection that follows other hosts’ sessions; reconnecting')
    this.running = this.connectLoop()
  }

  private drop(client: pg.PoolClient | null): void {
    if (!client) return
    if (this.client === client) this.client = null
    client.removeAllListeners('notification')
    // Its late errors (a socket already gone) are expected now.
    client.on('error', () => undefined)
    try {
      client.release(true)
    } catch {
      // Released already.
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.retry = null
        resolve()
      }, ms)
      this.retry = { timer, wake: resolve }
    })
  }
}
