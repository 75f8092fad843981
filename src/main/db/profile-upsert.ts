import type { DataSource } from 'typeorm'
import { ValidationException } from '../../shared/errors'
import { databaseKind } from './dialect'
import type { MappingSource, ProfileMetadata } from './entities'
import { sqliteDateTime, sqliteHandle, type SqliteHandle, type SqliteStatement } from './sqlite-handle'
import { writeLockOf } from './write-lock'

export interface ProfileUpsertRow {
  /** GoLogin profile id (unique). */
  profileId: string
  profileName: string
  metadata?: ProfileMetadata | null
  isActive?: boolean
  /**
   * Username / API app and where they came from. Omitted: the stored mapping is left alone.
   * `pattern` (derived from GoLogin notes/name) never replaces an `import` or `edit` mapping;
   * `import` and `edit` always win. A null `apiApp` keeps the stored app.
   */
  mapping?: { twitterUsername: string | null; apiApp?: string | null; source: MappingSource }
}

export interface UpsertProfilesOptions {
  /** Stamped into `last_synced` of every row (a GoLogin sync); omitted for imports. */
  syncedAt?: Date
  /** Rows per statement and transaction (default 500 on SQLite, 1,000 on PostgreSQL; capped below the variable limit). */
  chunkSize?: number
  onProgress?: (done: number, total: number) => void
}

export interface UpsertProfilesResult {
  added: number
  /** Rows whose name, metadata, active flag or mapping changed. */
  updated: number
  /** Rows already stored exactly so (their `last_synced` may still move). */
  unchanged: number
}

const COLUMNS = [
  'profile_id',
  'profile_name',
  'twitter_username',
  'api_app',
  'mapping_source',
  'metadata',
  'is_active',
  'last_synced',
  'created_at',
  'updated_at',
] as const
/** PostgreSQL binds one array per column (unnest): the columns' element types. */
const ARRAY_TYPES: Record<(typeof COLUMNS)[number], string> = {
  profile_id: 'text',
  profile_name: 'text',
  twitter_username: 'citext',
  api_app: 'text',
  mapping_source: 'text',
  metadata: 'text',
  is_active: 'boolean',
  last_synced: 'timestamptz',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
}
/** SQLite: its default SQLITE_MAX_VARIABLE_NUMBER (since 3.32) bounds the rows per statement; PostgreSQL binds 11 arrays. */
const MAX_CHUNK = { sqlite: Math.floor((32_766 - 2) / COLUMNS.length), postgres: 10_000 } as const
const DEFAULT_CHUNK = { sqlite: 500, postgres: 2_000 } as const
/** A PostgreSQL upsert that wrote this many rows refreshes the planner's statistics of `profiles` (a first sync). */
const ANALYZE_AFTER_ROWS = 1_000

// Does this row's mapping replace the stored one? import/edit always; pattern only over pattern or nothing.
const TAKES_MAPPING = `(excluded.mapping_source IN ('import', 'edit')
  OR (excluded.mapping_source = 'pattern' AND (profiles.mapping_source IS NULL OR profiles.mapping_source = 'pattern')))`
const NEXT_APP = `COALESCE(excluded.api_app, profiles.api_app)`
// twitter_username compares without case here too (SQLite NOCASE column, PostgreSQL citext).
const DIFFERS = `(profiles.profile_name IS DISTINCT FROM excluded.profile_name
  OR profiles.metadata IS DISTINCT FROM excluded.metadata
  OR profiles.is_active IS DISTINCT FROM excluded.is_active
  OR (${TAKES_MAPPING} AND (profiles.twitter_username IS DISTINCT FROM excluded.twitter_username
    OR profiles.api_app IS DISTINCT FROM ${NEXT_APP} OR profiles.mapping_source IS DISTINCT FROM excluded.mapping_source)))`

/**
 * One multi-row upsert: SQLite binds the rows' values, PostgreSQL one array per column (`unnest`, a third
 * faster there than 10,000 values). Each written row returns ADDED, UPDATED or 0 (only `last_synced`
 * moved). A new row is told apart by its id above the largest before (SQLite, one writer), or on
 * PostgreSQL by `xmax = 0` (no earlier version of the row), which holds with other hosts inserting too.
 */
