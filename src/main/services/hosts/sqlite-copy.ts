/**
 * Joining keeps the operator's data: copies what a host's SQLite file (`panel.db`) holds into the shared database it
 * now runs on — profiles and their mappings, API apps, finished sessions with their tokens, settings — re-encrypting
 * every secret under the shared data key when the file was sealed with another one. `preview` counts what would be
 * added and the conflicts; `copy` writes it in one transaction. Running it twice adds nothing twice.
 *
 * Conflicts: the same profile id on both sides keeps the shared row's mapping unless it has none; the same API app
 * name or setting keeps the shared one; the same account + app holding tokens on both sides: the newest token set
 * wins (the other becomes `replaced`). Unfinished sessions (pending, running) stay behind: their batch ran here.
 */
import fs from 'node:fs'
import type { DataSource } from 'typeorm'
import type { SqliteCopyPreview } from '../../../shared/contract/hosts'
import { ValidationException } from '../../../shared/errors'
import { createDataSource, KEY_CHECK_KEY } from '../../db/data-source'
import type { Database } from '../../db'
import { apiAppMac, apiAppMacFields, apiAppMacVerifies, settingMac, settingMacVerifies } from '../../db/row-mac'
import type { Logger } from '../../logging/logger'
import { keyOpensCheck } from '../../security/key-check'
import type { KeyStore } from '../../security/key-store'
import { rowContext, SecretBox, SecretOpenError } from '../../security/secret-box'

/** Columns sealed with the data key, bound to `table.column` and the row's stable key (src/main/db/secret-column.ts). */
const SECRET_COLUMNS: Record<string, readonly string[]> = {
  api_apps: ['client_secret'],
  authorization_sessions: ['access_token', 'refresh_token', 'oauth_token_secret', 'code_verifier'],
  settings: ['secret_value'],
}
/** Each table's stable row key, the one its secrets are bound to (`rowContext`). */
const ROW_KEYS: Record<string, string> = { api_apps: 'name', authorization_sessions: 'session_id', settings: 'key' }
/** Tables whose plain rows carry a MAC under the data key (src/main/db/row-mac.ts). */
const MAC_TABLES = ['settings', 'api_apps']
const FINISHED = ['completed', 'failed', 'timeout', 'cancelled']
const CHUNK = 200

type Row = Record<string, unknown>

export interface SqliteCopyOptions {
  /** The SQLite file to copy from (this host's `panel.db`, or another data folder's). */
  file: string
  /** Keys that may open it (this host's key and its backups); the one that opens the file's key check is used. */
  sourceKeys(): Promise<Buffer[]>
  /** The shared database this host runs on, and the key it runs with. */
  target: Pick<Database, 'dataSource' | 'transaction'>
  targetKey: Buffer
  /** The better-sqlite3 addon for this runtime (desktop: the Electron copy). */
  nativeBinding?: string
  log: Logger
}

interface Plan {
  preview: SqliteCopyPreview
  apply(manager: Pick<DataSource, 'query'>): Promise<void>
}

export class SqliteCopy {
  constructor(private readonly options: SqliteCopyOptions) {}

  preview(): Promise<SqliteCopyPreview> {
    return this.withSource(async (source, box) => (await this.plan(source, box)).preview)
  }

  /** Writes the plan in one transaction of the shared database; answers what was added. */
  copy(): Promise<SqliteCopyPreview> {
    return this.withSource(async (source, box) => {
      const plan = await this.plan(source, box)
      await this.options.target.transaction((manager) => plan.apply(manager))
      const p = plan.preview
      this.options.log.info('hosts.sqlite_copied', { ...p }, `Copied from ${p.file}: ${p.profiles.add} profile(s), ${p.apiApps.add} API app(s), ${p.sessions.add} session(s), ${p.settings.add} setting(s)`)
      return p
    })
  }

