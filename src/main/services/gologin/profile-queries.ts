/**
 * Profiles as the grid shows them (`ProfileRow`): one SQL statement per page joins each profile to
 * its newest attempt, its newest completed session, and its account's newest completed session per API
 * app (`tokens`). The first two are picked by `MAX(id)` over the `ix_authorization_sessions_profile_id`
 * index (the rowid is the index's last column, so the max is one index seek per profile), the tokens
 * through the (username, API app) index, and only for the page's rows: the profiles are cut to the page
 * first, by keyset on `profiles.id` (the cursor), so a page costs the same wherever it starts.
 * `+status` keeps SQLite off the status index, which would scan every completed session per profile;
 * PostgreSQL gets the same lookups as LATERAL joins. SQLite reads through prepared statements (`rowReader`).
 */
import type { DataSource } from 'typeorm'
import type { AppToken } from '../../../shared/app-tokens'
import type { ProfileRow } from '../../../shared/contract/profiles'
import { TOKEN_STATUSES, type TokenStatus } from '../../../shared/contract/sessions'
import { isErrorCode } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import { DIALECTS, dialectOf, type DatabaseKind } from '../../db/dialect'
import type { ProfileMetadata } from '../../db/entities'
import { rowReader, type RowReader } from '../../db/rows'
import { isoFromSqlite } from '../../db/sqlite-handle'

export interface ProfileSqlRow {
  id: number
  profile_id: string
  profile_name: string
  twitter_username: string | null
  api_app: string | null
  mapping_source: ProfileRow['mappingSource']
  metadata: string | null
  is_active: number
  in_use: number
  last_synced: string | null
  manual_fix_since: string | null
  manual_fix_reason: string | null
  last_status: ProfileRow['lastStatus']
  last_api_app: string | null
  last_error_code: string | null
  last_attempt_at: string | null
  last_authorized_at: string | null
  token_expires_at: string | null
  token_status: ProfileRow['tokenStatus']
  /** JSON `[[api_app, token_status, expires_at, completed_at, error_code, delivered, refreshable], …]` (PostgreSQL: parsed). */
  tokens: string | unknown[] | null
}

/** One app's newest completed session of an account, as a JSON array (read back by `parseTokens`). */
const TOKEN_FIELDS = `t.api_app, t.token_status, t.expires_at, t.completed_at, t.error_code, t.delivered_to_callback, t.refreshable`
const TOKEN_COLUMNS = `token_status, expires_at, error_code, delivered_to_callback, refresh_token IS NOT NULL AS refreshable`

/** The account's newest completed session per API app, newest by completion (as `newest-tokens.ts` counts). */
const ACCOUNT_TOKENS: Record<DatabaseKind, (username: string) => string> = {
  // SQLite takes a group's bare columns from the row holding its MAX(): one pass over the (username, app) index.
  sqlite: (username) => `(SELECT json_group_array(json_array(${TOKEN_FIELDS})) FROM (
      SELECT api_app, MAX(completed_at) AS completed_at, ${TOKEN_COLUMNS}
      FROM authorization_sessions WHERE twitter_username = ${username} AND ${DIALECTS.sqlite.noIndex('status')} = 'completed' GROUP BY api_app) AS t)`,
  postgres: (username) => `(SELECT json_agg(json_build_array(${TOKEN_FIELDS})) FROM (
      SELECT DISTINCT ON (api_app) api_app, completed_at, ${TOKEN_COLUMNS} FROM authorization_sessions
      WHERE twitter_username = ${username} AND status = 'completed' ORDER BY api_app, completed_at DESC, id DESC) AS t)`,
}

/** Each profile's newest attempt `s` and newest completed session `a`, joined the way each database plans well. */
const NEWEST_SESSIONS: Record<DatabaseKind, string> = {
  // SQLite: MAX(id) over the profile_id index, one seek per profile (`+status` keeps it off the status index).
  sqlite: `LEFT JOIN authorization_sessions AS s ON s.id = (SELECT MAX(id) FROM authorization_sessions WHERE profile_id = p.profile_id)
  LEFT JOIN authorization_sessions AS a ON a.id =
    (SELECT MAX(id) FROM authorization_sessions WHERE profile_id = p.profile_id AND ${DIALECTS.sqlite.noIndex('status')} = 'completed')`,
  // PostgreSQL would hash-join those MAX(id)s against every session; LATERAL keeps it to the page's profiles.
  postgres: `LEFT JOIN LATERAL (SELECT status, api_app, error_code, completed_at, started_at, created_at FROM authorization_sessions
      WHERE profile_id = p.profile_id ORDER BY id DESC LIMIT 1) AS s ON TRUE
  LEFT JOIN LATERAL (SELECT completed_at, expires_at, token_status FROM authorization_sessions
      WHERE profile_id = p.profile_id AND status = 'completed' ORDER BY id DESC LIMIT 1) AS a ON TRUE`,
}

