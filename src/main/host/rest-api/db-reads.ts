/**
 * The read side of `RestApiBackend` straight from the database (profiles by page or by account,
 * sessions by id), so the composition root only has to supply authorize, sync and health.
 */
import type { DataSource, FindOptionsSelect } from 'typeorm'
import type { ProfileRow } from '../../../shared/contract/profiles'
import type { SessionRow } from '../../../shared/contract/sessions'
import type { ErrorCode } from '../../../shared/errors'
import { AuthorizationSessionEntity, type ProfileMetadata } from '../../db/entities'
import { sqliteHandle, type SqliteStatement } from '../../db/sqlite-handle'
import type { RestApiBackend, RestSession } from './backend'

interface ProfileSqlRow {
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

// The newest attempt and the newest successful one of each profile (ids grow with time; `+status`
// keeps SQLite on the profile_id index), joined to the chosen rows only: joined before LIMIT/OFFSET,
// they would be computed for every skipped row.
const profileSelect = (chosen: string) => `SELECT p.profile_id, p.profile_name, p.twitter_username, p.api_app, p.mapping_source, p.metadata,
    p.is_active, p.in_use, p.last_synced,
    s.status AS last_status, s.error_code AS last_error_code, s.created_at AS last_attempt_at,
    a.completed_at AS last_authorized_at, a.expires_at AS token_expires_at, a.token_status AS token_status
  FROM (${chosen}) p
  LEFT JOIN authorization_sessions s ON s.id = (SELECT MAX(id) FROM authorization_sessions WHERE profile_id = p.profile_id)
  LEFT JOIN authorization_sessions a ON a.id = (SELECT MAX(id) FROM authorization_sessions
    WHERE profile_id = p.profile_id AND +status = 'completed')
  ORDER BY p.sort_key`

const SESSION_COLUMNS_WITHOUT_SECRETS: FindOptionsSelect<AuthorizationSessionEntity> = Object.fromEntries(
  [
    'id', 'sessionId', 'batchId', 'profileId', 'twitterUsername', 'apiApp', 'status', 'step', 'errorCode', 'errorMessage', 'attempt',
    'retryOf', 'scopes', 'xUserId', 'expiresAt', 'tokenStatus', 'screenshotPath', 'durationMs', 'createdAt', 'startedAt', 'completedAt',
  ].map((column) => [column, true]),
)

export class DbRestApiReads implements Pick<RestApiBackend, 'listProfiles' | 'getProfile' | 'getSession'> {
  private statements: { page: SqliteStatement; count: SqliteStatement; one: SqliteStatement; name: SqliteStatement } | null = null

  constructor(private readonly database: { dataSource: DataSource }) {}

  private get sql() {
    // Prepared once on first use: the connection must be open by then.
    this.statements ??= (() => {
      const db = sqliteHandle(this.database.dataSource)
      return {
        // Ordered by GoLogin id (time-ordered, like Mongo ids): OFFSET then walks the small unique index, not the table.
        page: db.prepare(
          profileSelect('SELECT *, profile_id AS sort_key FROM profiles WHERE id IN (SELECT id FROM profiles ORDER BY profile_id LIMIT ? OFFSET ?)'),
        ),
        count: db.prepare('SELECT COUNT(*) AS total FROM profiles'),
        one: db.prepare(
          profileSelect(`SELECT *, 0 AS sort_key FROM profiles WHERE profile_id = @id OR twitter_username = @username
            ORDER BY (profile_id = @id) DESC, is_active DESC, id LIMIT 1`),
        ),
        name: db.prepare('SELECT profile_name FROM profiles WHERE profile_id = ?'),
      }
    })()
    return this.statements
  }

  async listProfiles(page: number, pageSize: number): Promise<{ items: ProfileRow[]; total: number }> {
    const rows = this.sql.page.all(pageSize, (page - 1) * pageSize) as ProfileSqlRow[]
    const { total } = this.sql.count.get() as { total: number }
    return { items: rows.map(toProfileRow), total }
  }

