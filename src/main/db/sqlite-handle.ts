import type { DataSource } from 'typeorm'

/** The parts of a better-sqlite3 connection the bulk writers use (the package ships no types). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  all(...params: unknown[]): unknown[]
  get(...params: unknown[]): unknown
  /** Return only the first column of each row. */
  pluck(toggle?: boolean): SqliteStatement
}

export interface SqliteHandle {
  prepare(sql: string): SqliteStatement
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R
  pragma(source: string, options?: { simple?: boolean }): unknown
  readonly inTransaction: boolean
  readonly open: boolean
}

/**
 * The better-sqlite3 connection behind a DataSource. Bulk writes use it directly: one synchronous
 * transaction per chunk cannot interleave with other async work on the single connection.
 */
export function sqliteHandle(dataSource: DataSource): SqliteHandle {
  const connection = (dataSource.driver as unknown as { databaseConnection?: SqliteHandle }).databaseConnection
  if (!connection || typeof connection.prepare !== 'function') {
    throw new Error('The data source is not an open better-sqlite3 connection')
  }
  return connection
}

/** `YYYY-MM-DD HH:MM:SS.SSS` in UTC: the format TypeORM writes `datetime` columns in on SQLite. */
export function sqliteDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}
