/**
 * GoLogin speed on the sandbox, with the rate limiter set high enough not to throttle:
 * - `gologin.list40k.*`: listing 40,000 profiles (1,334 pages) through the real API client;
 * - `gologin.sync40k.*`: the same through `GoLoginService.syncProfiles` into SQLite (upsert per page,
 *   pattern mapping, deactivation pass);
 * - `profiles.list40k.ms`: the grid's `profiles:list` for all 40,000 rows in pages of 5,000, with
 *   two authorization attempts per profile in `authorization_sessions` (median of 5 runs);
 *   `profiles.page5k.ms` the median of those pages (one grid page);
 * - on PostgreSQL, `pg.gologin.sync40k.raw_ms`: the physical anchor of the sync, the listing alone plus every
 *   statement the sync sent, replayed by the bare `pg` driver on a fresh database (each on its own connection
 *   as the sync ran it, one after the other), and the sync's ratio to it.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { SETTING_DEFS } from '../../src/shared/contract/settings'
import { sqliteDateTime, type Database } from '../../src/main/db'
import { EventHub } from '../../src/main/ipc/event-hub'
import { LogSystem } from '../../src/main/logging/logger'
import { GoLoginService } from '../../src/main/services/gologin/gologin-service'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../src/main/sandbox/gologin'
import { GoLoginApiClient } from '../../src/main/services/gologin/api-client'
import { MAX_REQUESTS_PER_WINDOW } from '../../src/main/services/gologin/rate-limiter'
import type { GoLoginProfilePage } from '../../src/main/services/gologin/types'
import { ADMIN_URL, BENCH_ON_POSTGRES, insertRows, onThisDatabase, withBenchDatabase } from './database'
import { benchmark, median, round, type Metrics } from './harness'

export const BENCH_PROFILE_COUNT = 40_000

/** Runs `fn` with a sandbox of `profiles` profiles and a client allowed to go as fast as it can. */
export async function withBenchGoLoginClient<T>(
  profiles: number,
  fn: (client: GoLoginApiClient, sandbox: GoLoginSandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await startGoLoginSandbox({ profiles, rateLimit: { max: 1_000_000, windowMs: 60_000 } })
  try {
    const client = new GoLoginApiClient({
      apiUrl: sandbox.apiUrl,
      token: sandbox.token,
      requestsPerMinute: MAX_REQUESTS_PER_WINDOW,
      logger: new LogSystem({ dir: null, level: 'warn' }).logger('bench'),
    })
    return await fn(client, sandbox)
  } finally {
    await sandbox.close()
  }
}

export interface ListingResult {
  ms: number
  pages: number
  profiles: number
  rowsPerSecond: number
}

/** Lists every profile page by page, handing each page to `onPage` (a sync writes it there). */
export async function benchGoLoginListing(
  profiles = BENCH_PROFILE_COUNT,
  onPage: (page: GoLoginProfilePage) => Promise<void> | void = () => {},
): Promise<ListingResult> {
  return withBenchGoLoginClient(profiles, async (client) => {
    let pages = 0
    let rows = 0
    const started = performance.now()
    for await (const page of client.pages()) {
      pages++
      rows += page.profiles.length
      await onPage(page)
    }
    const ms = performance.now() - started
    if (rows !== profiles) throw new Error(`listed ${rows} profiles instead of ${profiles}`)
    return { ms, pages, profiles: rows, rowsPerSecond: (rows / ms) * 1000 }
  })
}

export async function run(): Promise<Metrics> {
  // The listing touches no database: measured on the SQLite run only.
  const listing: Metrics = {}
  if (!BENCH_ON_POSTGRES) {
    const result = await benchGoLoginListing()
    listing['gologin.list40k.ms'] = { value: result.ms, unit: 'ms' }
    listing['gologin.list40k.rows_per_s'] = { value: result.rowsPerSecond, unit: 'rows/s' }
  }
  const db = await benchSyncAndList()
  const anchor: Metrics = {}
  if (db.statements) {
    const listMs = (await benchGoLoginListing()).ms
    const rawMs = listMs + (await replayRaw(db.statements))
    anchor['gologin.sync40k.raw_ms'] = { value: round(rawMs), unit: 'ms' }
    anchor['gologin.sync40k.ratio_to_raw'] = { value: Math.round((db.syncMs / rawMs) * 100) / 100, unit: 'x' }
    anchor['gologin.sync40k.statements'] = { value: db.statements.length, unit: 'count' }
  }
  return {
    ...listing,
    ...onThisDatabase({
      'gologin.sync40k.ms': { value: round(db.syncMs), unit: 'ms' },
      'gologin.sync40k.rows_per_s': { value: Math.round((BENCH_PROFILE_COUNT / db.syncMs) * 1000), unit: 'rows/s' },
      ...anchor,
      'profiles.list40k.ms': { value: round(db.listMs), unit: 'ms' },
      'profiles.page5k.ms': { value: round(db.pageMs), unit: 'ms' },
    }),
  }
}

/** A statement the sync sent on PostgreSQL: which connection, the SQL and its parameters. */
interface SentStatement {
  connection: number
  text: string
  values: unknown[] | undefined
}

/** Runs `work`, recording every statement any `pg` connection of this process sends meanwhile. */
async function recordStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: SentStatement[] }> {
  const statements: SentStatement[] = []
  const connections = new WeakMap<object, number>()
  let nextConnection = 0
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const original = proto.query
  proto.query = function (this: object, ...args: unknown[]) {
    const [config, values] = args as [unknown, unknown]
    const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text
    if (typeof text === 'string') {
      if (!connections.has(this)) connections.set(this, nextConnection++)
      const given = Array.isArray(values) ? values : (config as { values?: unknown[] }).values
      statements.push({ connection: connections.get(this)!, text, values: given })
    }
    return original.apply(this, args)
  }
  try {
    return { result: await work(), statements }
  } finally {
    proto.query = original
  }
}

