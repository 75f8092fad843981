/**
 * Drain on every host of a database (issue 22, row 3): the Hosts page of any panel asks a host to finish what it runs
 * and claim nothing more (before maintenance), to stop as well once nothing runs (a worker), or to claim again.
 *
 * This host is drained at once (`DrainState`). Another host is asked through its `hosts` row: the request (the latest
 * one wins) waits there until that host takes it with its next heartbeat (`poll`, about every second), clearing it;
 * the host then says in its heartbeat that it drains, which every panel shows. A request found at a host's first look
 * after its start is dropped: a restarted host claims again. SQLite (one machine): this host only.
 */
import type pg from 'pg'
import type { DrainAction, HostDrainResult } from '../../../shared/contract/hosts'
import { DomainException, ValidationException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import type { DrainState } from './drain-state'

export interface DrainRequestsOptions {
  pool: pg.Pool
  hostId: string
  /** A host silent this long is offline: a request would wait for its next start, which drops it. */
  offlineMs: number
}

/** A request another panel wrote for this host. */
export interface TakenDrainRequest {
  action: DrainAction
  by: string | null
}

/** The `hosts` row's mailbox: written by any panel, taken by the host it names. */
export class DrainRequests {
  constructor(private readonly options: DrainRequestsOptions) {}

  /** Writes `action` for another host; refused for an unknown or offline host, and `drain_exit` for a host that is not a worker. */
  async request(hostId: string, action: DrainAction): Promise<void> {
    const { rows } = await this.options.pool.query<{ offline: boolean; summary: string | null }>(
      `SELECT heartbeat_at < clock_timestamp() - $2 * interval '1 millisecond' AS offline, summary FROM hosts WHERE host_id = $1`,
      [hostId, this.options.offlineMs],
    )
    if (!rows.length) throw new DomainException('NOT_FOUND', `No host ${hostId} in this database.`, { details: { hostId } })
    if (rows[0].offline) {
      throw new DomainException('CONFLICT', `Host ${hostId} is offline: it claims nothing now, and its next start claims again whatever is asked of it now.`, { details: { hostId } })
    }
    const kind = kindOf(rows[0].summary)
    if (action === 'drain_exit' && kind !== null && kind !== 'worker') {
      throw new ValidationException(`Host ${hostId} is a panel (${kind}): it cannot stop on its own; drain it instead.`, { hostId })
    }
    await this.options.pool.query(
      `UPDATE hosts SET drain_request = $2, drain_requested_at = clock_timestamp(), drain_requested_by = $3 WHERE host_id = $1`,
      [hostId, action, this.options.hostId],
    )
  }

  /** This host's pending request, taken (cleared), or null. */
  async take(): Promise<TakenDrainRequest | null> {
    const { rows } = await this.options.pool.query<{ drain_request: DrainAction; drain_requested_by: string | null }>(
      `UPDATE hosts h SET drain_request = NULL, drain_requested_at = NULL, drain_requested_by = NULL
        FROM (SELECT host_id, drain_request, drain_requested_by FROM hosts WHERE host_id = $1 AND drain_request IS NOT NULL FOR UPDATE) old
        WHERE h.host_id = old.host_id
        RETURNING old.drain_request, old.drain_requested_by`,
      [this.options.hostId],
    )
    return rows.length ? { action: rows[0].drain_request, by: rows[0].drain_requested_by } : null
  }
}

export interface HostDrainOptions {
  drain: DrainState
  hostId: string
  /** Whether this host stops once drained when asked to (a worker); a panel only drains. */
  canExit: boolean
  /** PostgreSQL: the `hosts` rows; null on SQLite (this host only). */
  requests: DrainRequests | null
  /** Authorizations this host runs now (for the messages). */
  running: () => number
  log: Logger
}

/** The `hosts:drain` action, and the tick's `poll` that applies what other panels asked of this host. */
export class HostDrain {
  private polled = false

  constructor(private readonly options: HostDrainOptions) {}

  async set(hostId: string, action: DrainAction): Promise<HostDrainResult> {
    const { options } = this
    if (hostId === options.hostId) {
      this.apply(action, null)
      return { hostId, action, outcome: 'applied', message: this.appliedMessage(action) }
    }
    if (!options.requests) throw new ValidationException('This panel runs on its own SQLite file: it is the only host, and only it can be drained.', { hostId })
    await options.requests.request(hostId, action)
    options.log.info('hosts.drain_requested', { hostId, action }, `Asked host ${hostId} to ${ACTION_WORDS[action]}`)
    const what = action === 'resume' ? 'claims work again' : `finishes what it runs and claims nothing more${action === 'drain_exit' ? ', then stops' : ''}`
    return { hostId, action, outcome: 'requested', message: `Asked ${hostId} to ${ACTION_WORDS[action]}: it ${what} once it takes the request with its next heartbeat (in a second or so).` }
  }

  /**
   * Takes and applies this host's pending request (the batch runner's tick, before its heartbeat). The first look
   * after a start drops what it finds: that was asked of the host's previous run (no clock of another host compared).
   */
  async poll(): Promise<void> {
    const taken = await this.options.requests?.take()
    const first = !this.polled
    this.polled = true
    if (!taken) return
    if (first) {
      this.options.log.info('hosts.drain_request_dropped', { action: taken.action, by: taken.by }, `A request to ${ACTION_WORDS[taken.action]} made before this host started was dropped`)
      return
    }
    this.apply(taken.action, taken.by)
  }

  private apply(action: DrainAction, by: string | null): void {
    const { drain, log } = this.options
    const from = by ? ` (asked by ${by})` : ''
    if (action === 'resume') {
      if (drain.isDraining()) log.info('hosts.drain_stopped', { by }, `This host claims work again${from}`)
      drain.stop()
      return
    }
    const exit = action === 'drain_exit' && this.options.canExit
    const was = drain.current()
    drain.start({ exitWhenEmpty: exit })
    if (!was.draining || (exit && !was.exitWhenEmpty)) {
      log.info('hosts.draining', { by, exitWhenEmpty: exit, running: this.options.running() }, `This host is draining${from}: it finishes its ${this.options.running()} running authorization(s) and claims nothing more${exit ? ', then stops' : ''}`)
    }
  }

  private appliedMessage(action: DrainAction): string {
    if (action === 'resume') return 'This host claims work again.'
    const running = this.options.running()
    const queued = this.options.requests ? 'Queued accounts stay queued for the other hosts.' : 'Queued accounts wait until you resume.'
    const stop = action === 'drain_exit' && this.options.canExit ? ', then stops' : ''
    return `This host is draining: it finishes its ${running} running authorization(s) and claims nothing more${stop}. ${queued}`
  }
}

const ACTION_WORDS: Record<DrainAction, string> = { drain: 'drain', drain_exit: 'drain and stop', resume: 'resume' }

/** The host's kind as its heartbeat says it (`summary.kind`), or null. */
function kindOf(summary: string | null): string | null {
  try {
    const parsed = summary ? (JSON.parse(summary) as { kind?: unknown }) : null
    return typeof parsed?.kind === 'string' ? parsed.kind : null
  } catch {
    return null
  }
}
