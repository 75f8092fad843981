import { sqliteDateTime, sqliteHandle, upsertProfiles, type Database, type ProfileUpsertRow } from '../../src/main/db'
import { BENCH_ON_POSTGRES, onThisDatabase, withBenchDatabase } from './database'
import { benchmark, median, round, type Metrics } from './harness'

const ROWS = 40_000
/** Rows per statement: `upsertProfiles`' own default on each database (SQLite 500, PostgreSQL 1,000). */
const CHUNK = BENCH_ON_POSTGRES ? 1_000 : 500
const REPEATS = 3

/**
 * Upsert of 40,000 GoLogin profiles through `upsertProfiles` (chunked transactions, counts, event
 * loop yields) versus the same rows written by a bare multi-row ON CONFLICT statement in one
 * transaction (better-sqlite3, or one PostgreSQL connection). Each figure is the median of fresh
 * databases. Target: ratio ≤ 2.0.
 */
export async function run(): Promise<Metrics> {
  const rows = profileRows(ROWS)
  const ours: number[] = []
  const rerun: number[] = []
  const raw: number[] = []
  for (let i = 0; i < REPEATS; i++) {
    await withBenchDatabase(async (db) => {
      const started = performance.now()
      const result = await upsertProfiles(db.dataSource, rows, { syncedAt: new Date(), chunkSize: CHUNK })
      ours.push(performance.now() - started)
      if (result.added !== ROWS) throw new Error(`expected ${ROWS} added, got ${JSON.stringify(result)}`)
      const again = performance.now()
      const second = await upsertProfiles(db.dataSource, rows, { syncedAt: new Date(), chunkSize: CHUNK })
      rerun.push(performance.now() - again)
      if (second.unchanged !== ROWS) throw new Error(`expected ${ROWS} unchanged, got ${JSON.stringify(second)}`)
    })
    await withBenchDatabase(async (db) => {
      const started = performance.now()
      await rawUpsert(db, rows)
      raw.push(performance.now() - started)
      const [{ n }] = await db.dataSource.query('SELECT COUNT(*) AS n FROM profiles')
      if (n !== ROWS) throw new Error(`raw upsert stored ${n} rows`)
    })
  }
  const oursMs = median(ours)
  const rawMs = median(raw)
  return onThisDatabase({
    'db.upsert40k.ms': { value: round(oursMs), unit: 'ms' },
    'db.upsert40k.raw_ms': { value: round(rawMs), unit: 'ms' },
    'db.upsert40k.ratio': { value: Math.round((oursMs / rawMs) * 100) / 100, unit: 'x' },
    'db.upsert40k.unchanged_rerun_ms': { value: round(median(rerun)), unit: 'ms' },
  })
}

const COLUMNS = ['profile_id', 'profile_name', 'twitter_username', 'api_app', 'mapping_source', 'metadata', 'is_active', 'last_synced', 'created_at', 'updated_at']
const rawSql = (count: number) => `INSERT INTO profiles (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: count }, () => `(${COLUMNS.map(() => '?').join(', ')})`).join(', ')}
   ON CONFLICT (profile_id) DO UPDATE SET profile_name = excluded.profile_name, twitter_username = excluded.twitter_username,
     api_app = excluded.api_app, mapping_source = excluded.mapping_source, metadata = excluded.metadata,
     is_active = excluded.is_active, last_synced = excluded.last_synced, updated_at = excluded.updated_at`

function rawParams(chunk: ProfileUpsertRow[], now: string): unknown[] {
  const params: unknown[] = []
  for (const row of chunk) {
    params.push(row.profileId, row.profileName, row.mapping?.twitterUsername ?? null, row.mapping?.apiApp ?? null, row.mapping?.source ?? null)
    params.push(row.metadata ? JSON.stringify(row.metadata) : null, 1, now, now, now)
  }
  return params
}

async function rawUpsert(db: Database, rows: ProfileUpsertRow[]): Promise<void> {
  const now = sqliteDateTime(new Date())
  if (db.kind === 'postgres') {
    // One connection, one transaction, the statements back to back: what the pool and counting add is the difference.
    const runner = db.dataSource.createQueryRunner()
    try {
      await runner.startTransaction()
      for (let start = 0; start < rows.length; start += CHUNK) {
        const chunk = rows.slice(start, start + CHUNK)
        await runner.query(rawSql(chunk.length), rawParams(chunk, now))
      }
      await runner.commitTransaction()
    } finally {
      await runner.release()
    }
    return
  }
  const sqlite = sqliteHandle(db.dataSource)
  const full = sqlite.prepare(rawSql(CHUNK))
  sqlite.transaction(() => {
    for (let start = 0; start < rows.length; start += CHUNK) {
      const chunk = rows.slice(start, start + CHUNK)
      ;(chunk.length === CHUNK ? full : sqlite.prepare(rawSql(chunk.length))).run(...rawParams(chunk, now))
    }
  })()
}

function profileRows(count: number): ProfileUpsertRow[] {
  return Array.from({ length: count }, (_, n) => ({
    profileId: n.toString(16).padStart(24, '0'),
    profileName: `Profile ${n}`,
    metadata: { folder: `F${n % 20}`, tags: ['x', `t${n % 7}`], notes: `@user_${n}`, os: 'win', proxy: { mode: 'http', host: '10.0.0.1', port: 8000 + (n % 100), username: 'u', country: 'US' } },
    mapping: { twitterUsername: `user_${n}`, apiApp: null, source: 'pattern' as const },
  }))
}

benchmark('db', run)
