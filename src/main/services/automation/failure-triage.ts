/**
 * Failures are triaged (issue 21, row 2): an account whose failure needs a person is set aside as "needs a manual
 * fix" (retries leave it out until the mark is cleared), its profile can be opened for the operator to fix by hand
 * (holding one of this host's slots, like any start, until they click Done), and the failure list goes to a CSV.
 */
import { stringify } from 'csv-stringify/sync'
import type { DataSource } from 'typeorm'
import type { FailureExportResult, OpenedProfile } from '../../../shared/contract/triage'
import { FAILURE_CSV_COLUMNS } from '../../../shared/contract/triage'
import { RETRYABLE_STATUSES, type SessionStatus } from '../../../shared/contract/sessions'
import { DomainException, FAILURE_GROUP_LABELS, failureGroup, isErrorCode, ValidationException } from '../../../shared/errors'
import { isoFromSqlite, sqliteDateTime } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { ProfileHandle, ProfileSlots } from '../gologin/profile-slots'
import { CSV_FILTERS, type FileDialogs } from '../platform'
import { neutralizeFormula } from '../tokens/token-csv'

/** Parameters per `IN (…)` list: well below SQLite's variable limit. */
const CHUNK = 5_000

export interface FailureTriageDeps {
  dataSource: DataSource
  slots: Pick<ProfileSlots, 'startProfile' | 'stopProfile'>
  /** `desktop` or `cloud` (the `launcherMode` setting): only a desktop start opens a window the operator can use. */
  launcherMode(): string
  events: Pick<EventHub, 'emit'>
  log: Logger
  /** Native save dialog (desktop); absent in browser mode, where the CSV comes back as text to download. */
  dialogs?: FileDialogs | null
  /** Scrubs known secrets from error messages before they reach the file (the log system's redactor). */
  scrub?: (text: string) => string
  now?: () => Date
}

export interface FailureTarget {
  batchId?: string
  sessionIds?: readonly string[]
  /** Only attempts in these statuses (default failed, timeout and cancelled). */
  statuses?: readonly SessionStatus[]
}

interface FailedRow {
  session_id: string
  batch_id: string | null
  profile_id: string
  profile_name: string | null
  twitter_username: string | null
  api_app: string
  status: string
  error_code: string | null
  error_message: string | null
  attempt: number
  completed_at: string | Date | null
  manual_fix_since: string | Date | null
}

export class FailureTriage {
  /** Profiles opened for a manual fix on this host, until Done. */
  private readonly opened = new Map<string, { handle: ProfileHandle | null; openedAt: string }>()
  private readonly now: () => Date

  constructor(private readonly deps: FailureTriageDeps) {
    this.now = deps.now ?? (() => new Date())
  }

  /** Sets the accounts aside; the reason recorded is the code of each one's newest attempt. Already-marked ones keep their date. */
  async mark(profileIds: readonly string[]): Promise<{ marked: number; unknown: string[] }> {
    const ids = [...new Set(profileIds)]
    const since = sqliteDateTime(this.now())
    const known = new Set<string>()
    for (const chunk of chunks(ids)) {
      const marks = chunk.map(() => '?').join(', ')
      for (const row of (await this.deps.dataSource.query(`SELECT profile_id FROM profiles WHERE profile_id IN (${marks})`, chunk)) as Array<{ profile_id: string }>) known.add(row.profile_id)
      await this.deps.dataSource.query(
        `UPDATE profiles SET manual_fix_since = ?, manual_fix_reason = (SELECT error_code FROM authorization_sessions s WHERE s.profile_id = profiles.profile_id ORDER BY s.id DESC LIMIT 1)
          WHERE manual_fix_since IS NULL AND profile_id IN (${marks})`,
        [since, ...chunk],
      )
    }
    await this.announce([...known])
    const unknown = ids.filter((id) => !known.has(id))
    this.deps.log.info('triage.marked', { accounts: known.size, unknown: unknown.length }, `${known.size} account(s) set aside as needing a manual fix`)
    return { marked: known.size, unknown }
  }

  /** Clears the mark: the accounts are retried again like any other. */
  async clear(profileIds: readonly string[]): Promise<{ cleared: number }> {
    const ids = [...new Set(profileIds)]
    const cleared: string[] = []
    for (const chunk of chunks(ids)) {
      const marks = chunk.map(() => '?').join(', ')
      const rows = (await this.deps.dataSource.query(`SELECT profile_id FROM profiles WHERE manual_fix_since IS NOT NULL AND profile_id IN (${marks})`, chunk)) as Array<{ profile_id: string }>
      if (!rows.length) continue
      await this.deps.dataSource.query(`UPDATE profiles SET manual_fix_since = NULL, manual_fix_reason = NULL WHERE profile_id IN (${marks})`, chunk)
      cleared.push(...rows.map((row) => row.profile_id))
    }
    await this.announce(cleared)
    this.deps.log.info('triage.cleared', { accounts: cleared.length }, `${cleared.length} account(s) no longer set aside`)
    return { cleared: cleared.length }
  }