export interface ProfileRowsOptions {
  /** false: `tokens` is NULL (read back as no tokens), for readers that do not show them (the REST API); default true. */
  tokens?: boolean
  /** More output columns, e.g. `, (SELECT …) AS x` (with the leading comma). */
  extraColumns?: string
}

/** Profiles chosen by `chosen` (a SELECT over `profiles`), each with its newest attempt and newest completed session. */
export const profileRowsSql = (
  chosen: string,
  orderBy: string,
  kind: DatabaseKind = 'sqlite',
  { tokens = true, extraColumns = '' }: ProfileRowsOptions = {},
) => `SELECT p.id, p.profile_id, p.profile_name, p.twitter_username, p.api_app, p.mapping_source,
    p.metadata, p.is_active, p.in_use, p.last_synced, p.manual_fix_since, p.manual_fix_reason,
    s.status AS last_status, s.api_app AS last_api_app, s.error_code AS last_error_code,
    COALESCE(s.completed_at, s.started_at, s.created_at) AS last_attempt_at,
    a.completed_at AS last_authorized_at, a.expires_at AS token_expires_at, a.token_status AS token_status,
    ${tokens ? `CASE WHEN p.twitter_username IS NULL THEN NULL ELSE ${ACCOUNT_TOKENS[kind]('p.twitter_username')} END` : 'NULL'} AS tokens${extraColumns}
  FROM (${chosen}) AS p
  ${NEWEST_SESSIONS[kind]}
  ORDER BY ${orderBy}`

/** One page: `(cursor, limit)`; exported so a test can check SQLite's plan for it. */
export const PROFILE_PAGE_SQL = profileRowsSql('SELECT * FROM profiles WHERE id > ? ORDER BY id LIMIT ?', 'p.id')

const statements = (kind: DatabaseKind) => ({
  page: profileRowsSql('SELECT * FROM profiles WHERE id > ? ORDER BY id LIMIT ?', 'p.id', kind),
  count: 'SELECT COUNT(*) AS total FROM profiles',
  tokens: `SELECT ${ACCOUNT_TOKENS[kind]('?')} AS tokens`,
  byId: profileRowsSql('SELECT * FROM profiles WHERE profile_id = ?', 'p.id', kind),
  byUsername: profileRowsSql(
    `SELECT *, CASE WHEN is_active = TRUE THEN 0 ELSE 2 END + CASE WHEN mapping_source IN ('import', 'edit') THEN 0 ELSE 1 END AS rank
      FROM profiles WHERE twitter_username = ?`,
    'p.rank, p.id',
    kind,
  ),
})

export interface ProfilePage {
  rows: ProfileRow[]
  /** Pass back as `cursor` for the next page; null after the last one. */
  nextCursor: number | null
  total: number
}

export class ProfileQueries {
  private readonly rows: RowReader
  private readonly sql: ReturnType<typeof statements>
  private readonly kind: DatabaseKind

  constructor(database: { dataSource: DataSource }) {
    this.rows = rowReader(database.dataSource)
    this.kind = dialectOf(database.dataSource).kind
    this.sql = statements(this.kind)
  }

  /** Profiles after `cursor` (0 = from the start) in id order, inactive ones included. */
  async page(cursor: number, limit: number): Promise<ProfilePage> {
    // One row more than asked tells whether another page follows, without a second query.
    const found = await this.rows.all<ProfileSqlRow>(this.sql.page, [cursor, limit + 1])
    const rows = found.slice(0, limit)
    const { total } = (await this.rows.get<{ total: number }>(this.sql.count))!
    return { rows: rows.map(toProfileRow), nextCursor: found.length > limit ? rows[rows.length - 1].id : null, total }
  }

  async byId(profileId: string): Promise<ProfileRow | null> {
    const row = await this.rows.get<ProfileSqlRow>(this.sql.byId, [profileId])
    return row ? toProfileRow(row) : null
  }

  /** The account's newest completed session per API app (what a profile row's `tokens` holds). */
  async accountTokens(username: string): Promise<Record<string, AppToken>> {
    const row = await this.rows.get<{ tokens: ProfileSqlRow['tokens'] }>(this.sql.tokens, [username])
    return parseTokens(row?.tokens ?? null)
  }

