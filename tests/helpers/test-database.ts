/**
 * Which database the tests of this process run on: SQLite files (the `sqlite` project, as always), or
 * PostgreSQL (the `postgres` project of vitest.config.ts sets TEST_DATABASE=postgres). On PostgreSQL each
 * data folder a test uses gets a fresh, empty database of its own, dropped after the test.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import pg from 'pg'
import { afterEach, inject } from 'vitest'
import type { Database } from '../../src/main/db'

export type TestDatabaseKind = 'sqlite' | 'postgres'

export const TEST_DATABASE: TestDatabaseKind = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'
export const onPostgres = TEST_DATABASE === 'postgres'

/** The server the postgres project uses (trust auth on this machine); the tests' databases are made on it. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Prefix of the databases this test run creates (global-setup-postgres.ts drops what is left). */
    postgresPrefix: string
  }
}

const byDir = new Map<string, string>()
let made: string[] = []
let counter = 0

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** A fresh empty PostgreSQL database; its URL. Dropped after the current test. */
export async function freshPostgresUrl(): Promise<string> {
  const prefix = inject('postgresPrefix')
  const name = `${prefix}_${process.pid}_${++counter}_${randomBytes(3).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE "${name}"`))
  made.push(name)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

/** The database of a data folder: null on SQLite (the file in `dir`); on PostgreSQL one database per folder. */
export async function databaseUrlFor(dir: string): Promise<string | null> {
  if (!onPostgres) return null
  let url = byDir.get(dir)
  if (!url) byDir.set(dir, (url = await freshPostgresUrl()))
  return url
}

/** Environment variables that point a core at the folder's database (`{}` on SQLite). */
export async function databaseEnv(dir: string): Promise<Record<string, string>> {
  const url = await databaseUrlFor(dir)
  return url ? { DATABASE_URL: url } : {}
}

afterEach(async () => {
  const names = made
  made = []
  byDir.clear()
  if (!names.length) return
  // FORCE: a connection a failed test left open must not keep its database alive.
  await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  })
})

/**
 * Everything the database holds, as bytes to search for plaintext: SQLite's file and its write-ahead
 * log; on PostgreSQL every row of every table as text.
 */
export async function storedBytes(db: Pick<Database, 'kind' | 'filePath' | 'dataSource'>): Promise<Buffer> {
  if (db.kind === 'sqlite') {
    const file = db.filePath!
    return Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)))
  }
  const tables: Array<{ name: string }> = await db.dataSource.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  )
  const parts: string[] = []
  for (const { name } of tables) {
    const rows: Array<{ row: string }> = await db.dataSource.query(`SELECT t::text AS row FROM "${name}" t`)
    parts.push(...rows.map((r) => r.row))
  }
  return Buffer.from(parts.join('\n'))
}
