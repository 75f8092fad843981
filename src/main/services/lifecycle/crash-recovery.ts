/**
 * Start-up recovery after a crash or a kill (issue 6): sessions left `in_progress` become `failed` with
 * `INTERRUPTED` (retryable); sessions still `pending` become `cancelled` with `INTERRUPTED` (they never
 * started, so they are not counted as failures); profiles the panel had started are stopped through the
 * launcher; every `in_use` flag is cleared. Runs before workers start and before any batch can begin.
 */
import PQueue from 'p-queue'
import { GoLoginAPIException } from '../../../shared/errors'
import type { RecoveredAccount } from '../../../shared/contract/system'
import { isoFromSqlite, sqliteDateTime, type Database } from '../../db'
import type { Logger } from '../../logging/logger'
import type { StartedProfilesJournal } from './started-profiles-journal'

/** Stops a profile (`ProfileLauncher` fits); stopping one that is not running is not an error. */
export interface ProfileStopper {
  stop(profileId: string, options?: { signal?: AbortSignal }): Promise<void>
}

export interface CrashRecoveryOptions {
  db: Pick<Database, 'transaction'>
  journal: Pick<StartedProfilesJournal, 'read' | 'keep'>
  /** Null when no launcher can be built (then the journal is kept for the next start-up). */
  launcher: ProfileStopper | null
  log: Logger
  /** Per stop (default 10 s). */
  stopTimeoutMs?: number
  /** All stops together (default 20 s): start-up must not hang on an unreachable GoLogin app. */
  deadlineMs?: number
  /** More `in_use` flags than this cannot all be running (the slot limit): they are cleared without stops. */
  maxInUseToStop?: number
  now?: () => Date
  /**
   * PostgreSQL (several hosts on one database): recovery touches only this host's work. Sessions it had
   * claimed go back to the queue (another host, or this one, finishes them); other hosts' sessions, queued
   * sessions and other hosts' `in_use` flags are left alone. Absent: SQLite, one machine, everything is this host's.
   */
  shared?: { hostId: string } | null
}

export const HANDED_BACK_MESSAGE = 'The host running this authorization stopped; the attempt went back to the queue.'

export interface RecoveryReport {
  interrupted: number
  cancelled: number
  inUseCleared: number
  profilesStopped: string[]
  profilesNotStopped: string[]
  /** PostgreSQL: this host's claimed sessions sent back to the queue (also counted in `interrupted`); SQLite: 0. */
  resumed: number
  /** The sessions recovery changed, in-progress ones first (at most LISTED_ACCOUNTS; the counts above are exact). */
  accounts: RecoveredAccount[]
  /** The last start or creation of one of those sessions (ISO): the latest sign of work the database recorded. */
  lastSessionActivityAt: string | null
}

/** Sessions named one by one in the report (the counts are exact whatever their number). */
export const LISTED_ACCOUNTS = 200

interface AffectedRow {
  session_id: string
  batch_id: string | null
  twitter_username: string | null
  api_app: string
  status: string
  step: string | null
  last_at: string | Date | null
}

/** The sessions about to be recovered (`where` selects them), and their latest start or creation. */
async function affectedSessions(
  manager: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  where: string,
  parameters: unknown[],
  outcome: (row: AffectedRow) => RecoveredAccount['outcome'],
): Promise<{ accounts: RecoveredAccount[]; lastAt: string | null }> {
  const rows = (await manager.query(
    `SELECT session_id, batch_id, twitter_username, api_app, status, step, COALESCE(started_at, created_at) AS last_at
       FROM authorization_sessions WHERE ${where} ORDER BY CASE WHEN status = 'in_progress' THEN 0 ELSE 1 END, id LIMIT ${LISTED_ACCOUNTS}`,
    parameters,
  )) as AffectedRow[]
  const [latest] = (await manager.query(`SELECT MAX(COALESCE(started_at, created_at)) AS last_at FROM authorization_sessions WHERE ${where}`, parameters)) as Array<{
    last_at: string | Date | null
  }>
  const accounts = rows.map((row) => ({
    sessionId: row.session_id,
    batchId: row.batch_id,
    username: row.twitter_username,
    apiApp: row.api_app,
    step: row.step as RecoveredAccount['step'],
    outcome: outcome(row),
  }))
  return { accounts, lastAt: isoFromSqlite(latest?.last_at ?? null) }
}

