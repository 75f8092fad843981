/**
 * Turns an operator's request into candidate attempts, reading the `profiles` and
 * `authorization_sessions` tables directly: which selected profiles can be authorized (and why the
 * others cannot), which failed attempts a retry picks up, and the account lookups of the REST API.
 * Whether an account is already in progress is decided later, by the runner, atomically.
 */
import type { DataSource } from 'typeorm'
import type { ApiAppConfig } from '../../../shared/api-app'
import { RETRYABLE_STATUSES, type SessionStatus } from '../../../shared/contract/sessions'
import { NEEDS_MANUAL_FIX, type RetryGroupFacts, type RetryTriage } from '../../../shared/contract/batches'
import { AppException, DomainException, failureGroup, isErrorCode, type ErrorCode, type FailureGroup } from '../../../shared/errors'
import { sqliteDateTime } from '../../db'
import type { SessionJob } from './session-store'

/** An attempt before it gets its session and batch ids. */
export type Candidate = Omit<SessionJob, 'sessionId' | 'batchId' | 'createdAt'>

export interface Skip {
  profileId: string
  reason: string
}

export interface Plan {
  candidates: Candidate[]
  skipped: Skip[]
  /** A retry's candidates by failure group, before the groups asked for were picked (the Retry dialog's counts). */
  triage?: RetryTriage
}

export interface ProfileRecord {
  profileId: string
  profileName: string
  username: string | null
  isActive: boolean
  /** Set aside as "needs a manual fix": retries leave it out until the mark is cleared. */
  manualFix: boolean
}

interface PriorAttempt {
  session_id: string
  profile_id: string
  api_app: string
  attempt: number
  status: SessionStatus
  error_code: string | null
  created_at: string
}

export interface RetryOptions {
  /** Retry accounts that hold a valid token issued after the failed attempt too (default false: skip them). */
  reauthorize?: boolean
  /** Retry only the accounts of these failure groups (default both); the plan's `triage` counts both. */
  groups?: readonly FailureGroup[]
  signal?: AbortSignal
}

/** The skip reason of an account that was authorized after the attempt being retried. */
export const VALID_TOKEN_SINCE = 'has a valid token since'

/** Parameters per `IN (…)` list: well below SQLite's variable limit. */
const LOOKUP_CHUNK = 5_000

export class BatchPlanner {
  constructor(private readonly deps: { dataSource: DataSource; apiApps: { get(name: string): Promise<ApiAppConfig> } }) {}

  /** "Authorize selected": one candidate per usable profile, in the order given. */
  async forProfiles(profileIds: readonly string[], apiApp: string, signal?: AbortSignal): Promise<Plan> {
    const profiles = await this.profiles([...new Set(profileIds)], signal)
    const seen = new Set<string>()
    const plan: Plan = { candidates: [], skipped: [] }
    for (const profileId of profileIds) {
      if (seen.has(profileId)) {
        plan.skipped.push({ profileId, reason: 'listed twice' })
        continue
      }
      seen.add(profileId)
      const candidate = this.candidate(profiles.get(profileId), profileId, plan.skipped)
      if (candidate) plan.candidates.push({ ...candidate, apiApp, attempt: 1, retryOf: null })
    }
    return plan
  }

