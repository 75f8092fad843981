/**
 * The hourly cleanup (issue 6): sessions `pending` / `in_progress` older than the limit become `timeout`
 * ("Session timed out after 2 hours"), `in_use` flags of profiles the slots are not running are reset,
 * and failure screenshots older than the retention are deleted (and their path cleared). Work the batch
 * runner still holds (a queued batch of 40,000 accounts takes hours) is never timed out.
 */
import fs from 'node:fs'
import path from 'node:path'
import { databaseKind, dialectOf, sqliteDateTime, sqliteHandle, type Database } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'

/** Which sessions are still being worked on (the batch runner); absent: none. */
export interface LiveSessions {
  isLive(session: { sessionId: string; batchId: string | null }): boolean
}

/** What the slots are running (`ProfileSlots` fits). */
export interface RunningProfiles {
  list(): Array<{ profileId: string }>
}

export interface SessionCleanupOptions {
  db: Pick<Database, 'dataSource' | 'transaction'>
  slots: RunningProfiles
  live?: LiveSessions | null
  /** `sessionTimeoutHours` (default 2). */
  sessionTimeoutHours: () => number
  /** `screenshotRetentionDays` (default 7; 0 removes all). */
  screenshotRetentionDays: () => number
  /** Folder of failure screenshots; files older than the retention are removed from it too. */
  screenshotDir: string
  /** Only files inside this folder are ever deleted (the data folder). */
  dataDir: string
  events?: Pick<EventHub, 'emit'>
  log: Logger
  /**
   * PostgreSQL (several hosts): this host. Sessions claimed by a live host (lease not expired) or queued in a
   * running or paused batch are never timed out, and only this host's `in_use` flags are reset.
   */
  hostId?: string
}

export interface CleanupReport {
  timedOut: number
  inUseReset: number
  screenshotsRemoved: number
}

const CHUNK = 500

/** PostgreSQL: what another host (or this one) is still working on is never stale. */
const SHARED_LIVE_EXCLUDED = ` AND lease_until IS NULL AND (batch_id IS NULL OR batch_id NOT IN (SELECT id FROM batches WHERE state IN ('running', 'paused', 'cancelling')))`

export class SessionCleanup {
  constructor(private readonly options: SessionCleanupOptions) {}

  async run(signal?: AbortSignal): Promise<CleanupReport> {
    const timedOut = await this.timeOutStaleSessions()
    const inUseReset = await this.resetStaleInUse()
    signal?.throwIfAborted()
    const screenshotsRemoved = await this.removeOldScreenshots(signal)
    const report = { timedOut, inUseReset, screenshotsRemoved }
    this.options.log.info('cleanup.done', { ...report }, `Cleanup: ${timedOut} stale session(s) timed out, ${inUseReset} in-use flag(s) reset, ${screenshotsRemoved} screenshot(s) removed`)
    return report
  }

  /** `pending` / `in_progress` past the limit (from start, else creation) → `timeout`. */
  async timeOutStaleSessions(): Promise<number> {
    const { db, live, events } = this.options
    const hours = this.options.sessionTimeoutHours()
    const cutoff = sqliteDateTime(new Date(Date.now() - hours * 3_600_000))
    const candidates: Array<{ id: number; session_id: string; batch_id: string | null; profile_id: string }> = await db.dataSource.query(
      `SELECT id, session_id, batch_id, profile_id FROM authorization_sessions
       WHERE status IN ('pending', 'in_progress') AND COALESCE(started_at, created_at) < ?${this.options.hostId ? SHARED_LIVE_EXCLUDED : ''}`,
      [cutoff],
    )
    const stale = candidates.filter((row) => !live?.isLive({ sessionId: row.session_id, batchId: row.batch_id }))
    if (!stale.length) return 0
    const message = `Session timed out after ${hours} hour${hours === 1 ? '' : 's'}`
    const completedAt = new Date()
    let changed: Array<{ session_id: string; profile_id: string; newest: number }> = []
    const dialect = dialectOf(db.dataSource)
    for (let start = 0; start < stale.length; start += CHUNK) {
      const ids = dialect.inList('id', stale.slice(start, start + CHUNK).map((row) => row.id))
      const rows = await db.transaction((manager) =>
        manager.query(
          `UPDATE authorization_sessions SET status = 'timeout', error_code = 'AUTH_TIMEOUT', error_message = ?, completed_at = ?
           WHERE ${ids.sql} AND status IN ('pending', 'in_progress')
           RETURNING session_id, profile_id,
             NOT EXISTS (SELECT 1 FROM authorization_sessions n WHERE n.profile_id = authorization_sessions.profile_id AND n.id > authorization_sessions.id) AS newest`,
          [message, sqliteDateTime(completedAt), ...ids.params],
        ),
      )
      changed = changed.concat(rows)
    }
    const at = completedAt.toISOString()
    for (const row of changed) {
      events?.emit('sessions', { id: row.session_id, status: 'timeout', errorCode: 'AUTH_TIMEOUT', errorMessage: message, completedAt: at })
      if (row.newest) events?.emit('profiles', { id: row.profile_id, lastStatus: 'timeout', lastErrorCode: 'AUTH_TIMEOUT' })
    }
    this.options.log.warn('cleanup.sessions_timed_out', { count: changed.length, hours }, `${changed.length} stale session(s) timed out after ${hours} hour(s)`)
    return changed.length
  }

