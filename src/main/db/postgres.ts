/**
 * PostgreSQL as the panel's database (`DATABASE_URL`): the same entities and migrations as SQLite, on a
 * connection pool. What this file evens out, once, so the services' SQL runs unchanged on both:
 * - `?` placeholders become `$1, $2, …` (strings, quoted names, comments and dollar quotes left alone);
 * - rows come back as SQLite's do: booleans 1/0, counts as numbers, times as ISO text, JSON as text;
 * - `query()` returns the rows for every statement (TypeORM returns `[rows, count]` for UPDATE/DELETE);
 * - sessions run in UTC, so the `YYYY-MM-DD HH:MM:SS.SSS` UTC text the code binds for times is read right;
 * - the entities' `datetime` columns are `timestamptz` and their `json` columns text holding JSON.
 */
import pg from 'pg'
import { DataSource, QueryFailedError, type QueryRunner } from 'typeorm'
import type { DataSourceOptions } from './data-source'
import { ENTITIES } from './entities'
import { MIGRATIONS } from './migrations'
import { SecretGuardSubscriber } from './secret-column'
import { TypeOrmLogAdapter } from './typeorm-logger'

const OID = { bool: 16, int8: 20, timestamp: 1114, timestamptz: 1184 } as const

const defaultTimestamptz = pg.types.getTypeParser(OID.timestamptz) as (text: string) => Date | string
const PG_TIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:\+00(?::?00)?)?$/

/** A `timestamptz` (or UTC `timestamp`) as ISO 8601 with milliseconds: what `isoFromSqlite` and `new Date()` read. */
export function isoFromPostgres(text: string): string {
  const utc = PG_TIME.exec(text)
  if (utc) return `${utc[1]}T${utc[2]}.${(utc[3] ?? '').slice(0, 3).padEnd(3, '0')}Z`
  const date = defaultTimestamptz(text)
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : text
}

const PARSERS: Partial<Record<number, (text: string) => unknown>> = {
  [OID.bool]: (text) => (text === 't' ? 1 : 0),
  [OID.int8]: (text) => Number(text),
  [OID.timestamptz]: isoFromPostgres,
  [OID.timestamp]: isoFromPostgres,
}

const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && PARSERS[oid] ? PARSERS[oid] : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
}

export interface PostgresOptions extends DataSourceOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number
  /** How long to wait for a connection (default 10 s). */
  connectTimeoutMs?: number
  /**
   * How long one statement may wait for its answer before its connection is dropped (default 30 s): a half-open
   * connection (a partition, a server that vanished) fails in seconds instead of hanging its caller for minutes.
   */
  queryTimeoutMs?: number
}

/** Client-side bound of one statement (the server's own `statement_timeout` is a little longer). */
export const DEFAULT_QUERY_TIMEOUT_MS = 30_000
/** TCP keepalive probes on every connection, so the kernel notices a dead peer of an idle connection too. */
const KEEPALIVE_DELAY_MS = 5_000

/** A TypeORM data source on PostgreSQL at `url` (`postgres://user:password@host:port/database`). */
export function createPostgresDataSource(url: string, options: PostgresOptions = {}): DataSource {
  const queryTimeout = options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: options.migrations ?? MIGRATIONS,
    subscribers: [SecretGuardSubscriber],
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    // citext is created by the migration that first needs it, inside its transaction.
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    connectTimeoutMS: options.connectTimeoutMs ?? 10_000,
    applicationName: 'gologin-panel',
    extra: {
      types: TYPES,
      options: sessionOptions(url, queryTimeout),
      query_timeout: queryTimeout,
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    },
    logger: options.log ? new TypeOrmLogAdapter(options.log) : undefined,
    logging: options.log ? ['warn', 'migration'] : false,
    maxQueryExecutionTime: 1_000,
  })
  patchDriver(dataSource)
  return dataSource
}

/**
 * The connection's startup options: the URL's own (`?options=…`), then UTC for the session's time zone, no JIT
 * (it spends ~300 ms compiling the token-export query, which then runs in ~150 ms), and a statement timeout a
 * little past the client's own (a statement stuck on a lock ends on the server too).
 */
function sessionOptions(url: string, queryTimeoutMs: number): string {
  let own = ''
  try {
    own = new URL(url).searchParams.get('options') ?? ''
  } catch {
    // An unparsable URL fails at connect with the driver's own message.
  }
  return `${own} -c TimeZone=UTC -c jit=off -c statement_timeout=${queryTimeoutMs + 5_000}`.trim()
}

