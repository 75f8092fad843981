/**
 * Profiles as the grid shows them (`ProfileRow`): one SQL statement per page joins each profile to
 * its newest attempt and its newest completed session. Both are picked by `MAX(id)` over the
 * `ix_authorization_sessions_profile_id` index (the rowid is the index's last column, so the max
 * is one index seek per profile), and only for the page's rows: the profiles are cut to the page
 * first, by keyset on `profiles.id` (the cursor), so a page costs the same wherever it starts.
 * `+status` keeps SQLite off the status index, which would scan every completed session per profile.
 */
import type { DataSource } from 'typeorm'
import type { ProfileRow } from '../../../shared/contract/profiles'
import { isErrorCode } from '../../../shared/errors'
import { isoFromSqlite, sqliteHandle, type SqliteStatement } from '../../db/sqlite-handle'
import type { ProfileMetadata } from '../../db/entities'

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
  last_status: ProfileRow['lastStatus']
  last_error_code: string | null
  last_attempt_at: string | null
  last_authorized_at: string | null
  token_expires_at: string | null
  token_status: ProfileRow['tokenStatus']
}

/** Profiles chosen by `chosen` (a SELECT over `profiles`), each with its newest attempt and newest completed session. */
export const profileRowsSql = (chosen: string, orderBy: string) => `SELECT p.id, p.profile_id, p.profile_name, p.twitter_username, p.api_app, p.mapping_source,
    p.metadata, p.is_active, p.in_use, p.last_synced,
    s.status AS last_status, s.error_code AS last_error_code,
    COALESCE(s.completed_at, s.started_at, s.created_at) AS last_attempt_at,
    a.completed_at AS last_authorized_at, a.expires_at AS token_expires_at, a.token_status AS token_status
  FROM (${chosen}) AS p
  LEFT JOIN authorization_sessions AS s ON s.id = (SELECT MAX(id) FROM authorization_sessions WHERE profile_id = p.profile_id)
  LEFT JOIN authorization_sessions AS a ON a.id =
    (SELECT MAX(id) FROM authorization_sessions WHERE profile_id = p.profile_id AND +status = 'completed')
  ORDER BY ${orderBy}`

/** One page: `(cursor, limit)`; exported so a test can check SQLite's plan for it. */
export const PROFILE_PAGE_SQL = profileRowsSql('SELECT * FROM profiles WHERE id > ? ORDER BY id LIMIT ?', 'p.id')

export interface ProfilePage {
  rows: ProfileRow[]
  /** Pass back as `cursor` for the next page; null after the last one. */
  nextCursor: number | null
  total: number
}

export class ProfileQueries {
  private prepared: { page: SqliteStatement; count: SqliteStatement; byId: SqliteStatement; byUsername: SqliteStatement } | null = null

  constructor(private readonly database: { dataSource: DataSource }) {}

  /** Profiles after `cursor` (0 = from the start) in id order, inactive ones included. */
  page(cursor: number, limit: number): ProfilePage {
    // One row more than asked tells whether another page follows, without a second query.
    const found = this.sql.page.all(cursor, limit + 1) as ProfileSqlRow[]
    const rows = found.slice(0, limit)
    const { total } = this.sql.count.get() as { total: number }
    return { rows: rows.map(toProfileRow), nextCursor: found.length > limit ? rows[rows.length - 1].id : null, total }
  }

  byId(profileId: string): ProfileRow | null {
    const row = this.sql.byId.get(profileId) as ProfileSqlRow | undefined
    return row ? toProfileRow(row) : null
  }

  /**
   * Profiles mapped to `username` (any case, `@` optional), best first: active before inactive, the
   * operator's mappings before pattern ones, then the oldest.
   */
  byUsername(username: string): ProfileRow[] {
    return (this.sql.byUsername.all(username.trim().replace(/^@+/, '')) as ProfileSqlRow[]).map(toProfileRow)
  }

  private get sql() {
    // Prepared on first use: the connection must be open by then.
    this.prepared ??= (() => {
      const db = sqliteHandle(this.database.dataSource)
      return {
        page: db.prepare(PROFILE_PAGE_SQL),
        count: db.prepare('SELECT COUNT(*) AS total FROM profiles'),
        byId: db.prepare(profileRowsSql('SELECT * FROM profiles WHERE profile_id = ?', 'p.id')),
        byUsername: db.prepare(
          profileRowsSql(
            `SELECT *, (1 - is_active) * 2 + (CASE WHEN mapping_source IN ('import', 'edit') THEN 0 ELSE 1 END) AS rank
              FROM profiles WHERE twitter_username = ?`,
            'p.rank, p.id',
          ),
        ),
      }
    })()
    return this.prepared
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
    lastErrorCode: isErrorCode(row.last_error_code) ? row.last_error_code : row.last_error_code ? 'INTERNAL_ERROR' : null,
    lastAttemptAt: isoFromSqlite(row.last_attempt_at),
    lastAuthorizedAt: isoFromSqlite(row.last_authorized_at),
    tokenExpiresAt: isoFromSqlite(row.token_expires_at),
    tokenStatus: row.token_status,
  }
}

function parseMetadata(text: string | null): ProfileMetadata {
  if (!text) return {}
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed && typeof parsed === 'object' ? (parsed as ProfileMetadata) : {}
  } catch {
    return {}
  }
}