  private async withSource<T>(work: (source: DataSource, box: SecretBox) => Promise<T>): Promise<T> {
    if (!fs.existsSync(this.options.file)) throw new ValidationException(`There is no SQLite file at ${this.options.file}: nothing to copy.`, { reason: 'no_sqlite_file' })
    const source = createDataSource(this.options.file, { nativeBinding: this.options.nativeBinding })
    await source.initialize()
    try {
      const tables: Array<{ name: string }> = await source.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'settings'`)
      if (!tables.length) throw new ValidationException(`${this.options.file} holds no panel data to copy.`, { reason: 'no_panel_data' })
      const box = await this.sourceBox(source)
      return await work(source, box)
    } finally {
      await source.destroy()
    }
  }

  private async sourceBox(source: DataSource): Promise<SecretBox> {
    const [check] = (await source.query(`SELECT secret_value AS sealed FROM settings WHERE key = ?`, [KEY_CHECK_KEY])) as Array<{ sealed: string | null }>
    const keys = await this.options.sourceKeys()
    const key = check?.sealed ? keys.find((candidate) => keyOpensCheck(candidate, check.sealed!)) : (keys[0] ?? this.options.targetKey)
    if (!key) {
      throw new ValidationException(
        `${this.options.file} was sealed with a data key this host does not hold (neither its key nor a backup of it opens the file); nothing was copied. Put that key's file in the key store's folder, or import it on a panel still on that file.`,
        { reason: 'sqlite_key_missing' },
      )
    }
    return new SecretBox(key)
  }

  private async plan(source: DataSource, sourceBox: SecretBox): Promise<Plan> {
    const target = this.options.target.dataSource
    const targetBox = new SecretBox(this.options.targetKey)
    const reencrypt = sourceBox.keyId !== targetBox.keyId
    let unreadable = 0
    const sourceColumns = async (table: string) => ((await source.query(`SELECT name FROM pragma_table_info(?)`, [table])) as Array<{ name: string }>).map((c) => c.name)
    // A file from before migration 0010 has no MACs to check (its rows were never authenticated); a later one has.
    const sourceMacs = new Set<string>()
    for (const table of MAC_TABLES) if ((await sourceColumns(table)).includes('mac')) sourceMacs.add(table)
    /**
     * A row as the shared database needs it: its secrets sealed under the shared key, bound to the same row, and (settings,
     * API apps) its MAC made under that key; null (left behind) when a secret does not open with the file's key or the
     * row's MAC does not verify under it (changed in the file without the key).
     */
    const reseal = (table: string, row: Row): Row | null => {
      const out = { ...row }
      if (reencrypt) {
        for (const column of SECRET_COLUMNS[table] ?? []) {
          const value = row[column]
          if (typeof value !== 'string') continue
          const context = rowContext(table, column, String(row[ROW_KEYS[table]]))
          try {
            out[column] = targetBox.seal(sourceBox.open(value, context), context)
          } catch (error) {
            if (!(error instanceof SecretOpenError)) throw error
            unreadable++
            return null
          }
        }
      }
      if (!MAC_TABLES.includes(table)) return out
      const mac = (row.mac ?? null) as string | null
      if (table === 'settings') {
        if (row.secret_value != null) return { ...out, mac: null }
        const setting = { key: String(row.key), value: (row.value ?? null) as string | null, mac }
        if (sourceMacs.has(table) && !settingMacVerifies(setting, sourceBox)) return refuse(table, setting.key)
        return { ...out, mac: settingMac(setting.key, setting.value, targetBox) }
      }
      const fields = apiAppMacFields(row)
      if (sourceMacs.has(table) && !apiAppMacVerifies({ ...fields, mac }, sourceBox)) return refuse(table, fields.name)
      return { ...out, mac: apiAppMac(fields, targetBox) }
    }
    const refuse = (table: string, key: string): null => {
      unreadable++
      this.options.log.warn('hosts.sqlite_row_refused', { table, key }, `${table} row ${key} of ${this.options.file} was changed without its data key: not copied`)
      return null
    }
    const columns = async (table: string) => {
      const theirs: Array<{ name: string }> = await target.query(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`, [table])
      const ours = await sourceColumns(table)
      // The MAC is made here even when the file has none.
      if (MAC_TABLES.includes(table) && !ours.includes('mac')) ours.push('mac')
      const shared = new Set(theirs.map((c) => c.name))
      return ours.filter((name) => name !== 'id' && shared.has(name))
    }

