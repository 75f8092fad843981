/**
 * The "GoLogin revoked this token" stop, kept in the database (`gologin_token_stops`, migration 0007) so it
 * holds for every host and across restarts. A stop names the token by a fingerprint (never the token), when
 * it was seen and by which host. It is the token that is stopped: a new token (set in Settings on any host,
 * or by GOLOGIN_TOKEN) has another fingerprint and is not, which is how a new token clears the stop.
 *
 * PostgreSQL (`shared`): every check reads the row, one primary-key lookup per GoLogin request, because
 * another host may have written it a moment ago. SQLite (one host): the rows are read once, then this
 * process's own writes keep the copy in memory exact.
 */
import { createHash } from 'node:crypto'
import pRetry from 'p-retry'
import { isoFromSqlite, sqliteDateTime } from '../../db/sqlite-handle'
import type { Logger } from '../../logging/logger'

export const TOKEN_STOPS_TABLE = 'gologin_token_stops'

export interface TokenStop {
  fingerprint: string
  /** When the host saw GoLogin's refusal (ISO 8601). */
  stoppedAt: string
  /** Which host saw it. */
  hostId: string
  /** What GoLogin answered: 429 (rate limit) or 401 on a cloud-browser connect. */
  status: number
}

/** Runs one statement with `?` placeholders and answers its rows. */
export type SqlRun = (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>

/** What the GoLogin client asks before each request and tells after a refusal. */
export interface TokenStopGate {
  /** The stop recorded for this token by any host, or null. */
  check(token: string): Promise<TokenStop | null>
  /** Records that GoLogin refused this token (the first record wins); answers the stored stop. */
  report(token: string, status: number): Promise<TokenStop>
}

/** A short, one-way name for a token: enough to tell tokens apart, nothing to recover the token from. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update('gologin-panel/token/').update(token).digest('hex').slice(0, 16)
}

export interface TokenStopsOptions {
  run: SqlRun
  /** This host, as the stops it records name it. */
  hostId: string
  /** Several hosts write the table (PostgreSQL): read it on every check. */
  shared: boolean
  log: Logger
}

export class TokenStops implements TokenStopGate {
  /** SQLite: every stop, read once; this process is the only writer. */
  private cache: Promise<Map<string, TokenStop>> | null = null

  constructor(private readonly options: TokenStopsOptions) {}

  async check(token: string): Promise<TokenStop | null> {
    const fingerprint = tokenFingerprint(token)
    if (!this.options.shared) return (await this.cached()).get(fingerprint) ?? null
    return this.read(fingerprint)
  }

  async report(token: string, status: number): Promise<TokenStop> {
    const fingerprint = tokenFingerprint(token)
    const stop = await pRetry(
      async () => {
        await this.options.run(
          `INSERT INTO "${TOKEN_STOPS_TABLE}" ("token_fingerprint", "stopped_at", "host_id", "status") VALUES (?, ?, ?, ?) ON CONFLICT ("token_fingerprint") DO NOTHING`,
          [fingerprint, sqliteDateTime(new Date()), this.options.hostId, status],
        )
        const stored = await this.read(fingerprint)
        if (!stored) throw new Error('The token stop was not stored')
        return stored
      },
      { retries: 4, minTimeout: 50, maxTimeout: 1_000 },
    )
    if (!this.options.shared) (await this.cached()).set(fingerprint, stop)
    this.options.log.info('gologin.token_stop.recorded', { fingerprint, hostId: stop.hostId, status: stop.status }, `GoLogin token ${fingerprint} is stopped for every host`)
    return stop
  }

  private cached(): Promise<Map<string, TokenStop>> {
    this.cache ??= this.options.run(`SELECT * FROM "${TOKEN_STOPS_TABLE}"`, []).then((rows) => new Map(rows.map((row) => [String(row.token_fingerprint), toStop(row)])))
    // A failed first read is tried again at the next check.
    this.cache.catch(() => (this.cache = null))
    return this.cache
  }

  private async read(fingerprint: string): Promise<TokenStop | null> {
    const [row] = await this.options.run(`SELECT * FROM "${TOKEN_STOPS_TABLE}" WHERE "token_fingerprint" = ?`, [fingerprint])
    return row ? toStop(row) : null
  }
}

function toStop(row: Record<string, unknown>): TokenStop {
  return {
    fingerprint: String(row.token_fingerprint),
    stoppedAt: isoFromSqlite(row.stopped_at as string | Date | null) ?? String(row.stopped_at),
    hostId: String(row.host_id),
    status: Number(row.status),
  }
}

/** The sentence every panel shows: what GoLogin did, when, and which host saw it. */
export function describeStop(stop: TokenStop, thisHost: string): string {
  const who = stop.hostId === thisHost ? 'this host' : `host ${stop.hostId}`
  return `GoLogin answered ${stop.status} to ${who} at ${stop.stoppedAt}: the API token is revoked and every host has stopped calling GoLogin. Issue a new token in GoLogin and enter it in Settings.`
}
