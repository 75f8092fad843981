import type { QueryRunner } from 'typeorm'

/** better-sqlite3 prepares one statement at a time: run a migration's statements in order. */
export async function runStatements(queryRunner: QueryRunner, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await queryRunner.query(statement)
}

/** SQLite expression for "now" in the format TypeORM writes datetimes (UTC, milliseconds). */
export const NOW_SQL = `(strftime('%Y-%m-%d %H:%M:%f', 'now'))`
