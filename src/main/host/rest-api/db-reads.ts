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

/**
 * Pages are in GoLogin id order (time-ordered, like Mongo ids). Walking OFFSET rows of the id index cost a page
 * O(offset), and a COUNT(*) more on PostgreSQL (at 40,000 profiles most of a request), so the reader keeps every
 * `ANCHOR_STRIDE`-th id and the count in memory (`ProfileOrder`): a page starts at the anchor at or before its first
 * row and skips fewer than `ANCHOR_STRIDE` rows. They are only trusted while the table holds the same profiles: the
 * page's statement reads the table's fingerprint in the same snapshot as the page; another fingerprint (a profile
 * added or removed, here or by another host) drops them, that request is answered by the OFFSET statement and the
 * next one reads the anchors again.
 * The fingerprint: PostgreSQL's `profile_set_version` (migration 0016: it moves in the transaction that adds or
 * removes profiles); SQLite's COUNT(*) and MAX(id) (cheap there; one writer at a time and AUTOINCREMENT ids, so an
 * added profile always moves MAX(id), a removed one the count).
 * The row shape and the newest-attempt joins are the grid's (ProfileQueries), so both APIs show the same profile;
 * the per-app `tokens` the REST answers do not show are not read.
 */
const ANCHOR_STRIDE = 64
const FINGERPRINT: Record<DatabaseKind, string> = {
  // Two subqueries: SQLite counts a table's rows fast only in a bare COUNT(*).
  sqlite: `((SELECT COUNT(*) FROM profiles) || ':' || IFNULL((SELECT MAX(id) FROM profiles), ''))`,
  postgres: `(SELECT version::text FROM profile_set_version WHERE id = 1)`,
}
const LEAN = { tokens: false } as const

const statements = (kind: DatabaseKind) => ({
  // Parameters: anchor, page size, rows to skip after the anchor (fewer than ANCHOR_STRIDE).
  page: profileRowsSql('SELECT * FROM profiles WHERE profile_id >= ? ORDER BY profile_id LIMIT ? OFFSET ?', 'p.profile_id', kind, {
    ...LEAN,
    extraColumns: `, ${FINGERPRINT[kind]} AS table_fingerprint`,
  }),
  // One snapshot: the anchors, the count and the fingerprint they go with.
  anchors: `SELECT ranked.profile_id, f.table_rows, f.table_fingerprint
    FROM (SELECT profile_id, ROW_NUMBER() OVER (ORDER BY profile_id) AS n FROM profiles) AS ranked
    CROSS JOIN (SELECT COUNT(*) AS table_rows, ${FINGERPRINT[kind]} AS table_fingerprint FROM profiles) AS f
    WHERE (ranked.n - 1) % ${ANCHOR_STRIDE} = 0 ORDER BY ranked.profile_id`,
  // Without anchors (the table just changed, or a page past the end): OFFSET over the id index, and the count.
  offsetPage: profileRowsSql('SELECT * FROM profiles WHERE id IN (SELECT id FROM profiles ORDER BY profile_id LIMIT ? OFFSET ?)', 'p.profile_id', kind, LEAN),
  count: 'SELECT COUNT(*) AS total FROM profiles',
  // Parameters: id, username, id.
  one: profileRowsSql(
    `SELECT * FROM profiles WHERE profile_id = ? OR twitter_username = ?
      ORDER BY (profile_id = ?) DESC, is_active DESC, id LIMIT 1`,
    'p.id',
    kind,
    LEAN,
  ),
  name: 'SELECT profile_name FROM profiles WHERE profile_id = ?',
})

/** The table's profiles as of one snapshot: how many, its fingerprint, and every `ANCHOR_STRIDE`-th profile id in page order. */
interface ProfileOrder {
  rows: number
  fingerprint: string
  anchors: string[]
}

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
  /** The anchors as last read (null: not read yet, or found out of date). */
  private known: ProfileOrder | null = null
  private reading: Promise<ProfileOrder | null> | null = null

  constructor(private readonly database: { dataSource: DataSource }) {
    // The page statement's plan is the same for any anchor (an index range, LIMIT and OFFSET of at most 500 + 63).
    this.rows = rowReader(database.dataSource, { prepared: true })
    this.sql = statements(dialectOf(database.dataSource).kind)
  }

  async listProfiles(page: number, pageSize: number): Promise<{ items: ProfileRow[]; total: number }> {
    const offset = (page - 1) * pageSize
    const order = await this.order()
    const anchor = Math.floor(offset / ANCHOR_STRIDE)
    if (order && anchor < order.anchors.length) {
      const rows = await this.rows.all<ProfileSqlRow & { table_fingerprint: string | null }>(this.sql.page, [order.anchors[anchor], pageSize, offset - anchor * ANCHOR_STRIDE])
      // No rows (past the end of the last anchor's stretch) proves nothing about the table: answered below.
      if (rows.length && rows[0].table_fingerprint === order.fingerprint) return { items: rows.map(toProfileRow), total: order.rows }
      if (rows.length) this.forget(order)
    }
    const rows = await this.rows.all<ProfileSqlRow>(this.sql.offsetPage, [pageSize, offset])
    const { total } = (await this.rows.get<{ total: number }>(this.sql.count))!
    return { items: rows.map(toProfileRow), total }
  }

  /** The anchors: the known ones, else read (once for every request waiting); null for an empty table or a failed read. */
  private async order(): Promise<ProfileOrder | null> {
    if (this.known) return this.known
    this.reading ??= this.readOrder().finally(() => {
      this.reading = null
    })
    return this.reading
  }

  private async readOrder(): Promise<ProfileOrder | null> {
    try {
      const rows = await this.rows.all<{ profile_id: string; table_rows: number | string; table_fingerprint: string }>(this.sql.anchors)
      // An empty table has no row to carry its fingerprint (nor a page to find one): read again next time.
      if (!rows.length) return null
      const order: ProfileOrder = { rows: Number(rows[0].table_rows), fingerprint: rows[0].table_fingerprint, anchors: rows.map((row) => row.profile_id) }
      this.known = order
      return order
    } catch {
      // The OFFSET statement answers (and reports its own failure, if the database is down).
      return null
    }
  }

  /** Drops anchors a page found out of date; the next request reads them again. */
  private forget(order: ProfileOrder): void {
    if (this.known === order) this.known = null
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
