/**
 * The figures of the monitor (issue 6), read from the database in a few indexed queries: queue and
 * running sessions, failures and failure rate over the last hour, tokens expiring within the hour.
 */
import { sqliteDateTime, sqliteHandle, type Database } from '../db'

export interface SessionFigures {
  pendingSessions: number
  runningSessions: number
  /** `failed` + `timeout` completed in the last hour. */
  failuresLastHour: number
  /** Attempts that ended in the last hour (completed, failed, timeout; cancelled ones are not attempts). */
  finishedLastHour: number
  /** Newest valid tokens expiring within the next hour. */
  tokensExpiringNextHour: number
  /** Of those, the ones without a refresh token (they cannot be refreshed). */
  unrefreshableExpiringNextHour: number
}

export function readSessionFigures(db: Pick<Database, 'dataSource'>, now = new Date()): SessionFigures {
  const sqlite = sqliteHandle(db.dataSource)
  const hourAgo = sqliteDateTime(new Date(now.getTime() - 3_600_000))
  const counts = sqlite
    .prepare(
      `SELECT
         COALESCE(SUM(status = 'pending'), 0) AS pending,
         COALESCE(SUM(status = 'in_progress'), 0) AS running
       FROM authorization_sessions WHERE status IN ('pending', 'in_progress')`,
    )
    .get() as { pending: number; running: number }
  const finished = sqlite
    .prepare(
      `SELECT COALESCE(SUM(status IN ('failed', 'timeout')), 0) AS failures, COUNT(*) AS finished
       FROM authorization_sessions WHERE status IN ('completed', 'failed', 'timeout') AND completed_at > ?`,
    )
    .get(hourAgo) as { failures: number; finished: number }
  // Each minute, so no per-account "newest" check: storing a new token marks the account's older ones
  // `replaced` in the same transaction, which leaves one `valid` token per account and API app.
  const soon = sqlite
    .prepare(
      `SELECT COUNT(*) AS expiring, COALESCE(SUM(refresh_token IS NULL), 0) AS unrefreshable FROM authorization_sessions
       WHERE status = 'completed' AND token_status = 'valid' AND access_token IS NOT NULL AND expires_at > ? AND expires_at <= ?`,
    )
    .get(sqliteDateTime(now), sqliteDateTime(new Date(now.getTime() + 3_600_000))) as { expiring: number; unrefreshable: number }
  return {
    pendingSessions: counts.pending,
    runningSessions: counts.running,
    failuresLastHour: finished.failures,
    finishedLastHour: finished.finished,
    tokensExpiringNextHour: soon.expiring,
    unrefreshableExpiringNextHour: soon.unrefreshable,
  }
}

/** Failed share of the attempts finished, 0–100 with one decimal. */
export function failureRate(failures: number, finished: number): number {
  return finished ? Math.round((failures / finished) * 1000) / 10 : 0
}