  async getProfile(accountId: string): Promise<ProfileRow | null> {
    const username = accountId.replace(/^@/, '')
    const row = this.sql.one.get({ id: accountId, username }) as ProfileSqlRow | undefined
    return row ? toProfileRow(row) : null
  }

  async getSession(sessionId: string, opts: { includeTokens: boolean }): Promise<RestSession | null> {
    const repo = this.database.dataSource.getRepository(AuthorizationSessionEntity)
    // Without tokens:read the secret columns are not even read, so nothing is decrypted.
    const entity = await repo.findOne({ where: { sessionId }, ...(opts.includeTokens ? {} : { select: SESSION_COLUMNS_WITHOUT_SECRETS }) })
    if (!entity) return null
    const profile = this.sql.name.get(entity.profileId) as { profile_name: string } | undefined
    const row = toSessionRow(entity, profile?.profile_name ?? null)
    if (!opts.includeTokens) return row
    return { ...row, tokens: { accessToken: entity.accessToken, refreshToken: entity.refreshToken, scopes: entity.scopes } }
  }
}

const SQLITE_DATETIME = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,3}))?$/

/** SQLite `YYYY-MM-DD HH:MM:SS[.SSS]` (UTC) → ISO 8601. */
export function isoFromSqlite(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  // Fast path for what TypeORM and the bulk writer store: rewrite the text, no Date round trip.
  const plain = SQLITE_DATETIME.exec(value)
  if (plain) return `${plain[1]}T${plain[2]}.${(plain[3] ?? '').padEnd(3, '0')}Z`
  const normalized = /[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value.replace(' ', 'T')}Z`
  const date = new Date(normalized)
  return Number.isNaN(date.getTime()) ? null : date.toISOString()
}

function parseMetadata(text: string | null): ProfileMetadata {
  if (!text) return {}
  try {
    return (JSON.parse(text) as ProfileMetadata) ?? {}
  } catch {
    return {}
  }
}

function toProfileRow(row: ProfileSqlRow): ProfileRow {
  const metadata = parseMetadata(row.metadata)
  return {
    id: row.profile_id,
    name: row.profile_name,
    username: row.twitter_username,
    apiApp: row.api_app,
    mappingSource: row.mapping_source,
    folder: metadata.folder ?? null,
    tags: metadata.tags ?? [],
    notes: metadata.notes ?? '',
    os: metadata.os ?? null,
    proxyCountry: metadata.proxy?.country ?? null,
    isActive: row.is_active === 1,
    inUse: row.in_use === 1,
    lastSynced: isoFromSqlite(row.last_synced),
    lastStatus: row.last_status,
    lastErrorCode: row.last_error_code as ErrorCode | null,
    lastAttemptAt: isoFromSqlite(row.last_attempt_at),
    lastAuthorizedAt: isoFromSqlite(row.last_authorized_at),
    tokenExpiresAt: isoFromSqlite(row.token_expires_at),
    tokenStatus: row.token_status,
  }
}

function toSessionRow(entity: AuthorizationSessionEntity, profileName: string | null): SessionRow {
  return {
    id: entity.sessionId,
    batchId: entity.batchId,
    profileId: entity.profileId,
    profileName,
    username: entity.twitterUsername ?? '',
    apiApp: entity.apiApp,
    status: entity.status,
    step: entity.step,
    errorCode: entity.errorCode as ErrorCode | null,
    errorMessage: entity.errorMessage,
    attempt: entity.attempt,
    retryOf: entity.retryOf,
    xUserId: entity.xUserId,
    scopes: entity.scopes,
    tokenStatus: entity.tokenStatus,
    expiresAt: isoFromSqlite(entity.expiresAt),
    createdAt: isoFromSqlite(entity.createdAt) ?? '',
    startedAt: isoFromSqlite(entity.startedAt),
    completedAt: isoFromSqlite(entity.completedAt),
    durationMs: entity.durationMs,
    hasScreenshot: Boolean(entity.screenshotPath),
  }
}
