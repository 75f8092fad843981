/**
 * The read side of authorization sessions for the Sessions page: newest-first pages with filters,
 * one session, its failure screenshot as a data URL, and the batches known. Never reads a secret
 * column, so nothing is decrypted to answer the UI.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { DataSource } from 'typeorm'
import type { BatchSummary, CallbackAnswer, SessionPage, SessionRow, SessionStatus } from '../../../shared/contract/sessions'
import { DomainException, type ErrorCode } from '../../../shared/errors'
import { dialectOf } from '../../db/dialect'
import { isoFromSqlite } from '../../db/sqlite-handle'

export interface SessionListQuery {
  batchId?: string
  statuses?: readonly SessionStatus[]
  search?: string
  limit: number
  /** `nextCursor` of the previous page. */
  cursor?: number
}

interface SessionSqlRow {
  pk: number
  session_id: string
  batch_id: string | null
  profile_id: string
  profile_name: string | null
  twitter_username: string | null
  api_app: string
  status: SessionStatus
  step: SessionRow['step']
  error_code: string | null
  error_message: string | null
  attempt: number
  retry_of: string | null
  x_user_id: string | null
  scopes: string | null
  token_status: SessionRow['tokenStatus']
  expires_at: string | null
  created_at: string
  started_at: string | null
  completed_at: string | null
  duration_ms: number | null
  has_screenshot: number
  delivered_to_callback: number | null
  callback_answer: string | null
}

const SELECT = `SELECT s.id AS pk, s.session_id, s.batch_id, s.profile_id, p.profile_name, s.twitter_username, s.api_app, s.status, s.step,
    s.error_code, s.error_message, s.attempt, s.retry_of, s.x_user_id, s.scopes, s.token_status, s.expires_at, s.created_at,
    s.started_at, s.completed_at, s.duration_ms, s.screenshot_path IS NOT NULL AS has_screenshot,
    s.delivered_to_callback, s.callback_answer
  FROM authorization_sessions s LEFT JOIN profiles p ON p.profile_id = s.profile_id`

/** Screenshots above this size are not sent over IPC. */
const MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024

export class SessionQueries {
  constructor(private readonly deps: { dataSource: DataSource; screenshotDir: string }) {}

  /** Newest first (by insertion); `cursor` continues after the last row of the previous page. */
  async list(query: SessionListQuery): Promise<SessionPage> {
    const where: string[] = []
    const params: unknown[] = []
    if (query.batchId) {
      where.push('s.batch_id = ?')
      params.push(query.batchId)
    }
    if (query.statuses?.length) {
      where.push(`s.status IN (${query.statuses.map(() => '?').join(', ')})`)
      params.push(...query.statuses)
    }
    const term = query.search?.trim().replace(/^@/, '')
    if (term) {
      const like = `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`
      const { ilike } = dialectOf(this.deps.dataSource)
      where.push(`(s.twitter_username ${ilike} ? ESCAPE '\\' OR p.profile_name ${ilike} ? ESCAPE '\\' OR s.profile_id = ? OR s.session_id = ? OR s.batch_id = ?)`)
      params.push(like, like, term, term, term)
    }
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const paged = query.cursor !== undefined ? `${filter ? `${filter} AND` : 'WHERE'} s.id < ?` : filter
    const rows: SessionSqlRow[] = await this.deps.dataSource.query(`${SELECT} ${paged} ORDER BY s.id DESC LIMIT ?`, [
      ...params,
      ...(query.cursor !== undefined ? [query.cursor] : []),
      query.limit + 1,
    ])
    const [{ total }]: Array<{ total: number }> = await this.deps.dataSource.query(
      `SELECT COUNT(*) AS total FROM authorization_sessions s ${term ? 'LEFT JOIN profiles p ON p.profile_id = s.profile_id' : ''} ${filter}`,
      params,
    )
    const more = rows.length > query.limit
    const page = more ? rows.slice(0, query.limit) : rows
    return { rows: page.map(toSessionRow), nextCursor: more ? page[page.length - 1].pk : null, total }
  }

  /** One session; `NOT_FOUND` when unknown. */
  async get(sessionId: string): Promise<SessionRow> {
    const [row]: SessionSqlRow[] = await this.deps.dataSource.query(`${SELECT} WHERE s.session_id = ?`, [sessionId])
    if (!row) throw new DomainException('NOT_FOUND', `No authorization session ${sessionId}`, { details: { sessionId } })
    return toSessionRow(row)
  }