export const INTERRUPTED_MESSAGE = 'The panel stopped while this authorization was running'
export const NOT_STARTED_MESSAGE = 'Not started: the panel stopped before this account’s turn.'

export async function recoverAfterCrash(options: CrashRecoveryOptions): Promise<RecoveryReport> {
  const { db, log } = options
  const now = sqliteDateTime(options.now?.() ?? new Date())
  const maxInUse = options.maxInUseToStop ?? 50

  if (options.shared) return recoverHost(options, options.shared.hostId)
  const { interrupted, cancelled, inUse, affected } = await db.transaction(async (manager) => {
    const affected = await affectedSessions(manager, `status IN ('in_progress', 'pending')`, [], (row) => (row.status === 'in_progress' ? 'failed' : 'not_started'))
    const inProgress = await manager.query(
      `UPDATE authorization_sessions SET status = 'failed', error_code = 'INTERRUPTED',
         error_message = CAST(? AS TEXT) || COALESCE(' (step: ' || step || ')', '') || '.', completed_at = ?
       WHERE status = 'in_progress' RETURNING id`,
      [INTERRUPTED_MESSAGE, now],
    )
    const pending = await manager.query(
      `UPDATE authorization_sessions SET status = 'cancelled', error_code = 'INTERRUPTED', error_message = ?, completed_at = ?
       WHERE status = 'pending' RETURNING id`,
      [NOT_STARTED_MESSAGE, now],
    )
    const flagged: Array<{ profile_id: string }> = await manager.query(`SELECT profile_id FROM profiles WHERE in_use = TRUE`)
    return { interrupted: rowCount(inProgress), cancelled: rowCount(pending), inUse: flagged.map((row) => row.profile_id), affected }
  })

  const journaled = options.journal.read()
  const toStop = new Set(journaled)
  if (inUse.length <= maxInUse) for (const id of inUse) toStop.add(id)
  else log.warn('recovery.stale_in_use', { count: inUse.length }, `${inUse.length} profiles were marked in use; more than can run at once, so the flags are stale and only cleared`)

  const { stopped, notStopped } = await stopProfiles([...toStop], options)
  const cleared = await db.transaction(async (manager) => rowCount(await manager.query(`UPDATE profiles SET in_use = FALSE WHERE in_use = TRUE RETURNING id`)))
  options.journal.keep(notStopped)

  const report: RecoveryReport = {
    interrupted,
    cancelled,
    inUseCleared: cleared,
    profilesStopped: stopped,
    profilesNotStopped: notStopped,
    resumed: 0,
    accounts: affected.accounts,
    lastSessionActivityAt: affected.lastAt,
  }
  if (interrupted || cancelled || cleared || toStop.size) {
    log.warn(
      'recovery.done',
      { interrupted, cancelled, inUseCleared: cleared, stopped: stopped.length, notStopped },
      `Recovered from an unclean stop: ${interrupted} interrupted session(s) failed, ${cancelled} queued session(s) cancelled, ${stopped.length} profile(s) stopped`,
    )
  } else {
    log.debug('recovery.clean', {})
  }
  return report
}

