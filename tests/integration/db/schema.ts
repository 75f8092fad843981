/** What the database says its tables look like, the same way on SQLite and PostgreSQL. */
import type { DataSource } from 'typeorm'
import { databaseKind } from '../../../src/main/db'

export interface ColumnInfo {
  name: string
  notNull: boolean
  /** SQLite's declared type; PostgreSQL's type name (`citext`, `timestamptz`, `int4`, …). */
  type: string
}

export interface IndexInfo {
  name: string
  table: string
  unique: boolean
  columns: string[]
}

export async function tableColumns(ds: DataSource, table: string): Promise<ColumnInfo[]> {
  if (databaseKind(ds) === 'sqlite') {
    const rows: Array<{ name: string; notnull: number; type: string }> = await ds.query(`PRAGMA table_info("${table}")`)
    return rows.map((row) => ({ name: row.name, notNull: row.notnull === 1, type: row.type }))
  }
  const rows: Array<{ name: string; nullable: string; type: string }> = await ds.query(
    `SELECT column_name AS name, is_nullable AS nullable, udt_name AS type FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`,
    [table],
  )
  return rows.map((row) => ({ name: row.name, notNull: row.nullable === 'NO', type: row.type }))
}

/** Indexes that were created by name (primary keys and SQLite's automatic ones aside), of one table or all. */
export async function indexesOf(ds: DataSource, table?: string): Promise<IndexInfo[]> {
  if (databaseKind(ds) === 'sqlite') {
    const tables: Array<{ name: string }> = table
      ? [{ name: table }]
      : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    const found: IndexInfo[] = []
    for (const { name: tableName } of tables) {
      const list: Array<{ name: string; unique: number; origin: string }> = await ds.query(`PRAGMA index_list("${tableName}")`)
      for (const index of list.filter((i) => i.origin === 'c')) {
        const columns: Array<{ name: string }> = await ds.query(`PRAGMA index_info("${index.name}")`)
        found.push({ name: index.name, table: tableName, unique: index.unique === 1, columns: columns.map((c) => c.name) })
      }
    }
    return found
  }
  const rows: Array<{ name: string; table: string; definition: string }> = await ds.query(
    `SELECT indexname AS name, tablename AS table, indexdef AS definition FROM pg_indexes
      WHERE schemaname = current_schema() AND indexname NOT LIKE '%_pkey'${table ? ' AND tablename = ?' : ''}`,
    table ? [table] : [],
  )
  return rows.map((row) => ({
    name: row.name,
    table: row.table,
    unique: /^CREATE UNIQUE INDEX/.test(row.definition),
    // The column list after USING, a partial index's WHERE aside (expressions such as lower(x) kept as written).
    columns: /USING \w+ \((.*)\)\s*$/.exec(row.definition.replace(/\s+WHERE\s.*$/, ''))![1].split(/,(?![^(]*\))/).map((c) => c.trim().replace(/^"|"$/g, '')),
  }))
}