  /** The sessions of these ids (in no order; unknown ids are left out), for live patches of changes made elsewhere. */
  async byIds(sessionIds: readonly string[]): Promise<SessionRow[]> {
    if (!sessionIds.length) return []
    const rows: SessionSqlRow[] = await this.deps.dataSource.query(`${SELECT} WHERE s.session_id IN (${sessionIds.map(() => '?').join(', ')})`, [...sessionIds])
    return rows.map(toSessionRow)
  }

  /** The failure screenshot as a `data:image/png;base64,…` URL; null when there is none (or it was cleaned up). */
  async screenshot(sessionId: string): Promise<{ dataUrl: string | null }> {
    const [row]: Array<{ screenshot_path: string | null }> = await this.deps.dataSource.query(
      'SELECT screenshot_path FROM authorization_sessions WHERE session_id = ?',
      [sessionId],
    )
    if (!row) throw new DomainException('NOT_FOUND', `No authorization session ${sessionId}`, { details: { sessionId } })
    const file = row.screenshot_path
    // Only files inside the screenshots folder are ever read, whatever the row says.
    if (!file || !isInside(this.deps.screenshotDir, file)) return { dataUrl: null }
    try {
      const stat = await fs.promises.stat(file)
      if (!stat.isFile() || stat.size > MAX_SCREENSHOT_BYTES) return { dataUrl: null }
      return { dataUrl: `data:image/png;base64,${(await fs.promises.readFile(file)).toString('base64')}` }
    } catch {
      return { dataUrl: null }
    }
  }

  /** The batches known, newest first, with their counts. */
  async batches(limit: number): Promise<BatchSummary[]> {
    const rows: Array<{ batch_id: string; api_apps: string; created_at: string; total: number; completed: number; failed: number }> =
      await this.deps.dataSource.query(
        `SELECT batch_id, ${dialectOf(this.deps.dataSource).groupConcatDistinct('api_app')} AS api_apps, MIN(created_at) AS created_at, COUNT(*) AS total,
            COUNT(*) FILTER (WHERE status = 'completed') AS completed, COUNT(*) FILTER (WHERE status IN ('failed', 'timeout')) AS failed
          FROM authorization_sessions WHERE batch_id IS NOT NULL GROUP BY batch_id ORDER BY MAX(id) DESC LIMIT ?`,
        [limit],
      )
    return rows.map((row) => ({
      batchId: row.batch_id,
      apiApp: row.api_apps.split(',').join(', '),
      createdAt: isoFromSqlite(row.created_at) ?? row.created_at,
      total: row.total,
      completed: row.completed,
      failed: row.failed,
    }))
  }
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(path.resolve(dir), path.resolve(file))
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)
}

function toSessionRow(row: SessionSqlRow): SessionRow {
  return {
    id: row.session_id,
    batchId: row.batch_id,
    profileId: row.profile_id,
    profileName: row.profile_name,
    username: row.twitter_username ?? '',
    apiApp: row.api_app,
    status: row.status,
    step: row.step,
    errorCode: row.error_code as ErrorCode | null,
    errorMessage: row.error_message,
    attempt: row.attempt,
    retryOf: row.retry_of,
    xUserId: row.x_user_id,
    scopes: parseScopes(row.scopes),
    tokenStatus: row.token_status,
    expiresAt: isoFromSqlite(row.expires_at),
    createdAt: isoFromSqlite(row.created_at) ?? row.created_at,
    startedAt: isoFromSqlite(row.started_at),
    completedAt: isoFromSqlite(row.completed_at),
    durationMs: row.duration_ms,
    hasScreenshot: row.has_screenshot === 1,
    deliveredToCallback: Boolean(row.delivered_to_callback),
    callbackAnswer: parseCallbackAnswer(row.callback_answer),
  }
}

function parseCallbackAnswer(text: string | null): CallbackAnswer | null {
  if (!text) return null
  try {
    const value = JSON.parse(text) as CallbackAnswer
    return value && typeof value === 'object' ? { status: value.status ?? null, url: value.url ?? null, markerMatched: value.markerMatched ?? null } : null
  } catch {
    return null
  }
}

function parseScopes(text: string | null): string[] | null {
  if (!text) return null
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value.map(String) : null
  } catch {
    return null
  }
}