  /**
   * "Retry": a new attempt (attempt + 1) for each failed/timeout/cancelled session of a batch or of the
   * given sessions, with the profile's current mapping. Attempts already retried, or superseded by a
   * newer attempt of the same profile in the selection, are skipped.
   */
  async forRetry(input: { batchId?: string; sessionIds?: readonly string[]; statuses?: readonly SessionStatus[] }, options: RetryOptions = {}): Promise<Plan> {
    const { signal } = options
    const plan: Plan = { candidates: [], skipped: [] }
    let attempts: PriorAttempt[]
    if (input.batchId) {
      attempts = await this.deps.dataSource.query(
        'SELECT session_id, profile_id, api_app, attempt, status, error_code, created_at FROM authorization_sessions WHERE batch_id = ? ORDER BY id',
        [input.batchId],
      )
      if (!attempts.length) throw new DomainException('NOT_FOUND', `No batch ${input.batchId}`, { details: { batchId: input.batchId } })
      const statuses: readonly SessionStatus[] = input.statuses ?? RETRYABLE_STATUSES
      attempts = attempts.filter((a) => statuses.includes(a.status))
    } else {
      const ids = [...new Set(input.sessionIds ?? [])]
      const found = new Map((await this.chunked<PriorAttempt>(ids, (marks) =>
        `SELECT session_id, profile_id, api_app, attempt, status, error_code, created_at FROM authorization_sessions WHERE session_id IN (${marks})`,
      signal)).map((a) => [a.session_id, a]))
      attempts = []
      for (const id of ids) {
        const attempt = found.get(id)
        if (!attempt) plan.skipped.push({ profileId: id, reason: 'unknown session' })
        else if (!(RETRYABLE_STATUSES as readonly SessionStatus[]).includes(attempt.status)) plan.skipped.push({ profileId: attempt.profile_id, reason: `not failed (${attempt.status})` })
        else attempts.push(attempt)
      }
    }
    const retried = new Map((await this.chunked<{ retry_of: string; attempt: number }>(attempts.map((a) => a.session_id), (marks) =>
      `SELECT retry_of, MAX(attempt) AS attempt FROM authorization_sessions WHERE retry_of IN (${marks}) GROUP BY retry_of`,
    signal)).map((row) => [row.retry_of, row.attempt]))
    // One attempt per profile: the newest of the selection.
    const newest = new Map<string, PriorAttempt>()
    for (const attempt of attempts) {
      if (retried.has(attempt.session_id)) {
        plan.skipped.push({ profileId: attempt.profile_id, reason: `already retried (attempt ${retried.get(attempt.session_id)})` })
        continue
      }
      const other = newest.get(attempt.profile_id)
      if (other && other.attempt >= attempt.attempt) plan.skipped.push({ profileId: attempt.profile_id, reason: 'an older attempt of the same profile' })
      else {
        if (other) plan.skipped.push({ profileId: other.profile_id, reason: 'an older attempt of the same profile' })
        newest.set(attempt.profile_id, attempt)
      }
    }
    const profiles = await this.profiles([...newest.keys()], signal)
    const apps = await this.usableApps([...new Set([...newest.values()].map((a) => a.api_app))])
    const since = new Map<string, string>()
    for (const attempt of newest.values()) {
      const app = apps.get(attempt.api_app)
      if (!app) {
        plan.skipped.push({ profileId: attempt.profile_id, reason: `API app ${attempt.api_app} is no longer usable` })
        continue
      }
      const profile = profiles.get(attempt.profile_id)
      if (profile?.manualFix) {
        plan.skipped.push({ profileId: attempt.profile_id, reason: NEEDS_MANUAL_FIX })
        continue
      }
      const candidate = this.candidate(profile, attempt.profile_id, plan.skipped)
      if (!candidate) continue
      plan.candidates.push({ ...candidate, apiApp: app.name, attempt: attempt.attempt + 1, retryOf: attempt.session_id })
      since.set(attempt.session_id, attempt.created_at)
    }
    if (!options.reauthorize) await this.skipAuthorizedSince(plan, since, signal)
    const codes = new Map([...newest.values()].map((a) => [a.session_id, isErrorCode(a.error_code) ? a.error_code : a.error_code ? 'INTERNAL_ERROR' as const : null]))
    plan.triage = triage(plan.candidates, codes)
    const groups = options.groups
    if (groups) plan.candidates = plan.candidates.filter((c) => groups.includes(failureGroup(codes.get(c.retryOf ?? ''))))
    return plan
  }

  /** Accounts authorized again (a valid token) after the attempt being retried: re-authorizing them would only replace it. */
  private async skipAuthorizedSince(plan: Plan, since: ReadonlyMap<string, string>, signal?: AbortSignal): Promise<void> {
    const usernames = [...new Set(plan.candidates.map((c) => c.username.toLowerCase()))]
    const tokens = await this.chunked<{ twitter_username: string; api_app: string; completed_at: string; session_id: string }>(usernames, (marks) =>
      `SELECT twitter_username, api_app, completed_at, session_id FROM authorization_sessions
        WHERE status = 'completed' AND token_status = 'valid' AND twitter_username IN (${marks})`,
    signal)
    const newestValid = new Map<string, { completedAt: string; sessionId: string }>()
    for (const row of tokens) {
      const key = `${row.twitter_username.toLowerCase()}\n${row.api_app.toLowerCase()}`
      const known = newestValid.get(key)
      if (!known || known.completedAt < row.completed_at) newestValid.set(key, { completedAt: row.completed_at, sessionId: row.session_id })
    }
    plan.candidates = plan.candidates.filter((candidate) => {
      const valid = newestValid.get(`${candidate.username.toLowerCase()}\n${candidate.apiApp.toLowerCase()}`)
      if (!valid || !(valid.completedAt > (since.get(candidate.retryOf ?? '') ?? ''))) return true
      plan.skipped.push({ profileId: candidate.profileId, reason: `${VALID_TOKEN_SINCE} (session ${valid.sessionId})` })
      return false
    })
  }