  /**
   * Starts the profile for the operator, through this host's slots (it counts against the limit, waits for a free
   * slot like a batch's start, and on a shared database is refused while another host holds the profile). Only
   * the desktop launcher opens a window: the GoLogin app shows the profile's browser. A cloud browser runs on
   * GoLogin's servers and the panel has no viewer for it, so it is refused with where to open it instead.
   */
  async open(profileId: string): Promise<OpenedProfile> {
    if (this.deps.launcherMode() === 'cloud') {
      throw new DomainException(
        'CONFLICT',
        `Profile ${profileId} runs in GoLogin's cloud browser (launch mode "cloud"), which the panel cannot show. Open the profile from the GoLogin app or gologin.com to fix it by hand, or switch the launch mode to desktop in Settings.`,
        { details: { profileId, launcherMode: 'cloud' } },
      )
    }
    const [row] = (await this.deps.dataSource.query(`SELECT profile_id FROM profiles WHERE profile_id = ?`, [profileId])) as unknown[]
    if (!row) throw new DomainException('NOT_FOUND', `No profile ${profileId} is known (sync the profiles first).`, { details: { profileId } })
    if (this.opened.has(profileId)) throw new DomainException('CONFLICT', `Profile ${profileId} is already open for a manual fix.`, { details: { profileId } })
    const entry: { handle: ProfileHandle | null; openedAt: string } = { handle: null, openedAt: this.now().toISOString() }
    this.opened.set(profileId, entry)
    try {
      entry.handle = await this.deps.slots.startProfile(profileId)
    } catch (error) {
      this.opened.delete(profileId)
      throw error
    }
    // Stopped from outside (shutdown, the slots giving it up): no longer open.
    entry.handle.signal.addEventListener('abort', () => this.opened.get(profileId) === entry && this.opened.delete(profileId), { once: true })
    this.deps.log.info('triage.opened', { profileId }, `Profile ${profileId} opened for a manual fix`)
    return { profileId, openedAt: entry.openedAt }
  }

  /** The operator is done: the profile is stopped and its slot freed (once GoLogin confirms the stop); optionally the mark is cleared. */
  async done(profileId: string, options: { clearMark?: boolean } = {}): Promise<{ profileId: string; cleared: boolean }> {
    const entry = this.opened.get(profileId)
    if (!entry) throw new DomainException('NOT_FOUND', `Profile ${profileId} is not open for a manual fix.`, { details: { profileId } })
    this.opened.delete(profileId)
    // Still waiting for a slot or starting: the stop gives up the wait (the start is stopped once it settles).
    if (entry.handle) await entry.handle.release()
    else await this.deps.slots.stopProfile(profileId)
    this.deps.log.info('triage.done', { profileId }, `Profile ${profileId} closed after a manual fix`)
    const cleared = options.clearMark ? (await this.clear([profileId])).cleared > 0 : false
    return { profileId, cleared }
  }

  /** Profiles open for a manual fix on this host. */
  list(): OpenedProfile[] {
    return [...this.opened].map(([profileId, entry]) => ({ profileId, openedAt: entry.openedAt }))
  }

  /** Stops every open profile (shutdown; the slots would stop them too). */
  async close(): Promise<void> {
    await Promise.all([...this.opened.keys()].map((profileId) => this.done(profileId).catch(() => undefined)))
  }

  /**
   * The failed, timed-out and cancelled attempts of a batch (or of the given sessions) as CSV: who, which app, the
   * code, its group and the operator's sentence. No token, secret or proxy detail is read; error messages are scrubbed.
   */
  async exportFailures(target: FailureTarget): Promise<FailureExportResult> {
    const rows = await this.failedRows(target)
    const csv = this.failureCsv(rows)
    const fileName = failureFileName(target, this.now())
    const dialogs = this.deps.dialogs
    if (!dialogs) {
      this.deps.log.info('triage.export_ready', { rows: rows.length }, `Failure list ready for download (${rows.length} row(s))`)
      return { mode: 'text', csv, fileName, rows: rows.length }
    }
    const path = await dialogs.chooseSavePath({ title: 'Export failures', defaultPath: fileName, filters: CSV_FILTERS })
    if (!path) return { mode: 'cancelled' }
    const { writeFile, rename } = await import('node:fs/promises')
    const partial = `${path}.partial`
    await writeFile(partial, csv, { mode: 0o600 })
    await rename(partial, path)
    this.deps.log.info('triage.exported', { rows: rows.length, path }, `${rows.length} failure(s) exported to ${path}`)
    return { mode: 'saved', path, rows: rows.length }
  }