  /** The profiles of these GoLogin ids (unknown ids left out). */
  async byIds(profileIds: readonly string[]): Promise<ProfileRow[]> {
    if (!profileIds.length) return []
    const sql = profileRowsSql(`SELECT * FROM profiles WHERE profile_id IN (${profileIds.map(() => '?').join(', ')})`, 'p.id', this.kind)
    return (await this.rows.all<ProfileSqlRow>(sql, [...profileIds])).map(toProfileRow)
  }

  /**
   * Profiles mapped to `username` (any case, `@` optional), best first: active before inactive, the
   * operator's mappings before pattern ones, then the oldest.
   */
  async byUsername(username: string): Promise<ProfileRow[]> {
    return (await this.rows.all<ProfileSqlRow>(this.sql.byUsername, [username.trim().replace(/^@+/, '')])).map(toProfileRow)
  }
}

/**
 * After a token of an account changed (stored, renewed, given up, verified): its profile's row gets the account's
 * tokens per app, read back after the commit, so the grid shows what a reload would. A failed read is only logged.
 */
export async function pushAccountTokens(
  deps: { db: { dataSource: DataSource }; events?: Pick<EventHub, 'emit'>; log: Logger },
  account: { profileId: string; username: string | null },
): Promise<void> {
  if (!deps.events || !account.username) return
  try {
    deps.events.emit('profiles', { id: account.profileId, tokens: await new ProfileQueries(deps.db).accountTokens(account.username) })
  } catch (error) {
    deps.log.warn('profiles.tokens_read_failed', { profileId: account.profileId, err: error }, 'Could not read the account’s tokens for the grid; a reload shows them')
  }
}

export function toProfileRow(row: ProfileSqlRow): ProfileRow {
  const metadata = parseMetadata(row.metadata)
  return {
    id: row.profile_id,
    name: row.profile_name,
    username: row.twitter_username,
    apiApp: row.api_app,
    mappingSource: row.mapping_source,
    folder: metadata.folder ?? null,
    tags: Array.isArray(metadata.tags) ? metadata.tags : [],
    notes: metadata.notes ?? '',
    os: metadata.os || null,
    proxyCountry: metadata.proxy?.country ?? null,
    isActive: row.is_active === 1,
    inUse: row.in_use === 1,
    lastSynced: isoFromSqlite(row.last_synced),
    lastStatus: row.last_status,
    lastApiApp: row.last_api_app ?? null,
    lastErrorCode: isErrorCode(row.last_error_code) ? row.last_error_code : row.last_error_code ? 'INTERNAL_ERROR' : null,
    lastAttemptAt: isoFromSqlite(row.last_attempt_at),
    lastAuthorizedAt: isoFromSqlite(row.last_authorized_at),
    tokenExpiresAt: isoFromSqlite(row.token_expires_at),
    tokenStatus: row.token_status,
    tokens: parseTokens(row.tokens),
    manualFixSince: isoFromSqlite(row.manual_fix_since),
    manualFixReason: isErrorCode(row.manual_fix_reason) ? row.manual_fix_reason : row.manual_fix_reason ? 'INTERNAL_ERROR' : null,
  }
}

/** The `tokens` column: by API app name, in the order the SQL grouped them (by app). */
export function parseTokens(value: string | unknown[] | null): Record<string, AppToken> {
  if (value === null || value === '[]') return {}
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as TokenTuple[]
  const tokens: Record<string, AppToken> = {}
  for (const [apiApp, tokenStatus, expiresAt, completedAt, errorCode, delivered, refreshable] of list) {
    tokens[apiApp] = {
      tokenStatus: TOKEN_STATUSES.includes(tokenStatus as TokenStatus) ? (tokenStatus as TokenStatus) : null,
      expiresAt: isoFromSqlite(expiresAt),
      authorizedAt: isoFromSqlite(completedAt),
      unverified: errorCode === 'X_ACCOUNT_UNVERIFIED',
      refreshable: refreshable === 1 || refreshable === true,
      delivered: delivered === 1 || delivered === true,
    }
  }
  return tokens
}

type TokenTuple = [string, string | null, string | null, string | null, string | null, number | boolean | null, number | boolean]

function parseMetadata(text: string | null): ProfileMetadata {
  if (!text) return {}
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? (parsed as ProfileMetadata) : {}
  } catch {
    return {}
  }
}