/** PostgreSQL: this host's claimed sessions back to the queue; its started profiles stopped and their flags cleared. */
async function recoverHost(options: CrashRecoveryOptions, hostId: string): Promise<RecoveryReport> {
  const { db, log } = options
  const journal = options.journal.read()
  const { requeued, inUse, others, affected } = await db.transaction(async (manager) => {
    const affected = await affectedSessions(manager, `claimed_by = ? AND lease_until IS NOT NULL AND status IN ('pending', 'in_progress')`, [hostId], () => 'resumed')
    const back = await manager.query(
      `UPDATE authorization_sessions SET status = 'pending', step = NULL, lease_until = NULL, requeues = requeues + 1, error_code = 'INTERRUPTED', error_message = ?
        WHERE claimed_by = ? AND lease_until IS NOT NULL AND status IN ('pending', 'in_progress') RETURNING id`,
      [HANDED_BACK_MESSAGE, hostId],
    )
    const flagged: Array<{ profile_id: string }> = await manager.query(`SELECT profile_id FROM profiles WHERE in_use = TRUE AND in_use_by = ?`, [hostId])
    // Declared dead while away, its profiles released and maybe started by another host: those are not its own any more.
    const taken: Array<{ profile_id: string }> = journal.length
      ? await manager.query(
          `SELECT profile_id FROM profiles WHERE in_use = TRUE AND in_use_by IS NOT NULL AND in_use_by <> ? AND profile_id IN (${journal.map(() => '?').join(', ')})`,
          [hostId, ...journal],
        )
      : []
    return { requeued: rowCount(back), inUse: flagged.map((row) => row.profile_id), others: new Set(taken.map((row) => row.profile_id)), affected }
  })
  if (others.size) log.warn('recovery.profiles_taken_over', { profiles: [...others] }, `${others.size} profile(s) this host left running are held by other hosts now; left to them, not stopped here`)
  const toStop = new Set([...journal.filter((id) => !others.has(id)), ...inUse])
  const { stopped, notStopped } = await stopProfiles([...toStop], options)
  // Flags of this host's profiles, and of the profiles its journal listed that are now stopped (an earlier run of this host).
  const clearIds = [...new Set([...inUse.filter((id) => !notStopped.includes(id)), ...stopped])]
  const cleared = clearIds.length
    ? await db.transaction(async (manager) =>
        rowCount(
          await manager.query(
            `UPDATE profiles SET in_use = FALSE, in_use_by = NULL WHERE in_use = TRUE AND (in_use_by IS NULL OR in_use_by = ?)
              AND profile_id IN (${clearIds.map(() => '?').join(', ')}) RETURNING id`,
            [hostId, ...clearIds],
          ),
        ),
      )
    : 0
  options.journal.keep(notStopped)
  const report: RecoveryReport = {
    interrupted: requeued,
    cancelled: 0,
    inUseCleared: cleared,
    profilesStopped: stopped,
    profilesNotStopped: notStopped,
    resumed: requeued,
    accounts: affected.accounts,
    lastSessionActivityAt: affected.lastAt,
  }
  if (requeued || cleared || toStop.size) {
    log.warn(
      'recovery.done',
      { requeued, inUseCleared: cleared, stopped: stopped.length, notStopped, hostId },
      `Recovered this host's work after an unclean stop: ${requeued} claimed session(s) back in the queue, ${stopped.length} profile(s) stopped`,
    )
  } else {
    log.debug('recovery.clean', { hostId })
  }
  return report
}

async function stopProfiles(profileIds: string[], options: CrashRecoveryOptions): Promise<{ stopped: string[]; notStopped: string[] }> {
  const { launcher, log } = options
  if (!profileIds.length) return { stopped: [], notStopped: [] }
  if (!launcher) return { stopped: [], notStopped: profileIds }
  const deadline = AbortSignal.timeout(options.deadlineMs ?? 20_000)
  const stopped: string[] = []
  const notStopped: string[] = []
  const queue = new PQueue({ concurrency: 4 })
  for (const profileId of profileIds) {
    void queue.add(async () => {
      if (deadline.aborted) return void notStopped.push(profileId)
      const signal = AbortSignal.any([deadline, AbortSignal.timeout(options.stopTimeoutMs ?? 10_000)])
      try {
        await launcher.stop(profileId, { signal })
        stopped.push(profileId)
        log.info('recovery.profile_stopped', { profileId }, `Stopped profile ${profileId} left running by the previous run`)
      } catch (error) {
        // GoLogin no longer knows the profile (deleted): nothing can be running.
        if (error instanceof GoLoginAPIException && error.statusCode === 404) return void stopped.push(profileId)
        notStopped.push(profileId)
        log.warn('recovery.profile_not_stopped', { profileId, err: error }, `Could not stop profile ${profileId} left running by the previous run`)
      }
    })
  }
  await queue.onIdle()
  return { stopped, notStopped }
}

function rowCount(result: unknown): number {
  return Array.isArray(result) ? result.length : 0
}