  failureCsv(rows: readonly FailedRow[]): string {
    const scrub = this.deps.scrub ?? ((text: string) => text)
    const records = rows.map((row) => {
      const code = isErrorCode(row.error_code) ? row.error_code : null
      const cells: Record<(typeof FAILURE_CSV_COLUMNS)[number], string> = {
        profile_id: row.profile_id,
        profile_name: row.profile_name ?? '',
        twitter_username: row.twitter_username ?? '',
        api_app: row.api_app,
        status: row.status,
        error_code: row.error_code ?? '',
        failure_group: FAILURE_GROUP_LABELS[failureGroup(code)],
        error_message: scrub(row.error_message ?? ''),
        attempt: String(row.attempt),
        failed_at: isoFromSqlite(row.completed_at) ?? '',
        needs_manual_fix: row.manual_fix_since ? 'yes' : '',
        session_id: row.session_id,
        batch_id: row.batch_id ?? '',
      }
      return FAILURE_CSV_COLUMNS.map((column) => neutralizeFormula(cells[column]))
    })
    return stringify(records, { header: true, columns: [...FAILURE_CSV_COLUMNS], bom: true, record_delimiter: 'windows', quoted_match: /^'/ })
  }

  private async failedRows(target: FailureTarget): Promise<FailedRow[]> {
    const wanted: readonly SessionStatus[] = target.statuses?.length ? target.statuses.filter((status) => (RETRYABLE_STATUSES as readonly SessionStatus[]).includes(status)) : RETRYABLE_STATUSES
    const statuses = wanted.map(() => '?').join(', ')
    const select = `SELECT s.session_id, s.batch_id, s.profile_id, p.profile_name, s.twitter_username, s.api_app, s.status, s.error_code, s.error_message,
        s.attempt, s.completed_at, p.manual_fix_since
      FROM authorization_sessions s LEFT JOIN profiles p ON p.profile_id = s.profile_id`
    if (target.batchId) {
      const rows = (await this.deps.dataSource.query(`${select} WHERE s.batch_id = ? AND s.status IN (${statuses}) ORDER BY s.id`, [target.batchId, ...wanted])) as FailedRow[]
      if (!rows.length) {
        const [any] = (await this.deps.dataSource.query(`SELECT 1 AS one FROM authorization_sessions WHERE batch_id = ? LIMIT 1`, [target.batchId])) as unknown[]
        if (!any) throw new DomainException('NOT_FOUND', `No batch ${target.batchId}`, { details: { batchId: target.batchId } })
      }
      return rows
    }
    const ids = [...new Set(target.sessionIds ?? [])]
    if (!ids.length) throw new ValidationException('Give a batch or the sessions whose failures to export.', { field: 'sessionIds' })
    const rows: FailedRow[] = []
    for (const chunk of chunks(ids)) {
      rows.push(...((await this.deps.dataSource.query(
        `${select} WHERE s.session_id IN (${chunk.map(() => '?').join(', ')}) AND s.status IN (${statuses}) ORDER BY s.id`,
        [...chunk, ...wanted],
      )) as FailedRow[]))
    }
    return rows
  }

  /** Pushes the grid's flag for these profiles. */
  private async announce(profileIds: readonly string[]): Promise<void> {
    for (const chunk of chunks(profileIds)) {
      const rows = (await this.deps.dataSource.query(
        `SELECT profile_id, manual_fix_since, manual_fix_reason FROM profiles WHERE profile_id IN (${chunk.map(() => '?').join(', ')})`,
        [...chunk],
      )) as Array<{ profile_id: string; manual_fix_since: string | Date | null; manual_fix_reason: string | null }>
      for (const row of rows) {
        const reason = isErrorCode(row.manual_fix_reason) ? row.manual_fix_reason : row.manual_fix_reason ? ('INTERNAL_ERROR' as const) : null
        this.deps.events.emit('profiles', { id: row.profile_id, manualFixSince: isoFromSqlite(row.manual_fix_since), manualFixReason: reason })
      }
    }
  }
}

function chunks<T>(values: readonly T[]): T[][] {
  const out: T[][] = []
  for (let start = 0; start < values.length; start += CHUNK) out.push(values.slice(start, start + CHUNK))
  return out
}

/** `failures-<batch>-2026-12-07-1830.csv` (local time). */
export function failureFileName(target: FailureTarget, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}`
  const scope = target.batchId ? target.batchId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 12) : 'selected'
  return `failures-${scope || 'batch'}-${stamp}.csv`
}
