/**
 * The read side of `RestApiBackend` straight from the database (profiles by page or by account,
 * sessions by id), so the composition root only has to supply authorize, sync and health.
 */
import type { DataSource, FindOptionsSelect } from 'typeorm'
import type { ProfileRow } from '../../../shared/contract/profiles'
import type { SessionRow } from '../../../shared/contract/sessions'
import type { ErrorCode } from '../../../shared/errors'
import { dialectOf, type DatabaseKind } from '../../db/dialect'
import { AuthorizationSessionEntity } from '../../db/entities'
import { rowReader, type RowReader } from '../../db/rows'
import { isoFromSqlite } from '../../db/sqlite-handle'
import { profileRowsSql, toProfileRow, type ProfileSqlRow } from '../../services/gologin/profile-queries'
import type { RestApiBackend, RestSession } from './backend'

// Paged by GoLogin id (time-ordered, like Mongo ids): OFFSET then walks the small unique index, not the table.
// The row shape and the newest-attempt joins are the grid's (ProfileQueries), so both APIs show the same profile.
const statements = (kind: DatabaseKind) => ({
  page: profileRowsSql('SELECT * FROM profiles WHERE id IN (SELECT id FROM profiles ORDER BY profile_id LIMIT ? OFFSET ?)', 'p.profile_id', kind),
  count: 'SELECT COUNT(*) AS total FROM profiles',
  // Parameters: id, username, id.
  one: profileRowsSql(
    `SELECT * FROM profiles WHERE profile_id = ? OR twitter_username = ?
      ORDER BY (profile_id = ?) DESC, is_active DESC, id LIMIT 1`,
    'p.id',
    kind,
  ),
  name: 'SELECT profile_name FROM profiles WHERE profile_id = ?',
})

const SESSION_COLUMNS_WITHOUT_SECRETS: FindOptionsSelect<AuthorizationSessionEntity> = Object.fromEntries(
  [
    'id', 'sessionId', 'batchId', 'profileId', 'twitterUsername', 'apiApp', 'status', 'step', 'errorCode', 'errorMessage', 'attempt',
    'retryOf', 'scopes', 'xUserId', 'expiresAt', 'tokenStatus', 'screenshotPath', 'durationMs', 'createdAt', 'startedAt', 'completedAt',
    'deliveredToCallback', 'callbackAnswer',
  ].map((column) => [column, true]),
)

export class DbRestApiReads implements Pick<RestApiBackend, 'listProfiles' | 'getProfile' | 'getSession'> {
  private readonly rows: RowReader
  private readonly sql: ReturnType<typeof statements>

  constructor(private readonly database: { dataSource: DataSource }) {
    this.rows = rowReader(database.dataSource)
    this.sql = statements(dialectOf(database.dataSource).kind)
  }

  async listProfiles(page: number, pageSize: number): Promise<{ items: ProfileRow[]; total: number }> {
    const rows = await this.rows.all<ProfileSqlRow>(this.sql.page, [pageSize, (page - 1) * pageSize])
    const { total } = (await this.rows.get<{ total: number }>(this.sql.count))!
    return { items: rows.map(toProfileRow), total }
  }

  async getProfile(accountId: string): Promise<ProfileRow | null> {
    const username = accountId.replace(/^@/, '')
    const row = await this.rows.get<ProfileSqlRow>(this.sql.one, [accountId, username, accountId])
    return row ? toProfileRow(row) : null
  }

  async getSession(sessionId: string, opts: { includeTokens: boolean }): Promise<RestSession | null> {
    const repo = this.database.dataSource.getRepository(AuthorizationSessionEntity)
    // Without tokens:read the secret columns are not even read, so nothing is decrypted.
    const entity = await repo.findOne({ where: { sessionId }, ...(opts.includeTokens ? {} : { select: SESSION_COLUMNS_WITHOUT_SECRETS }) })
    if (!entity) return null
    const profile = await this.rows.get<{ profile_name: string }>(this.sql.name, [entity.profileId])
    const row = toSessionRow(entity, profile?.profile_name ?? null)
    if (!opts.includeTokens) return row
    return { ...row, tokens: { accessToken: entity.accessToken, refreshToken: entity.refreshToken, oauthTokenSecret: entity.oauthTokenSecret, scopes: entity.scopes } }
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
    deliveredToCallback: Boolean(entity.deliveredToCallback),
    callbackAnswer: entity.callbackAnswer ?? null,
  }
}
