/**
 * Where raised alerts wait for the sender. SQLite (one host): in this process, in order. PostgreSQL (several hosts of
 * one database): every host writes its alerts to `alert_outbox` (migration 0015); the host holding the sender's
 * session advisory lock — one at a time, taken over within a poll when its holder dies and its connection with it —
 * reads them in order, sends them and deletes them. A new row is announced with NOTIFY, so the sender need not wait
 * for its next poll. The repeat window is the sender's, so an alert that several hosts raise (the fleet's failure
 * rate, a GoLogin stop every host adopts) goes out once.
 */
import type pg from 'pg'
import type { DataSource } from 'typeorm'
import { hostLockKey } from '../../db/host-lock'
import { ALERT_OUTBOX_CHANNEL } from '../../db/migrations/0015-alert-outbox'
import { sidePool } from '../../db/postgres'
import type { Logger } from '../../logging/logger'
import type { DispatchOutcome } from './alert-dispatcher'
import type { AlertEvent } from './webhook-payloads'

export interface AlertQueue {
  push(event: AlertEvent): Promise<void>
  start(): Promise<void>
  /** Stops sending; what is being sent finishes first. */
  close(): Promise<void>
}

export type SendAlert = (event: AlertEvent) => Promise<DispatchOutcome>

/** SQLite: one host, so it sends what it raises, one alert after the other. */
export class LocalAlertQueue implements AlertQueue {
  private chain: Promise<void> = Promise.resolve()
  private closed = false

  constructor(private readonly options: { send: SendAlert; log: Logger }) {}

  push(event: AlertEvent): Promise<void> {
    if (this.closed) return Promise.resolve()
    this.chain = this.chain.then(() => this.options.send(event).then(() => undefined, (error: unknown) => this.options.log.warn('alerts.dispatch_failed', { key: event.key, err: error })))
    return Promise.resolve()
  }

  start(): Promise<void> {
    return Promise.resolve()
  }

  async close(): Promise<void> {
    this.closed = true
    await this.chain
  }
}

export interface PostgresAlertOutboxOptions {
  dataSource: DataSource
  hostId: string
  send: SendAlert
  log: Logger
  /** How often a host that is not the sender tries to become it, and the sender looks for missed rows (default 2 s). */
  pollMs?: number
}

/** One lock for the fleet: whoever holds it sends. */
const SENDER_LOCK = hostLockKey('alertSender')
const BATCH = 50

export class PostgresAlertOutbox implements AlertQueue {
  private readonly pool: pg.Pool
  /** The connection holding the sender's lock (and listening), while this host is the sender. */
  private sender: pg.PoolClient | null = null
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private again = false
  private closed = false

  constructor(private readonly options: PostgresAlertOutboxOptions) {
    this.pool = sidePool(options.dataSource, {
      max: 2,
      applicationName: 'gologin-panel/alerts',
      queryTimeoutMs: 10_000,
      onError: (error) => options.log.warn('alerts.connection_lost', { err: error }),
    })
  }

  get isSender(): boolean {
    return this.sender !== null
  }

  async push(event: AlertEvent): Promise<void> {
    if (this.closed) return
    try {
      await this.pool.query(`WITH added AS (INSERT INTO alert_outbox (event_key, event, host_id) VALUES ($1, $2, $3) RETURNING id) SELECT pg_notify('${ALERT_OUTBOX_CHANNEL}', '') FROM added`, [
        event.key,
        JSON.stringify(event),
        this.options.hostId,
      ])
    } catch (error) {
      this.options.log.warn('alerts.outbox_write_failed', { key: event.key, err: error }, `Alert “${event.title}” could not be handed to the sending host`)
    }
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.kick(), this.options.pollMs ?? 2_000)
    this.timer.unref()
    this.kick()
    await this.running
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearInterval(this.timer)
    await this.running?.catch(() => undefined)
    this.drop()
    await this.pool.end().catch(() => undefined)
  }

  /** Runs a pass now, or once more after the running one. */
  private kick(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = (async () => {
      do {
        this.again = false
        await this.pass().catch((error: unknown) => {
          this.options.log.warn('alerts.outbox_failed', { err: error }, 'Alerts could not be read from the shared database; trying again')
          this.drop()
        })
      } while (this.again && !this.closed)
    })().finally(() => (this.running = null))
  }

  private async pass(): Promise<void> {
    if (!this.sender && !(await this.elect())) return
    const sender = this.sender!
    for (;;) {
      if (this.closed) return
      const { rows } = await sender.query<{ id: string; event: string }>(`SELECT id, event FROM alert_outbox ORDER BY id LIMIT ${BATCH}`)
      if (!rows.length) return
      for (const row of rows) {
        if (this.closed) return
        const outcome = await this.options.send(JSON.parse(row.event) as AlertEvent).catch((error: unknown) => this.options.log.warn('alerts.dispatch_failed', { err: error }))
        // Stopping cut the sending short: the row stays for the next sender.
        if (outcome === 'interrupted') return
        await sender.query(`DELETE FROM alert_outbox WHERE id = $1`, [row.id])
      }
    }
  }

  /** Takes the sender's lock if no host holds it; true when this host is the sender now. */
  private async elect(): Promise<boolean> {
    const client = await this.pool.connect()
    let keep = false
    try {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS locked`, [...SENDER_LOCK])
      if (!rows[0]?.locked) return false
      await client.query(`LISTEN ${ALERT_OUTBOX_CHANNEL}`)
      client.on('notification', () => this.kick())
      client.on('error', (error) => {
        this.options.log.warn('alerts.sender_connection_lost', { err: error })
        this.drop()
      })
      this.sender = client
      keep = true
      this.options.log.info('alerts.sender', { hostId: this.options.hostId }, 'This host sends the alerts of every host')
      return true
    } finally {
      if (!keep) client.release()
    }
  }

  /** Lets go of the sender's connection (its lock goes with it). */
  private drop(): void {
    const sender = this.sender
    this.sender = null
    sender?.removeAllListeners('notification')
    sender?.release(true)
  }
}