  /** A profile by GoLogin id, else by X username (case-insensitive, `@` optional); the active one first. */
  async findProfile(account: string): Promise<ProfileRecord | null> {
    const username = account.trim().replace(/^@/, '')
    const rows: ProfileSqlRow[] = await this.deps.dataSource.query(
      `SELECT profile_id, profile_name, twitter_username, is_active FROM profiles WHERE profile_id = ? OR twitter_username = ?
        ORDER BY (profile_id = ?) DESC, is_active DESC, id LIMIT 1`,
      [account, username, account],
    )
    return rows.length ? toRecord(rows[0]) : null
  }

  /** The newest completed session of the account and app whose token is valid and unexpired. */
  async validTokenSession(username: string, apiApp: string, now: Date): Promise<string | null> {
    const rows: Array<{ session_id: string }> = await this.deps.dataSource.query(
      `SELECT session_id FROM authorization_sessions WHERE twitter_username = ? AND lower(api_app) = lower(?) AND status = 'completed'
        AND token_status = 'valid' AND expires_at > ? ORDER BY id DESC LIMIT 1`,
      [username, apiApp, sqliteDateTime(now)],
    )
    return rows[0]?.session_id ?? null
  }

  private candidate(profile: ProfileRecord | undefined, profileId: string, skipped: Skip[]): Pick<Candidate, 'profileId' | 'profileName' | 'username'> | null {
    if (!profile) skipped.push({ profileId, reason: 'unknown profile (sync the profiles first)' })
    else if (!profile.isActive) skipped.push({ profileId, reason: 'no longer in GoLogin' })
    else if (!profile.username) skipped.push({ profileId, reason: 'no X username mapped' })
    else return { profileId, profileName: profile.profileName, username: profile.username }
    return null
  }

  private async profiles(profileIds: string[], signal?: AbortSignal): Promise<Map<string, ProfileRecord>> {
    const rows = await this.chunked<ProfileSqlRow>(profileIds, (marks) =>
      `SELECT profile_id, profile_name, twitter_username, is_active, manual_fix_since FROM profiles WHERE profile_id IN (${marks})`,
    signal)
    return new Map(rows.map((row) => [row.profile_id, toRecord(row)]))
  }

  private async usableApps(names: string[]): Promise<Map<string, ApiAppConfig>> {
    const apps = new Map<string, ApiAppConfig>()
    for (const name of names) {
      try {
        apps.set(name, await this.deps.apiApps.get(name))
      } catch (error) {
        if (!(error instanceof AppException) || error.code !== 'INVALID_API_APP') throw error
      }
    }
    return apps
  }

  /** `IN (…)` lookups in chunks; `signal` (the panel closing) stops between two of them. */
  private async chunked<T>(values: readonly string[], sql: (marks: string) => string, signal?: AbortSignal): Promise<T[]> {
    const rows: T[] = []
    for (let start = 0; start < values.length; start += LOOKUP_CHUNK) {
      signal?.throwIfAborted()
      const chunk = values.slice(start, start + LOOKUP_CHUNK)
      rows.push(...((await this.deps.dataSource.query(sql(chunk.map(() => '?').join(', ')), chunk)) as T[]))
    }
    return rows
  }
}

interface ProfileSqlRow {
  profile_id: string
  profile_name: string
  twitter_username: string | null
  is_active: number
  manual_fix_since?: string | null
}

function toRecord(row: ProfileSqlRow): ProfileRecord {
  return { profileId: row.profile_id, profileName: row.profile_name, username: row.twitter_username, isActive: row.is_active === 1, manualFix: Boolean(row.manual_fix_since) }
}

/** The retry's candidates counted by failure group and error code (most frequent first). */
function triage(candidates: readonly Candidate[], codes: ReadonlyMap<string, ErrorCode | null>): RetryTriage {
  const facts = (): RetryGroupFacts & { byCode: Map<ErrorCode | null, number> } => ({ accounts: 0, codes: [], profileIds: [], byCode: new Map() })
  const groups = { retry: facts(), person: facts() }
  for (const candidate of candidates) {
    const code = codes.get(candidate.retryOf ?? '') ?? null
    const group = groups[failureGroup(code)]
    group.accounts++
    group.profileIds.push(candidate.profileId)
    group.byCode.set(code, (group.byCode.get(code) ?? 0) + 1)
  }
  const done = ({ byCode, ...group }: ReturnType<typeof facts>): RetryGroupFacts => ({
    ...group,
    codes: [...byCode].sort((a, b) => b[1] - a[1]).map(([code, accounts]) => ({ code, accounts })),
  })
  return { retry: done(groups.retry), person: done(groups.person) }
}