  /** `in_use` flags of profiles the slots are not running. */
  async resetStaleInUse(): Promise<number> {
    const stale = databaseKind(this.options.db.dataSource) === 'postgres' ? await this.resetStaleInUseOnPostgres() : this.resetStaleInUseOnSqlite()
    if (!stale.length) return 0
    for (const id of stale) this.options.events?.emit('profiles', { id, inUse: false })
    this.options.log.info('cleanup.in_use_reset', { count: stale.length }, `${stale.length} profile(s) were marked in use with nothing running; reset`)
    return stale.length
  }

  /** Read and written synchronously in one tick, so a profile the slots start meanwhile cannot be cleared by mistake. */
  private resetStaleInUseOnSqlite(): string[] {
    const sqlite = sqliteHandle(this.options.db.dataSource)
    // A write here would join a TypeORM transaction in flight; try again next hour instead.
    if (sqlite.inTransaction) return []
    const running = JSON.stringify(this.options.slots.list().map((entry) => entry.profileId))
    const where = `in_use = TRUE AND profile_id NOT IN (SELECT value FROM json_each(?))`
    const stale = sqlite.prepare(`SELECT profile_id FROM profiles WHERE ${where}`).pluck().all(running) as string[]
    if (stale.length) sqlite.prepare(`UPDATE profiles SET in_use = FALSE WHERE ${where}`).run(running)
    return stale
  }

  /**
   * One transaction: flags of profiles not running are cleared, then those the slots started meanwhile
   * (their flag written between the list and the UPDATE) are set again before anyone sees them cleared.
   */
  private async resetStaleInUseOnPostgres(): Promise<string[]> {
    const { db, slots } = this.options
    const dialect = dialectOf(db.dataSource)
    return db.transaction(async (manager) => {
      const running = dialect.notInList('profile_id', slots.list().map((entry) => entry.profileId))
      // Several hosts: only this host's flags (another host's running profiles are not in these slots).
      const hostId = this.options.hostId
      const cleared: Array<{ profile_id: string }> = await manager.query(
        `UPDATE profiles SET in_use = FALSE WHERE in_use = TRUE AND ${running.sql}${hostId ? ' AND (in_use_by = ? OR in_use_by IS NULL)' : ''} RETURNING profile_id`,
        hostId ? [...running.params, hostId] : running.params,
      )
      const now = new Set(slots.list().map((entry) => entry.profileId))
      const restarted = cleared.map((row) => row.profile_id).filter((id) => now.has(id))
      if (restarted.length) {
        const again = dialect.inList('profile_id', restarted)
        await manager.query(`UPDATE profiles SET in_use = TRUE WHERE ${again.sql}`, again.params)
      }
      return cleared.map((row) => row.profile_id).filter((id) => !now.has(id))
    })
  }

  /** Screenshots older than the retention: files deleted, paths cleared; stray old files in the folder too. */
  async removeOldScreenshots(signal?: AbortSignal): Promise<number> {
    const { db, events } = this.options
    const cutoffMs = Date.now() - this.options.screenshotRetentionDays() * 86_400_000
    const cutoff = sqliteDateTime(new Date(cutoffMs))
    let removed = 0
    let afterId = 0
    for (;;) {
      signal?.throwIfAborted()
      const rows: Array<{ id: number; session_id: string; screenshot_path: string }> = await db.dataSource.query(
        `SELECT id, session_id, screenshot_path FROM authorization_sessions
         WHERE screenshot_path IS NOT NULL AND COALESCE(completed_at, created_at) <= ? AND id > ? ORDER BY id LIMIT ?`,
        [cutoff, afterId, CHUNK],
      )
      if (!rows.length) break
      afterId = rows[rows.length - 1].id
      for (const row of rows) if (await this.deleteFile(row.screenshot_path)) removed++
      const cleared = dialectOf(db.dataSource).inList('id', rows.map((r) => r.id))
      await db.transaction((manager) => manager.query(`UPDATE authorization_sessions SET screenshot_path = NULL WHERE ${cleared.sql}`, cleared.params))
      for (const row of rows) events?.emit('sessions', { id: row.session_id, hasScreenshot: false })
    }
    removed += await this.removeStrayFiles(cutoffMs)
    return removed
  }

  /** Old PNGs in the screenshot folder that no session points to (e.g. written just before a crash). */
  private async removeStrayFiles(cutoffMs: number): Promise<number> {
    const dir = this.options.screenshotDir
    let names: string[]
    try {
      names = await fs.promises.readdir(dir)
    } catch {
      return 0
    }
    const referenced = new Set(
      ((await this.options.db.dataSource.query(`SELECT screenshot_path FROM authorization_sessions WHERE screenshot_path IS NOT NULL`)) as Array<{ screenshot_path: string }>).map(
        (row) => path.resolve(row.screenshot_path),
      ),
    )
    let removed = 0
    for (const name of names) {
      const file = path.resolve(dir, name)
      if (!name.toLowerCase().endsWith('.png') || referenced.has(file)) continue
      const stat = await fs.promises.stat(file).catch(() => null)
      if (stat?.isFile() && stat.mtimeMs <= cutoffMs && (await this.deleteFile(file))) removed++
    }
    return removed
  }

  /** Deletes a screenshot if it is a PNG inside the data folder; a file already gone counts as done. */
  private async deleteFile(file: string): Promise<boolean> {
    const resolved = path.resolve(file)
    const inside = path.relative(path.resolve(this.options.dataDir), resolved)
    if (inside.startsWith('..') || path.isAbsolute(inside) || !resolved.toLowerCase().endsWith('.png')) {
      this.options.log.warn('cleanup.screenshot_outside', { file: resolved }, 'A screenshot path outside the data folder was cleared but not deleted')
      return false
    }
    try {
      await fs.promises.unlink(resolved)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      this.options.log.warn('cleanup.screenshot_delete_failed', { file: resolved, err: error })
      return false
    }
  }
}