/** Replays `statements` with bare `pg` clients on a fresh, migrated database; the time of the statements alone. */
async function replayRaw(statements: readonly SentStatement[]): Promise<number> {
  return withBenchDatabase(async (db) => {
    const url = new URL(ADMIN_URL)
    const [{ name }] = (await db.dataSource.query('SELECT current_database() AS name')) as Array<{ name: string }>
    url.pathname = `/${name}`
    const clients = new Map<number, pg.Client>()
    try {
      for (const { connection } of statements) {
        if (clients.has(connection)) continue
        const client = new pg.Client({ connectionString: url.toString(), options: '-c TimeZone=UTC -c jit=off' })
        await client.connect()
        clients.set(connection, client)
      }
      const started = performance.now()
      for (const { connection, text, values } of statements) await clients.get(connection)!.query(text, values)
      return performance.now() - started
    } finally {
      await Promise.all([...clients.values()].map((client) => client.end()))
    }
  })
}

const LIST_PAGE = 5_000
const LIST_REPEATS = 5

/** Syncs 40,000 sandbox profiles into a fresh database, adds sessions, then times the grid's list. */
async function benchSyncAndList(): Promise<{ syncMs: number; listMs: number; pageMs: number; statements: SentStatement[] | null }> {
  return withBenchGoLoginClient(BENCH_PROFILE_COUNT, (client) =>
    withBenchDatabase(async (db) => {
      const logs = new LogSystem({ dir: null, level: 'warn' })
      const events = new EventHub()
      const service = new GoLoginService({
        client,
        database: db,
        settings: { get: () => SETTING_DEFS.usernamePattern.default },
        apiApps: { list: async () => [{ name: 'AIOTT1' }, { name: 'AIOTT2' }] },
        events,
        logger: logs.logger('bench'),
      })
      const started = performance.now()
      const sync = () => service.syncProfiles()
      const { result: outcome, statements } = db.kind === 'postgres' ? await recordStatements(sync) : { result: await sync(), statements: null }
      const syncMs = performance.now() - started
      if (outcome.added !== BENCH_PROFILE_COUNT) throw new Error(`sync added ${outcome.added} profiles instead of ${BENCH_PROFILE_COUNT}`)

      await insertSessions(db, 2)
      const runs: number[] = []
      const pages: number[] = []
      for (let i = 0; i < LIST_REPEATS; i++) {
        const begin = performance.now()
        let rows = 0
        for (let cursor: number | null = 0; cursor !== null; ) {
          const pageStarted = performance.now()
          const page = await service.listProfiles({ cursor, limit: LIST_PAGE })
          pages.push(performance.now() - pageStarted)
          rows += page.rows.length
          cursor = page.nextCursor
        }
        runs.push(performance.now() - begin)
        if (rows !== BENCH_PROFILE_COUNT) throw new Error(`profiles:list returned ${rows} rows`)
      }
      await service.close()
      events.close()
      return { syncMs, listMs: median(runs), pageMs: median(pages), statements }
    }),
  )
}

/** `perProfile` attempts for every profile's account: a failure, then a success with a token (as after a retry). */
async function insertSessions(db: Database, perProfile: number): Promise<void> {
  const profiles = (await db.dataSource.query('SELECT profile_id, twitter_username FROM profiles ORDER BY id')) as Array<{ profile_id: string; twitter_username: string | null }>
  const now = Date.now()
  const rows: unknown[][] = []
  for (let attempt = 0; attempt < perProfile; attempt++) {
    const last = attempt === perProfile - 1
    const at = sqliteDateTime(new Date(now - (perProfile - attempt) * 60_000))
    for (const { profile_id: id, twitter_username: username } of profiles) {
      rows.push([randomUUID(), id, username, 'AIOTT1', last ? 'completed' : 'failed', last ? null : 'X_LOGGED_OUT', at, at, last ? sqliteDateTime(new Date(now + 7_200_000)) : null, last ? 'valid' : null])
    }
  }
  await insertRows(db, 'authorization_sessions', ['session_id', 'profile_id', 'twitter_username', 'api_app', 'status', 'error_code', 'created_at', 'completed_at', 'expires_at', 'token_status'], rows)
  // PostgreSQL plans the grid's joins from statistics: give it those of the seeded table, as autovacuum would.
  if (db.kind === 'postgres') await db.dataSource.query('ANALYZE')
}

benchmark('gologin', run)
