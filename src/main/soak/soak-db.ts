/**
 * The soak's own view of the hosts' database: a PostgreSQL database created for the run (and dropped after), or
 * the panel's SQLite file read-only beside it. Sessions per status, profiles in use and the database's size.
 */
import { createRequire } from 'node:module'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { DATABASE_FILE_NAME } from '../db/data-source'

const moduleRequire = createRequire(import.meta.url)

export interface SoakDb {
  /** Sessions of the batch per status. */
  sessionCounts(batchId: string): Promise<Record<string, number>>
  profilesInUse(): Promise<number>
  sizeBytes(): Promise<number | null>
  close(): Promise<void>
}

const BATCH_ID = /^[\w-]{1,100}$/

function countsSql(batchId: string): string {
  if (!BATCH_ID.test(batchId)) throw new Error(`Unexpected batch id ${batchId}`)
  return `SELECT status, COUNT(*) AS n FROM authorization_sessions WHERE batch_id = '${batchId}' GROUP BY status`
}

/** A fresh database on the server of `serverUrl`; answers its URL and how to drop it. */
export async function createPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `soak_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}

export function postgresSoakDb(url: string): SoakDb {
  const pool = new pg.Pool({ connectionString: url, max: 2 })
  return {
    async sessionCounts(batchId) {
      const { rows } = await pool.query<{ status: string; n: string }>(countsSql(batchId))
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]))
    },
    async profilesInUse() {
      const { rows } = await pool.query<{ n: string }>(`SELECT COUNT(*) AS n FROM profiles WHERE in_use = TRUE`)
      return Number(rows[0]?.n ?? 0)
    },
    async sizeBytes() {
      const { rows } = await pool.query<{ size: string }>(`SELECT pg_database_size(current_database()) AS size`)
      return Number(rows[0]?.size ?? 0)
    },
    close: () => pool.end(),
  }
}

interface ReadOnlySqlite {
  prepare(sql: string): { all(): unknown[]; get(): unknown }
  close(): void
}

/** The panel's SQLite file, read-only (WAL: its writes go on while the soak reads). */
export function sqliteSoakDb(dataDir: string): SoakDb {
  const file = path.join(dataDir, DATABASE_FILE_NAME)
  const Database = moduleRequire('better-sqlite3') as new (file: string, options: { readonly: boolean; fileMustExist: boolean }) => ReadOnlySqlite
  let db: ReadOnlySqlite | null = null
  const open = () => (db ??= new Database(file, { readonly: true, fileMustExist: true }))
  return {
    async sessionCounts(batchId) {
      const rows = open().prepare(countsSql(batchId)).all() as Array<{ status: string; n: number }>
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]))
    },
    async profilesInUse() {
      return Number((open().prepare(`SELECT COUNT(*) AS n FROM profiles WHERE in_use = 1`).get() as { n: number }).n)
    },
    async sizeBytes() {
      let total = 0
      for (const suffix of ['', '-wal']) {
        try {
          total += fs.statSync(`${file}${suffix}`).size
        } catch {
          // No WAL file right now.
        }
      }
      return total
    },
    async close() {
      db?.close()
      db = null
    },
  }
}