function upsertSql(rowCount: number, kind: 'sqlite' | 'postgres'): string {
  const tuple = `(${COLUMNS.map(() => '?').join(', ')})`
  const rows =
    kind === 'sqlite'
      ? `VALUES ${Array.from({ length: rowCount }, () => tuple).join(', ')}`
      : `SELECT * FROM unnest(${COLUMNS.map((column) => `?::${ARRAY_TYPES[column]}[]`).join(', ')})`
  return `INSERT INTO profiles (${COLUMNS.join(', ')}) ${rows}
    ON CONFLICT (profile_id) DO UPDATE SET
      profile_name = excluded.profile_name,
      metadata = excluded.metadata,
      is_active = excluded.is_active,
      twitter_username = CASE WHEN ${TAKES_MAPPING} THEN excluded.twitter_username ELSE profiles.twitter_username END,
      api_app = CASE WHEN ${TAKES_MAPPING} THEN ${NEXT_APP} ELSE profiles.api_app END,
      mapping_source = CASE WHEN ${TAKES_MAPPING} THEN excluded.mapping_source ELSE profiles.mapping_source END,
      last_synced = COALESCE(excluded.last_synced, profiles.last_synced),
      updated_at = CASE WHEN ${DIFFERS} THEN excluded.updated_at ELSE profiles.updated_at END
    WHERE ${DIFFERS} OR excluded.last_synced IS NOT NULL
    RETURNING CASE WHEN ${kind === 'sqlite' ? 'id > ?' : 'xmax = 0'} THEN ${ADDED} WHEN updated_at = ? THEN ${UPDATED} ELSE 0 END AS outcome`
}

const ADDED = 2
const UPDATED = 1

const statements = new WeakMap<SqliteHandle, Map<number, SqliteStatement>>()

function statementFor(db: SqliteHandle, rowCount: number): SqliteStatement {
  let byCount = statements.get(db)
  if (!byCount) statements.set(db, (byCount = new Map()))
  let statement = byCount.get(rowCount)
  // pluck: one number per written row (added / updated / only last_synced moved), no row objects.
  if (!statement) byCount.set(rowCount, (statement = db.prepare(upsertSql(rowCount, 'sqlite')).pluck()))
  return statement
}

/**
 * Inserts or updates GoLogin profiles by `profile_id`, tens of thousands at a time: one multi-row
 * `ON CONFLICT` statement per chunk, each chunk its own transaction (SQLite: a synchronous one on the raw
 * connection), and a turn of the event loop between chunks so IPC stays responsive. Counts what was
 * added, changed or already so.
 */
export async function upsertProfiles(
  dataSource: DataSource,
  rows: readonly ProfileUpsertRow[],
  options: UpsertProfilesOptions = {},
): Promise<UpsertProfilesResult> {
  const unique = dedupeByProfileId(rows)
  const kind = databaseKind(dataSource)
  const chunkSize = Math.max(1, Math.min(options.chunkSize ?? DEFAULT_CHUNK[kind], MAX_CHUNK[kind]))
  const stamp = nextStamp()
  const syncedAt = options.syncedAt ? sqliteDateTime(options.syncedAt) : null
  if (kind === 'postgres') return upsertOnPostgres(dataSource, unique, { chunkSize, stamp, syncedAt, onProgress: options.onProgress })
  const db = sqliteHandle(dataSource)
  const maxId = db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM profiles')
  const result: UpsertProfilesResult = { added: 0, updated: 0, unchanged: 0 }

  const writeChunk = db.transaction((chunk: ProfileUpsertRow[]) => {
    const before = (maxId.get() as { id: number }).id
    const params: unknown[] = []
    for (const row of chunk) pushParams(params, row, syncedAt, stamp)
    params.push(before, stamp)
    const outcomes = statementFor(db, chunk.length).all(...params) as number[]
    let added = 0
    let updated = 0
    for (const outcome of outcomes) {
      if (outcome === ADDED) added += 1
      else if (outcome === UPDATED) updated += 1
    }
    result.added += added
    result.updated += updated
    result.unchanged += chunk.length - added - updated
  })

  const lock = writeLockOf(dataSource)
  for (let start = 0; start < unique.length; start += chunkSize) {
    // Under the write lock: a chunk written while another caller's transaction is open would become a
    // savepoint of it and be undone by its rollback.
    await lock.exclusive(() => writeChunk(unique.slice(start, start + chunkSize)))
    options.onProgress?.(Math.min(start + chunkSize, unique.length), unique.length)
    if (start + chunkSize < unique.length) await new Promise((resolve) => setImmediate(resolve))
  }
  return result
}

