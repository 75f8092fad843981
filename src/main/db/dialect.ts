/**
 * The few places where the panel's SQL differs between SQLite (the embedded default) and PostgreSQL
 * (`DATABASE_URL`). Everything else is written once, in SQL both accept:
 * - `?` placeholders (the PostgreSQL connection numbers them, `postgres.ts`);
 * - `TRUE`/`FALSE` for boolean columns (SQLite reads them as 1/0); rows come back with 1/0 on both;
 * - dates as `sqliteDateTime()` text in UTC (PostgreSQL sessions run in UTC; columns are timestamptz);
 * - `IS DISTINCT FROM`, `ON CONFLICT … DO UPDATE`, `RETURNING`, `COUNT(*) FILTER (WHERE …)`;
 * - usernames and app names compare without case by themselves (SQLite NOCASE columns, PostgreSQL citext);
 *   other columns that must ignore case compare `lower(a) = lower(?)`.
 */
import type { DataSource, EntityManager, QueryRunner } from 'typeorm'

export type DatabaseKind = 'sqlite' | 'postgres'

/** A piece of SQL and the parameters its `?` take, in order. */
export interface SqlFragment {
  sql: string
  params: unknown[]
}

export interface SqlDialect {
  readonly kind: DatabaseKind
  /** `column IN (values)` with every value in ONE parameter, so the statement text is the same for any count. */
  inList(column: string, values: readonly (string | number)[]): SqlFragment
  /** `column NOT IN (values)`, one parameter. */
  notInList(column: string, values: readonly (string | number)[]): SqlFragment
  /** LIKE that ignores case (SQLite's LIKE already ignores ASCII case; PostgreSQL's does not). */
  readonly ilike: string
  /** ORDER BY key of a case-insensitive column: SQLite names the collation; PostgreSQL sorts lower(text), not citext (5× faster). */
  orderNocase(column: string): string
  /** The distinct values of `expression` joined by commas. */
  groupConcatDistinct(expression: string): string
  /** `column` in a WHERE the planner must not serve from its index (SQLite's unary plus; PostgreSQL plans well). */
  noIndex(column: string): string
}

const SQLITE: SqlDialect = {
  kind: 'sqlite',
  inList: (column, values) => ({ sql: `${column} IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] }),
  notInList: (column, values) => ({ sql: `${column} NOT IN (SELECT value FROM json_each(?))`, params: [JSON.stringify(values)] }),
  ilike: 'LIKE',
  orderNocase: (column) => `${column} COLLATE NOCASE`,
  groupConcatDistinct: (expression) => `GROUP_CONCAT(DISTINCT ${expression})`,
  noIndex: (column) => `+${column}`,
}

const POSTGRES: SqlDialect = {
  kind: 'postgres',
  // node-postgres sends a JS array as an array literal; ANY() takes the column's type for it.
  inList: (column, values) => ({ sql: `${column} = ANY(?)`, params: [[...values]] }),
  notInList: (column, values) => ({ sql: `NOT (${column} = ANY(?))`, params: [[...values]] }),
  ilike: 'ILIKE',
  orderNocase: (column) => `lower(${column}::text)`,
  groupConcatDistinct: (expression) => `STRING_AGG(DISTINCT ${expression}, ',')`,
  noIndex: (column) => column,
}

export const DIALECTS: Readonly<Record<DatabaseKind, SqlDialect>> = { sqlite: SQLITE, postgres: POSTGRES }

type DialectSource = DataSource | EntityManager | QueryRunner | { dataSource: DataSource }

/** Which database a data source (or a manager / query runner of one) talks to. */
export function databaseKind(source: DialectSource): DatabaseKind {
  const dataSource = 'options' in source ? source : source.dataSource
  const type = dataSource.options.type
  if (type === 'postgres') return 'postgres'
  if (type === 'better-sqlite3') return 'sqlite'
  throw new Error(`Unsupported database type ${type}`)
}

export function dialectOf(source: DialectSource): SqlDialect {
  return DIALECTS[databaseKind(source)]
}
