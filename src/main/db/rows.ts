/**
 * Raw reads on the hot paths (the profile grid, the token CSV, the REST API's profiles, the monitor):
 * SQLite runs them as prepared statements on the raw better-sqlite3 connection (no TypeORM layer,
 * synchronous, cached per SQL text); PostgreSQL straight on TypeORM's `pg` pool (no query runner per
 * statement: at a REST page's few milliseconds that layer and its per-call placeholder rewrite were a third
 * of the CPU), placeholders numbered once per SQL text. Rows have one shape on both (`postgres.ts`):
 * booleans 1/0, numbers, ISO / SQLite time text, JSON as text. A PostgreSQL failure is TypeORM's
 * `QueryFailedError`, as through `dataSource.query`, and a slow statement is logged the same way.
 */
import type pg from 'pg'
import { QueryFailedError, type DataSource } from 'typeorm'
import { databaseKind } from './dialect'
import { numberPlaceholders } from './postgres'
import { sqliteHandle, type SqliteHandle, type SqliteStatement } from './sqlite-handle'

export interface RowReader {
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>
  get<T>(sql: string, params?: readonly unknown[]): Promise<T | undefined>
  /** The first column of every row. */
  column<T>(sql: string, params?: readonly unknown[]): Promise<T[]>
  /** Every row as an array of its columns in the order selected (no object per row: for reads of many rows). */
  arrays<T extends readonly unknown[]>(sql: string, params?: readonly unknown[]): Promise<T[]>
}

/** Prepared statements kept per connection (each reader's few SQL texts). */
const prepared = new WeakMap<SqliteHandle, Map<string, SqliteStatement>>()

function statement(db: SqliteHandle, sql: string, mode: 'object' | 'pluck' | 'raw'): SqliteStatement {
  let bySql = prepared.get(db)
  if (!bySql) prepared.set(db, (bySql = new Map()))
  const key = mode === 'object' ? sql : `${mode}:${sql}`
  let found = bySql.get(key)
  if (!found) {
    found = db.prepare(sql)
    if (mode === 'pluck') found.pluck()
    if (mode === 'raw') found.raw()
    bySql.set(key, found)
  }
  return found
}

export interface RowReaderOptions {
  /**
   * PostgreSQL: run each SQL text as a named prepared statement (parsed and planned once per connection, not per
   * call): for a reader's few hot statements whose plan does not hinge on the values (the REST API's pages).
   */
  prepared?: boolean
}

export function rowReader(dataSource: DataSource, options: RowReaderOptions = {}): RowReader {
  if (databaseKind(dataSource) === 'sqlite') {
    // Resolved on first use: the connection must be open by then.
    const db = () => sqliteHandle(dataSource)
    return {
      all: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, 'object').all(...params) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, 'object').get(...params) as T | undefined,
      column: async <T>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, 'pluck').all(...params) as T[],
      arrays: async <T extends readonly unknown[]>(sql: string, params: readonly unknown[] = []) => statement(db(), sql, 'raw').all(...params) as T[],
    }
  }
  const query = postgresQuery(dataSource, options.prepared ?? false)
  const all = <T>(sql: string, params: readonly unknown[] = []): Promise<T[]> => query<T>(sql, params, 'object')
  return {
    all,
    get: async <T>(sql: string, params?: readonly unknown[]) => (await all<T>(sql, params))[0],
    column: async <T>(sql: string, params: readonly unknown[] = []) => (await query<T[]>(sql, params, 'array')).map((row) => row[0]),
    arrays: <T extends readonly unknown[]>(sql: string, params: readonly unknown[] = []) => query<T>(sql, params, 'array'),
  }
}

/** The SQL texts readers have run, placeholders numbered (a reader has a handful; bounded all the same). */
const numbered = new Map<string, string>()
const NUMBERED_MAX = 500

function numberedSql(sql: string): string {
  let found = numbered.get(sql)
  if (found === undefined) {
    found = numberPlaceholders(sql)
    if (numbered.size >= NUMBERED_MAX) numbered.clear()
    numbered.set(sql, found)
  }
  return found
}

/** Names of the prepared statements, by numbered SQL text: one name per text in the process (a name is per connection). */
const statementNames = new Map<string, string>()

function statementName(text: string): string {
  let name = statementNames.get(text)
  if (name === undefined) statementNames.set(text, (name = `panel_rows_${statementNames.size + 1}`))
  return name
}

type PostgresDriverInternals = {
  master?: pg.Pool
  options: { maxQueryExecutionTime?: number }
}

/** Runs a statement on the data source's pool, as `dataSource.query` would (errors, slow-statement warnings). */
function postgresQuery(dataSource: DataSource, prepared: boolean) {
  return async <T>(sql: string, params: readonly unknown[], rowMode: 'object' | 'array'): Promise<T[]> => {
    const driver = dataSource.driver as unknown as PostgresDriverInternals
    // Resolved on each call: the pool exists once the data source is initialized.
    const pool = driver.master
    if (!pool) throw new Error('The PostgreSQL data source is not initialized')
    const text = numberedSql(sql)
    const values = [...params]
    const started = performance.now()
    let result: pg.QueryResult
    try {
      // On an error pool.query releases the connection as broken (a read timeout included), so it is not reused.
      const name = prepared ? statementName(text) : undefined
      result = rowMode === 'array' ? await pool.query({ name, text, values, rowMode: 'array' }) : await pool.query({ name, text, values })
    } catch (error) {
      throw new QueryFailedError(text, values, error as Error)
    }
    const ms = performance.now() - started
    const slowAfter = driver.options.maxQueryExecutionTime
    if (slowAfter && ms > slowAfter) dataSource.logger.logQuerySlow(ms, text, values)
    return result.rows as T[]
  }
}