type Driver = {
  createQueryRunner(mode: string): QueryRunner
  normalizeType(column: { type?: unknown }): string
  prepareHydratedValue(value: unknown, column: { type?: unknown }): unknown
}

function patchDriver(dataSource: DataSource): void {
  const driver = dataSource.driver as unknown as Driver
  const createQueryRunner = driver.createQueryRunner.bind(driver)
  driver.createQueryRunner = (mode) => numberedPlaceholders(createQueryRunner(mode))
  // The entities say `datetime` (SQLite's word); here it is a timestamptz.
  const normalizeType = driver.normalizeType.bind(driver)
  driver.normalizeType = (column) => (column.type === 'datetime' ? 'timestamp with time zone' : normalizeType(column))
  // Booleans arrive as 1/0 and JSON columns as text (see PARSERS): the entities still get booleans and values.
  const hydrate = driver.prepareHydratedValue.bind(driver)
  driver.prepareHydratedValue = (value, column) => {
    if (value !== null && value !== undefined) {
      if (column.type === 'boolean') value = Boolean(value)
      else if (column.type === 'json' && typeof value === 'string') value = JSON.parse(value)
    }
    return hydrate(value, column)
  }
}

/** Every statement of this runner with `?` placeholders numbered, and plain `query()` returning rows. */
function numberedPlaceholders(runner: QueryRunner): QueryRunner {
  const query = runner.query.bind(runner) as (sql: string, parameters?: unknown[], structured?: boolean) => Promise<{ records: unknown[] }>
  runner.query = (async (sql: string, parameters?: unknown[], structured?: boolean) => {
    try {
      const result = await query(numberPlaceholders(sql), parameters, true)
      return structured ? result : result.records
    } catch (error) {
      if (isReadTimeout(error)) dropConnection(runner)
      throw error
    }
  }) as QueryRunner['query']
  return runner
}

/** pg's `query_timeout` fired: the statement's answer never came. */
function isReadTimeout(error: unknown): boolean {
  const cause = (error as { driverError?: unknown }).driverError ?? error
  return cause instanceof Error && cause.message === 'Query read timeout'
}

/**
 * pg answers a timed-out statement with an error but keeps the connection, still waiting for that answer: the
 * pool would hand it out again and every later statement would hang behind it. Destroying its socket makes the
 * client emit an error, and TypeORM then releases it to the pool as broken (the pool discards it).
 */
function dropConnection(runner: QueryRunner): void {
  const client = (runner as unknown as { databaseConnection?: { on(event: 'error', listener: () => void): void; connection?: { stream?: { destroy(error?: Error): void } } } })
    .databaseConnection
  if (!client) return
  // Dropped on purpose: its late "terminated" error (after TypeORM let go of it) is expected, not a crash.
  client.on('error', () => undefined)
  client.connection?.stream?.destroy(new Error('PostgreSQL did not answer in time; the connection was dropped'))
}

/**
 * `?` → `$1, $2, …` outside string literals, quoted identifiers, comments and dollar-quoted bodies.
 * SQL already numbered (TypeORM's own) has no bare `?` and comes back unchanged.
 */
export function numberPlaceholders(sql: string): string {
  if (!sql.includes('?')) return sql
  let out = ''
  let n = 0
  let i = 0
  while (i < sql.length) {
    const ch = sql[i]
    const end = skipQuoted(sql, i)
    if (end > i) {
      out += sql.slice(i, end)
      i = end
    } else if (ch === '?') {
      out += `$${++n}`
      i++
    } else {
      out += ch
      i++
    }
  }
  return out
}

/** End of the literal, quoted name, comment or dollar quote starting at `i`; `i` when none starts there. */
function skipQuoted(sql: string, i: number): number {
  const ch = sql[i]
  if (ch === "'" || ch === '"') {
    // E'…' strings escape with backslashes; standard ones (and quoted names) double the quote.
    const backslashes = ch === "'" && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !/\w/.test(sql[i - 2] ?? '')
    let j = i + 1
    while (j < sql.length) {
      if (backslashes && sql[j] === '\\') j += 2
      else if (sql[j] === ch && sql[j + 1] === ch) j += 2
      else if (sql[j] === ch) return j + 1
      else j++
    }
    return sql.length
  }
  if (ch === '-' && sql[i + 1] === '-') {
    const newline = sql.indexOf('\n', i)
    return newline < 0 ? sql.length : newline + 1
  }
  if (ch === '/' && sql[i + 1] === '*') {
    const close = sql.indexOf('*/', i + 2)
    return close < 0 ? sql.length : close + 2
  }
  if (ch === '$') {
    const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))
    if (tag && !/\w/.test(sql[i - 1] ?? '')) {
      const close = sql.indexOf(tag[0], i + tag[0].length)
      return close < 0 ? sql.length : close + tag[0].length
    }
  }
  return i
}

