import type { MigrationInterface, QueryRunner } from 'typeorm'
import { apiAppMac, apiAppMacFields, settingMac } from '../row-mac'
import { rowContext, SecretOpenError } from '../../security/secret-box'
import { activeSecretBox } from '../secret-column'
import { runStatements } from './sql'

/**
 * v3.4 — the database is not trusted with where secrets go (issue 20, item 1). Settings and API apps get a
 * `mac` column (see `row-mac.ts`); every secret is re-sealed bound to its row (`v2`: table, column and the
 * row's stable key), so a ciphertext copied into another row no longer opens. Runs once, by a host holding
 * the data key, under the start-up lock: rows as they stand now are the ones this host vouches for.
 * A value that does not open is left as it is (it fails on read, naming its row, as before).
 */
export class AuthenticatedRows1779926400000 implements MigrationInterface {
  name = 'AuthenticatedRows1779926400000'

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, [`ALTER TABLE "settings" ADD COLUMN "mac" VARCHAR(64)`, `ALTER TABLE "api_apps" ADD COLUMN "mac" VARCHAR(64)`])
    for (const table of BOUND_TABLES) await rebind(queryRunner, table)
    await authenticateSettings(queryRunner)
    await authenticateApiApps(queryRunner)
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Secrets stay bound to their rows (`v2`): an older panel cannot open them, as it could not before this step's upgrade.
    await runStatements(queryRunner, [`ALTER TABLE "api_apps" DROP COLUMN "mac"`, `ALTER TABLE "settings" DROP COLUMN "mac"`])
  }
}

/** The data-key check row holds no secret: it stays bound to its column (`data-source.ts`, `key-check.ts`). */
const KEY_CHECK_ROW = '__data_key_check'

interface BoundTable {
  table: string
  /** The row's stable key, bound into each ciphertext. */
  key: string
  columns: readonly string[]
}

const BOUND_TABLES: readonly BoundTable[] = [
  { table: 'authorization_sessions', key: 'session_id', columns: ['access_token', 'refresh_token', 'oauth_token_secret', 'code_verifier'] },
  { table: 'api_apps', key: 'name', columns: ['client_secret'] },
  { table: 'settings', key: 'key', columns: ['secret_value'] },
]

async function rebind(queryRunner: QueryRunner, { table, key, columns }: BoundTable): Promise<void> {
  const box = activeSecretBox()
  const old = columns.map((c) => `substr("${c}", 1, 3) = 'v1:'`).join(' OR ')
  const rows: Array<Record<string, string | null>> = await queryRunner.query(
    `SELECT "${key}" AS row_key, ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}" WHERE (${old}) AND "${key}" <> ?`,
    [KEY_CHECK_ROW],
  )
  for (const row of rows) {
    const rowKey = String(row.row_key)
    const values = columns.map((column) => {
      const value = row[column]
      if (value === null || !value.startsWith('v1:')) return value
      try {
        return box.seal(box.open(value, `${table}.${column}`), rowContext(table, column, rowKey))
      } catch (error) {
        if (error instanceof SecretOpenError) return value
        throw error
      }
    })
    await queryRunner.query(`UPDATE "${table}" SET ${columns.map((c) => `"${c}" = ?`).join(', ')} WHERE "${key}" = ?`, [...values, rowKey])
  }
}

async function authenticateSettings(queryRunner: QueryRunner): Promise<void> {
  const rows: Array<{ key: string; value: string | null }> = await queryRunner.query(
    `SELECT "key", "value" FROM "settings" WHERE "secret_value" IS NULL AND "key" <> ?`,
    [KEY_CHECK_ROW],
  )
  for (const row of rows) await queryRunner.query(`UPDATE "settings" SET "mac" = ? WHERE "key" = ?`, [settingMac(row.key, row.value), row.key])
}

async function authenticateApiApps(queryRunner: QueryRunner): Promise<void> {
  const rows: Array<Record<string, unknown>> = await queryRunner.query(
    `SELECT "id", "name", "oauth_version", "client_type", "client_id", "redirect_uri", "scopes", "redemption", "start_url", "callback_marker", "env_managed" FROM "api_apps"`,
  )
  for (const row of rows) {
    const mac = apiAppMac(apiAppMacFields(row))
    await queryRunner.query(`UPDATE "api_apps" SET "mac" = ? WHERE "id" = ?`, [mac, row.id])
  }
}