    // ---- API apps: by name (caseless); the shared one wins ----
    const sharedApps = new Set(((await target.query(`SELECT lower(name) AS name FROM api_apps`)) as Array<{ name: string }>).map((r) => r.name))
    const apps: Row[] = []
    let appsKept = 0
    for (const row of (await source.query(`SELECT * FROM api_apps ORDER BY id`)) as Row[]) {
      if (sharedApps.has(String(row.name).toLowerCase())) appsKept++
      else {
        const sealed = reseal('api_apps', row)
        if (sealed) apps.push(sealed)
      }
    }

    // ---- profiles: by profile id; the shared mapping wins unless it has none ----
    const sharedProfiles = new Map(
      ((await target.query(`SELECT profile_id, twitter_username FROM profiles`)) as Array<{ profile_id: string; twitter_username: string | null }>).map((r) => [r.profile_id, r.twitter_username]),
    )
    const newProfiles: Row[] = []
    const fillMapping: Row[] = []
    let mappingsKept = 0
    for (const row of (await source.query(`SELECT * FROM profiles ORDER BY id`)) as Row[]) {
      const id = String(row.profile_id)
      if (!sharedProfiles.has(id)) newProfiles.push({ ...row, in_use: 0, in_use_by: null })
      else if (row.twitter_username && !sharedProfiles.get(id)) fillMapping.push(row)
      else if (row.twitter_username && String(sharedProfiles.get(id)).toLowerCase() !== String(row.twitter_username).toLowerCase()) mappingsKept++
    }

    // ---- finished sessions: by session id; per account + app the newest token set wins ----
    const sharedSessions = new Set(((await target.query(`SELECT session_id FROM authorization_sessions`)) as Array<{ session_id: string }>).map((r) => r.session_id))
    const sharedNewest = new Map<string, number>()
    const tokenRows: Array<{ account: string; at: unknown }> = await target.query(
      `SELECT lower(twitter_username) || '|' || lower(api_app) AS account, MAX(COALESCE(completed_at, created_at)) AS at FROM authorization_sessions
        WHERE status = 'completed' AND access_token IS NOT NULL AND twitter_username IS NOT NULL GROUP BY lower(twitter_username), lower(api_app)`,
    )
    for (const row of tokenRows) sharedNewest.set(row.account, timeOf(row.at))
    const sessions: Row[] = []
    const supersededShared = new Set<string>()
    let unfinished = 0
    let already = 0
    let tokensHere = 0
    let tokensShared = 0
    let tokensAdded = 0
    for (const row of (await source.query(`SELECT * FROM authorization_sessions ORDER BY id`)) as Row[]) {
      if (!FINISHED.includes(String(row.status))) {
        unfinished++
        continue
      }
      if (sharedSessions.has(String(row.session_id))) {
        already++
        continue
      }
      const copied: Row = { ...row, claimed_by: null, lease_until: null }
      // Which token set wins, counted only for a row that is copied (one left behind as unreadable counts nowhere).
      let wins: (() => void) | null = null
      if (row.status === 'completed' && row.access_token && row.twitter_username) {
        const account = `${String(row.twitter_username).toLowerCase()}|${String(row.api_app).toLowerCase()}`
        const shared = sharedNewest.get(account)
        const holds = row.token_status === null || row.token_status === 'valid' || row.token_status === 'expired'
        if (shared !== undefined && holds) {
          if (shared >= timeOf(row.completed_at ?? row.created_at)) {
            copied.token_status = 'replaced'
            wins = () => tokensShared++
          } else {
            wins = () => (supersededShared.add(account), tokensHere++)
          }
        } else if (holds) wins = () => tokensAdded++
      }
      const sealed = reseal('authorization_sessions', copied)
      if (!sealed) continue
      sessions.push(sealed)
      wins?.()
    }