const RETRYABLE = new Set(['40001', '40P01'])

/** A serialization failure or deadlock: the transaction changed nothing and can simply run again. */
export function isTransactionConflict(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false
  const code = (error.driverError as { code?: string } | undefined)?.code
  return code !== undefined && RETRYABLE.has(code)
}

/** `postgres://user@host:port/database` — the URL without its password or options, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : ''
    return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`
  } catch {
    return 'postgres://(unparsable URL)'
  }
}

/** The password inside a URL, if any (the log redacts it). */
export function passwordOf(url: string): string | null {
  try {
    const password = new URL(url).password
    return password ? decodeURIComponent(password) : null
  } catch {
    return null
  }
}

/**
 * A small pool of its own on the same PostgreSQL database as `dataSource` (same URL, session options and
 * type parsers), for queries that must not queue behind the panel's own (the shared GoLogin budget). The
 * caller ends it. `dataSource` must be initialized.
 */
export function sidePool(dataSource: DataSource, options: { max: number; applicationName: string; onError: (error: Error) => void; queryTimeoutMs?: number }): pg.Pool {
  const master = (dataSource.driver as unknown as { master?: { options?: pg.PoolConfig } }).master
  if (!master?.options) throw new Error('The PostgreSQL data source is not initialized')
  const pool = new pg.Pool({
    ...master.options,
    max: options.max,
    application_name: options.applicationName,
    ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs, options: withStatementTimeout(master.options.options, options.queryTimeoutMs) } : {}),
  })
  // An idle connection the server dropped must not bring the process down: the next query reconnects.
  pool.on('error', options.onError)
  guardConnections(pool)
  return pool
}

type GuardedPool = Pick<pg.Pool, 'on'> & { _clients?: Array<Pick<pg.PoolClient, 'on'>> }

/**
 * Every connection of `pool`, from now on and already open, keeps an 'error' listener of its own for its whole life.
 * pg reports a connection the server ended (a restart, a failover, pg_terminate_backend) as an 'error' event on it, and
 * pg-pool listens only while the connection is idle: ended while checked out, in the moment between a holder's own
 * listener going and the pool dropping it (seen twice in fenced-work runs, "Connection terminated unexpectedly" and
 * "terminating connection due to administrator command"), the event had no listener and ended the whole process. The
 * statements that used the connection fail as before and the pool drops it; only the crash is gone.
 */
export function guardConnections(pool: GuardedPool): void {
  const guard = (client: Pick<pg.PoolClient, 'on'>) => void client.on('error', () => undefined)
  for (const client of pool._clients ?? []) guard(client)
  pool.on('connect', guard)
}

/** The panel's own pool (TypeORM's) guarded as `guardConnections` says; call once the data source is initialized. */
export function guardDataSourceConnections(dataSource: DataSource): void {
  const master = (dataSource.driver as unknown as { master?: GuardedPool }).master
  if (master) guardConnections(master)
}

/** The startup options with this pool's own statement timeout (a little past its client-side timeout). */
function withStatementTimeout(options: string | undefined, queryTimeoutMs: number): string {
  return `${(options ?? '').replace(/-c statement_timeout=\d+/, '')} -c statement_timeout=${queryTimeoutMs + 2_000}`.replace(/\s+/g, ' ').trim()
}

/** Hosts that never leave this machine: a connection to them needs no TLS. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/i

/**
 * Why the connection to `url` cannot be trusted, or null: a server on another machine reached without TLS that checks
 * the server's certificate (`sslmode=verify-full`, with `sslrootcert` naming the server's CA) can be read and changed
 * on the way — what every host stores and reads, secrets' destinations included. A Unix socket or loopback is fine.
 */
export function transportWarning(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  const host = parsed.hostname || parsed.searchParams.get('host') || ''
  if (!host || host.startsWith('/') || LOOPBACK.test(host)) return null
  const mode = parsed.searchParams.get('sslmode')
  if (mode === 'verify-full') return null
  const where = `the shared database at ${host}`
  if (mode === 'verify-ca' || mode === 'require' || mode === 'prefer' || parsed.searchParams.get('ssl') === 'true')
    return `The connection to ${where} is encrypted but does not check the server's name (sslmode=${mode ?? 'ssl=true'}): use sslmode=verify-full with sslrootcert=<the server's CA file>.`
  return `The connection to ${where} is not encrypted: anyone on the network path can read and change what this panel stores and reads. Use sslmode=verify-full with sslrootcert=<the server's CA file>.`
}