/** PostgreSQL: each chunk is one statement (atomic by itself) on a pooled connection; no lock to take. */
async function upsertOnPostgres(
  dataSource: DataSource,
  unique: ProfileUpsertRow[],
  options: { chunkSize: number; stamp: string; syncedAt: string | null; onProgress?: (done: number, total: number) => void },
): Promise<UpsertProfilesResult> {
  const { chunkSize, stamp, syncedAt } = options
  const result: UpsertProfilesResult = { added: 0, updated: 0, unchanged: 0 }
  const sql = upsertSql(0, 'postgres')
  for (let start = 0; start < unique.length; start += chunkSize) {
    const chunk = unique.slice(start, start + chunkSize)
    const columns: unknown[][] = COLUMNS.map(() => new Array<unknown>(chunk.length))
    chunk.forEach((row, i) => rowParams(row, syncedAt, stamp).forEach((value, c) => (columns[c][i] = value)))
    const outcomes: Array<{ outcome: number }> = await dataSource.query(sql, [...columns, stamp])
    let changed = 0
    for (const { outcome } of outcomes) {
      if (outcome === ADDED) result.added += 1
      else if (outcome === UPDATED) result.updated += 1
      else continue
      changed += 1
    }
    result.unchanged += chunk.length - changed
    options.onProgress?.(Math.min(start + chunkSize, unique.length), unique.length)
  }
  // Autovacuum would analyze within a minute; the grid's first pages after a first sync should not wait for it.
  if (result.added + result.updated >= ANALYZE_AFTER_ROWS) await dataSource.query('ANALYZE profiles')
  return result
}

let lastStampMs = 0

/** This call's `updated_at`: strictly later than the previous call's, so "changed now" is unambiguous. */
function nextStamp(): string {
  lastStampMs = Math.max(Date.now(), lastStampMs + 1)
  return sqliteDateTime(new Date(lastStampMs))
}

function dedupeByProfileId(rows: readonly ProfileUpsertRow[]): ProfileUpsertRow[] {
  const byId = new Map<string, ProfileUpsertRow>()
  rows.forEach((row, index) => {
    if (!row || typeof row.profileId !== 'string' || row.profileId.trim() === '') {
      throw new ValidationException(`Profile row ${index + 1} has no GoLogin profile id`, { index })
    }
    // Last one wins, as if the rows had been written one after the other.
    byId.delete(row.profileId)
    byId.set(row.profileId, row)
  })
  return [...byId.values()]
}

function pushParams(params: unknown[], row: ProfileUpsertRow, syncedAt: string | null, stamp: string): void {
  params.push(...rowParams(row, syncedAt, stamp))
}

/** The row's values in the order of COLUMNS. */
function rowParams(row: ProfileUpsertRow, syncedAt: string | null, stamp: string): unknown[] {
  const mapping = row.mapping
  return [
    row.profileId,
    row.profileName ?? '',
    mapping ? normalizeUsername(mapping.twitterUsername) : null,
    mapping?.apiApp ?? null,
    mapping?.source ?? null,
    row.metadata ? metadataJson(row.metadata) : null,
    row.isActive === false ? 0 : 1,
    syncedAt,
    stamp,
    stamp,
  ]
}

/** `@Alice ` → `Alice`; empty → null. Lookups are case-insensitive (the column is NOCASE / citext). */
export function normalizeUsername(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null
  const trimmed = value.trim().replace(/^@+/, '')
  return trimmed === '' ? null : trimmed
}

/**
 * Keeps only the metadata the grid shows, always in the same key order (so equal metadata is equal
 * JSON in SQL); anything else, a proxy password above all, never reaches the database.
 */
function metadataJson(metadata: ProfileMetadata): string {
  const proxy = metadata.proxy
  return JSON.stringify({
    folder: metadata.folder,
    tags: metadata.tags,
    notes: metadata.notes,
    os: metadata.os,
    proxy: proxy ? { mode: proxy.mode, host: proxy.host, port: proxy.port, username: proxy.username, country: proxy.country } : proxy,
  })
}