    // ---- settings: keys the shared database does not have (never its key check) ----
    const sharedKeys = new Set(((await target.query(`SELECT key FROM settings`)) as Array<{ key: string }>).map((r) => r.key))
    const settings: Row[] = []
    let settingsKept = 0
    for (const row of (await source.query(`SELECT * FROM settings WHERE key <> ?`, [KEY_CHECK_KEY])) as Row[]) {
      if (sharedKeys.has(String(row.key))) settingsKept++
      else {
        const sealed = reseal('settings', row)
        if (sealed) settings.push(sealed)
      }
    }

    const preview: SqliteCopyPreview = {
      file: this.options.file,
      reencrypt,
      sourceKeyId: sourceBox.keyId,
      profiles: { add: newProfiles.length, mappingsFilled: fillMapping.length, mappingsKept },
      apiApps: { add: apps.length, kept: appsKept },
      sessions: { add: sessions.length, already, unfinished },
      tokens: { add: tokensAdded + tokensHere + tokensShared, newerHere: tokensHere, newerShared: tokensShared },
      settings: { add: settings.length, kept: settingsKept },
      unreadable,
    }
    const cols = {
      api_apps: await columns('api_apps'),
      profiles: await columns('profiles'),
      authorization_sessions: await columns('authorization_sessions'),
      settings: await columns('settings'),
    }
    return {
      preview,
      apply: async (manager) => {
        await insertRows(manager, 'api_apps', cols.api_apps, apps)
        await insertRows(manager, 'profiles', cols.profiles, newProfiles)
        for (const row of fillMapping) {
          await manager.query(`UPDATE profiles SET twitter_username = ?, api_app = ?, mapping_source = ? WHERE profile_id = ? AND (twitter_username IS NULL OR twitter_username = '')`, [
            row.twitter_username,
            row.api_app,
            row.mapping_source,
            row.profile_id,
          ])
        }
        // The shared token sets that a newer copied one supersedes, before the copies arrive.
        for (const account of supersededShared) {
          const [username, app] = account.split('|')
          await manager.query(
            `UPDATE authorization_sessions SET token_status = 'replaced' WHERE lower(twitter_username) = ? AND lower(api_app) = ? AND status = 'completed'
              AND (token_status IS NULL OR token_status IN ('valid', 'expired'))`,
            [username, app],
          )
        }
        await insertRows(manager, 'authorization_sessions', cols.authorization_sessions, sessions)
        await insertRows(manager, 'settings', cols.settings, settings)
      },
    }
  }
}

async function insertRows(manager: Pick<DataSource, 'query'>, table: string, columns: string[], rows: Row[]): Promise<void> {
  const list = columns.map((c) => `"${c}"`).join(', ')
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK)
    const values = chunk.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ')
    await manager.query(`INSERT INTO "${table}" (${list}) VALUES ${values}`, chunk.flatMap((row) => columns.map((c) => toParam(row[c]))))
  }
}

/** SQLite's booleans are 0/1 and its times UTC text; PostgreSQL reads both as they are. */
function toParam(value: unknown): unknown {
  return value === undefined ? null : value
}

/** A stored time in ms: a Date (PostgreSQL), or SQLite's `YYYY-MM-DD HH:MM:SS` in UTC. */
function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime()
  if (typeof value !== 'string') return 0
  const text = value.includes('T') || /[zZ+]/.test(value.slice(10)) ? value : `${value.replace(' ', 'T')}Z`
  return Date.parse(text) || 0
}

/** Keys that may have sealed a SQLite file of this data folder: the running one, the key store's, and its backups. */
export async function keyCandidates(keyStore: Pick<KeyStore, 'readDataKey' | 'readBackups'>, running: Buffer | null): Promise<Buffer[]> {
  const stored = await keyStore.readDataKey?.().catch(() => null)
  const backups = ((await keyStore.readBackups?.().catch(() => [])) ?? []).map((backup) => backup.key)
  return [running, stored, ...backups].filter((key): key is Buffer => Boolean(key))
}
