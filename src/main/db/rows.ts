/**
 * Raw reads on the hot paths (the profile grid, the token CSV, the REST API's profiles, the monitor):
 * SQLite runs them as prepared statements on the raw better-sqlite3 connection (no TypeORM layer,
 * synchronous, cached per SQL text); PostgreSQL through the pool. Rows have one shape on both
 * (`postgres.ts`): booleans 1/0, numbers, ISO / SQLite time text, JSON as text.
 */
import type { DataSource } from 'typeorm'
import { databaseKind } from './dialect'
import { sqliteHandle, type SqliteHandle, type SqliteStatement } from './sqlite-handle'

export interface RowReader {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>
  /** The first column of every row. */
  column<T>(sql: string, params?: readonly unknown[]): Promise<T[]>
}

/** Prepared statements kept per connection (each reader's few SQL texts). */
const prepared = new WeakMap<SqliteHandle, Map<string, SqliteStatement>>()

function statement(db: SqliteHandle, sql: string, pluck: boolean): SqliteStatement {
  let bySql = prepared.get(db)
  if (!bySql) prepared.set(db, (bySql = new Map()))
  const key = pluck ? `pluck:${sql}` : sql
  let found = bySql.get(key)
  if (!found) {
    found = db.prepare(sql)
    if (pluck) found.pluck()
    bySql.set(key, found)
  }
  return found
}

export function rowReader(dataSource: DataSource): RowReader {
  if (databaseKind(dataSource) === 'sqlite') {
    // Resolved on first use: the connection must be open by then.
    const db = () => sqliteHandle(dataSource)
    return {
      all: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, false).all(...params) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, false).get(...params) as T | undefined,
      column: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, true).all(...params) as T[],
    }
  }
  const all = <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => dataSource.query(sql, [...params])
  return {
    all,
    get: async <T>(sql: string, params?: readonly unknown[]) => (await all<T>(sql, params))[0],
    column: async <T>(sql: string, params?: readonly unknown[]) => (await all<Record<string, T>>(sql, params)).map((row) => Object.values(row)[0]),
  }
}
