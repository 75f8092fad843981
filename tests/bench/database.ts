/**
 * The database a bench module measures: SQLite in a temp folder, or — `BENCH_DATABASE=postgres` — a fresh
 * PostgreSQL database on the server at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
 * dropped afterwards. `npm run bench` runs the database modules on both (vitest.bench.config.ts sets BENCH_DATABASE
 * per pass); on PostgreSQL every metric is named `pg.<metric>`, so both sets sit side by side in out/bench/results.json.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { openDatabase, type Database } from '../../src/main/db'
import { LogSystem } from '../../src/main/logging/logger'
import type { KeyStore } from '../../src/main/security/key-store'
import type { Metrics } from './harness'

export const BENCH_ON_POSTGRES = process.env.BENCH_DATABASE === 'postgres'
/** The server the PostgreSQL benchmarks make their databases on. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'

/** The metrics as measured on this run's database (`pg.` in front on PostgreSQL). */
export function onThisDatabase(metrics: Metrics): Metrics {
  return BENCH_ON_POSTGRES ? Object.fromEntries(Object.entries(metrics).map(([name, metric]) => [`pg.${name}`, metric])) : metrics
}

/** Runs one statement on the admin database (CREATE / DROP DATABASE). */
export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Opens a fresh database (a temp folder's SQLite, or a new PostgreSQL database), runs `work`, then removes it. */
export async function withBenchDatabase<T>(work: (db: Database, dir: string) => Promise<T>, options: { keyStore?: KeyStore } = {}): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-db-'))
  const key = randomBytes(32)
  let name: string | null = null
  let databaseUrl: string | null = null
  if (BENCH_ON_POSTGRES) {
    name = `panel_bench_${randomBytes(4).toString('hex')}`
    await admin(`CREATE DATABASE "${name}"`)
    const url = new URL(ADMIN_URL)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
  }
  try {
    const db = await openDatabase({
      dataDir: dir,
      keyStore: options.keyStore ?? { description: 'bench key', loadOrCreateDataKey: async () => Buffer.from(key) },
      log: new LogSystem({ dir: null, level: 'warn' }).logger('bench'),
      databaseUrl,
    })
    try {
      return await work(db, dir)
    } finally {
      await db.close()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
    if (name) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  }
}

/** Inserts rows into `table` in multi-row statements (the same SQL on both databases; seeding is not timed). */
export async function insertRows(db: Database, table: string, columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  const chunk = Math.floor(30_000 / columns.length)
  for (let start = 0; start < rows.length; start += chunk) {
    const part = rows.slice(start, start + chunk)
    const tuple = `(${columns.map(() => '?').join(', ')})`
    await db.dataSource.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${part.map(() => tuple).join(', ')}`, part.flat())
  }
}
