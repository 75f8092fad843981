import type { DataSource } from 'typeorm'

/** The parts of a better-sqlite3 connection the bulk writers use (the package ships no types). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number; lastInsertRowid: number | bigint }
  all(...params: unknown[]): unknown[]
  get(...params: unknown[]): unknown
  /** Return only the first column of each row. */
  pluck(toggle?: boolean): SqliteStatement
  /** Return each row as an array of its columns, in order. */
  raw(toggle?: boolean): SqliteStatement
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

/**
 * `YYYY-MM-DD HH:MM:SS.SSS` in UTC: the format TypeORM writes `datetime` columns in on SQLite, and the
 * text raw SQL binds for a time on both databases (PostgreSQL sessions run in UTC, `postgres.ts`).
 */
export function sqliteDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '')
}

const SQLITE_DATETIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,3}))?$/

/**
 * A stored time as read by raw SQL → ISO 8601; null for nothing or garbage. SQLite gives
 * `YYYY-MM-DD HH:MM:SS[.SSS]` (UTC, as TypeORM writes it), PostgreSQL ISO text already.
 */
export function isoFromSqlite(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString()
  // Fast paths, no Date round trip: what TypeORM and the bulk writers store on SQLite rewritten, and below ISO
  // text in UTC with milliseconds naming a real moment (PostgreSQL's times, `postgres.ts`) as it is.
  const plain = SQLITE_DATETIME.exec(value)
  if (plain) return `${plain[1]}T${plain[2]}.${(plain[3] ?? '').padEnd(3, '0')}Z`
  // What PostgreSQL rows hold (`isoFromPostgres`): already the ISO text a Date round trip would give back.
  if (isCanonicalIso(value)) return value
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * `YYYY-MM-DDTHH:MM:SS.SSSZ` naming a real moment, so `new Date(value).toISOString()` is `value` itself (a day
 * past the month's end or hour 24 would roll over, and takes the Date path).
 */
function isCanonicalIso(value: string): boolean {
  if (value.length !== 24 || !ISO_UTC.test(value)) return false
  const year = Number(value.slice(0, 4))
  const month = Number(value.slice(5, 7))
  const day = Number(value.slice(8, 10))
  if (month < 1 || month > 12 || day < 1) return false
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  if (day > DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)) return false
  return Number(value.slice(11, 13)) <= 23 && Number(value.slice(14, 16)) <= 59 && Number(value.slice(17, 19)) <= 59
}
