/**
 * The figures of the monitor (issue 6), read from the database in a few indexed queries: queue and
 * running sessions, failures and failure rate over the last hour, tokens expiring within the hour.
 */
import { isoFromSqlite, rowReader, sqliteDateTime, type Database } from '../db'

export interface SessionFigures {
  pendingSessions: number
  runningSessions: number
  /** `failed` + `timeout` completed in the last hour. */
  failuresLastHour: number
  /** Attempts that ended in the last hour (completed, failed, timeout; cancelled ones are not attempts). */
  finishedLastHour: number
  /** When the oldest of those attempts leaves the hour (the figures drop then); null: none. */
  nextExpiryAt: Date | null
  /** Newest valid tokens expiring within the next hour. */
  tokensExpiringNextHour: number
  /** Of those, the ones without a refresh token (they cannot be refreshed). */
  unrefreshableExpiringNextHour: number
}

export async function readSessionFigures(db: Pick<Database, 'dataSource'>, now = new Date()): Promise<SessionFigures> {
  const rows = rowReader(db.dataSource)
  const hourAgo = sqliteDateTime(new Date(now.getTime() - 3_600_000))
  const counts = (await rows.get<{ pending: number; running: number }>(
    `SELECT
       COUNT(*) FILTER (WHERE status = 'pending') AS pending,
       COUNT(*) FILTER (WHERE status = 'in_progress') AS running
     FROM authorization_sessions WHERE status IN ('pending', 'in_progress')`,
  ))!
  const finished = (await rows.get<{ failures: number; finished: number; oldest: string | Date | null }>(
    `SELECT COUNT(*) FILTER (WHERE status IN ('failed', 'timeout')) AS failures, COUNT(*) AS finished, MIN(completed_at) AS oldest
     FROM authorization_sessions WHERE status IN ('completed', 'failed', 'timeout') AND completed_at > ?`,
    [hourAgo],
  ))!
  // Each minute, so no per-account "newest" check: storing a new token marks the account's older ones
  // `replaced` in the same transaction, which leaves one `valid` token per account and API app.
  const soon = (await rows.get<{ expiring: number; unrefreshable: number }>(
    `SELECT COUNT(*) AS expiring, COUNT(*) FILTER (WHERE refresh_token IS NULL) AS unrefreshable FROM authorization_sessions
     WHERE status = 'completed' AND token_status = 'valid' AND access_token IS NOT NULL AND expires_at > ? AND expires_at <= ?`,
    [sqliteDateTime(now), sqliteDateTime(new Date(now.getTime() + 3_600_000))],
  ))!
  return {
    pendingSessions: counts.pending,
    runningSessions: counts.running,
    failuresLastHour: finished.failures,
    finishedLastHour: finished.finished,
    nextExpiryAt: expiryOf(finished.oldest),
    tokensExpiringNextHour: soon.expiring,
    unrefreshableExpiringNextHour: soon.unrefreshable,
  }
}

/** Failed share of the attempts finished, 0–100 with one decimal. */
export function failureRate(failures: number, finished: number): number {
  return finished ? Math.round((failures / finished) * 1000) / 10 : 0
}


/** An hour after the oldest attempt counted (when it leaves the hour). */
function expiryOf(oldest: string | Date | null): Date | null {
  const iso = isoFromSqlite(oldest)
  return iso ? new Date(Date.parse(iso) + 3_600_000) : null
}
