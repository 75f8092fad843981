/**
 * "The newest token of an account for an API app": among the completed sessions holding an access token,
 * the one completed last per (username, API app); a session without a username counts on its profile.
 * Export and refresh read tokens this way, so an older token of a re-authorized account is never exported
 * or refreshed. The filters are applied first and "newest" is checked per remaining row through the
 * (username, API app) index, so a refresh pass over a handful of due tokens stays cheap at 40,000 accounts.
 */
import type { DataSource } from 'typeorm'
import { DIALECTS, dialectOf, rowReader, sqliteDateTime, type DatabaseKind } from '../../db'

export interface NewestTokenFilter {
  /** Only this API app (null: all). */
  apiApp?: string | null
  /** Only tokens whose status is `valid` and whose access token has not expired at `now`. */
  onlyValid?: boolean
  /** Only `valid` tokens that can be refreshed (a refresh token is stored) and expire before this moment. */
  refreshableBefore?: Date
  now?: Date
}

const HOLDS_TOKEN = (alias: string) => `${alias}.status = 'completed' AND ${alias}.access_token IS NOT NULL`
const NEWER = `(COALESCE(n.completed_at, n.created_at) > COALESCE(s.completed_at, s.created_at)
  OR (COALESCE(n.completed_at, n.created_at) = COALESCE(s.completed_at, s.created_at) AND n.id > s.id))`
// Two lookups instead of one OR, so each can use an index: (twitter_username, api_app), then profile_id.
const IS_NEWEST = `NOT EXISTS (
    SELECT 1 FROM authorization_sessions n
    WHERE n.twitter_username = s.twitter_username AND n.api_app = s.api_app AND ${HOLDS_TOKEN('n')} AND ${NEWER})
  AND (s.twitter_username IS NOT NULL OR NOT EXISTS (
    SELECT 1 FROM authorization_sessions n
    WHERE n.profile_id = s.profile_id AND n.twitter_username IS NULL AND n.api_app = s.api_app AND ${HOLDS_TOKEN('n')} AND ${NEWER}))`

/**
 * SQL and parameters selecting the newest token per account+app (`select`: columns of the session `s`;
 * default its id), ordered by API app, then username (without case), unless `ordered` is false.
 */
export function newestTokensQuery(
  filter: NewestTokenFilter,
  query: { select?: string; ordered?: boolean; kind?: DatabaseKind } = {},
): { sql: string; params: unknown[] } {
  const params: unknown[] = []
  const where: string[] = [HOLDS_TOKEN('s')]
  if (filter.apiApp) {
    where.push(`s.api_app = ?`)
    params.push(filter.apiApp)
  }
  if (filter.onlyValid) {
    where.push(`s.token_status = 'valid'`, `(s.expires_at IS NULL OR s.expires_at > ?)`)
    params.push(sqliteDateTime(filter.now ?? new Date()))
  }
  if (filter.refreshableBefore) {
    where.push(`s.token_status = 'valid'`, `s.refresh_token IS NOT NULL`, `s.expires_at IS NOT NULL`, `s.expires_at < ?`)
    params.push(sqliteDateTime(filter.refreshableBefore))
  }
  where.push(IS_NEWEST)
  const order = query.ordered === false ? '' : `\n    ORDER BY s.api_app, ${DIALECTS[query.kind ?? 'sqlite'].orderNocase('s.twitter_username')}, s.id`
  return { sql: `SELECT ${query.select ?? 's.id'} FROM authorization_sessions s\n    WHERE ${where.join('\n      AND ')}${order}`, params }
}

/** Ids of the newest tokens matching the filter (a plain list of integers, cheap even for 40,000 accounts). */
export function newestTokenIds(dataSource: DataSource, filter: NewestTokenFilter): Promise<number[]> {
  const { sql, params } = newestTokensQuery(filter, { kind: dialectOf(dataSource).kind })
  return rowReader(dataSource).column<number>(sql, params)
}

