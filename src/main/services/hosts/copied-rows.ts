/**
 * What makes a row of a SQLite file valid in the shared database it is copied into: every secret opened with the
 * file's key bound to its row (`v2`, or a `v1` value of an older file) and sealed again under the shared key bound to
 * the same row (`secret-column.ts`); settings and API-app rows checked against their MAC under the file's key and
 * signed under the shared one (`row-mac.ts`). A row that fails either check was not written by a holder of the file's
 * key: it stays behind, named (table and row key, never a value), rather than being vouched for under the shared key.
 */
import { apiAppMac, apiAppMacFieldsOfRow, apiAppMacVerifies, settingMac, settingMacVerifies } from '../../db/row-mac'
import { rowContext, SecretOpenError, type SecretBox } from '../../security/secret-box'

export type CopiedTable = 'api_apps' | 'authorization_sessions' | 'settings'
export type Row = Record<string, unknown>

/** Per table: the row's stable key the secrets are bound to, and the sealed columns. */
const SEALED: Record<CopiedTable, { key: string; columns: readonly string[] }> = {
  api_apps: { key: 'name', columns: ['client_secret'] },
  authorization_sessions: { key: 'session_id', columns: ['access_token', 'refresh_token', 'oauth_token_secret', 'code_verifier'] },
  settings: { key: 'key', columns: ['secret_value'] },
}

/** A row left behind, and why; what the log names. */
export interface LeftBehind {
  table: CopiedTable
  rowKey: string
  reason: 'secret_does_not_open' | 'mac_does_not_verify'
}

export class CopiedRows {
  readonly leftBehind: LeftBehind[] = []

  /**
   * @param sourceHasMac whether the file's `settings` / `api_apps` carry a `mac` column: a file from before
   * authenticated rows has none, and its rows are taken as the one-time upgrade (migration 0010) takes them.
   */
  constructor(
    private readonly source: SecretBox,
    private readonly target: SecretBox,
    private readonly sourceHasMac: { settings: boolean; api_apps: boolean },
  ) {}

  /** The row as the shared database takes it, or null (left behind). */
  prepare(table: CopiedTable, row: Row): Row | null {
    const rowKey = String(row[SEALED[table].key])
    if (!this.authentic(table, row)) return this.leave(table, rowKey, 'mac_does_not_verify')
    const out: Row = { ...row }
    for (const column of SEALED[table].columns) {
      const value = row[column]
      if (typeof value !== 'string') continue
      const context = rowContext(table, column, rowKey)
      try {
        out[column] = this.target.seal(this.source.open(value, context), context)
      } catch (error) {
        if (!(error instanceof SecretOpenError)) throw error
        return this.leave(table, rowKey, 'secret_does_not_open')
      }
    }
    if (table === 'settings') out.mac = row.secret_value == null ? settingMac(rowKey, settingValue(row), this.target) : null
    if (table === 'api_apps') out.mac = apiAppMac(apiAppMacFieldsOfRow(row), this.target)
    return out
  }

  /** Settings holding a secret need no MAC (the ciphertext is bound to the row), as `settings-service.ts` reads them. */
  private authentic(table: CopiedTable, row: Row): boolean {
    const mac = typeof row.mac === 'string' ? row.mac : null
    if (table === 'settings') return !this.sourceHasMac.settings || row.secret_value != null || settingMacVerifies({ key: String(row.key), value: settingValue(row), mac }, this.source)
    if (table === 'api_apps') return !this.sourceHasMac.api_apps || apiAppMacVerifies({ ...apiAppMacFieldsOfRow(row), mac }, this.source)
    return true
  }

  private leave(table: CopiedTable, rowKey: string, reason: LeftBehind['reason']): null {
    this.leftBehind.push({ table, rowKey, reason })
    return null
  }
}

function settingValue(row: Row): string | null {
  return typeof row.value === 'string' ? row.value : null
}
