/**
 * Work is claimed, not assigned (issue 15, item 2): on PostgreSQL a batch is rows in `authorization_sessions`
 * plus a row in `batches`, and every host takes the next `pending` session of a running batch when one of its
 * slots is free (`SELECT … FOR UPDATE SKIP LOCKED`), recording `claimed_by` and a lease it renews while the
 * attempt runs. A session whose lease expired (its host died) goes back to `pending` (`requeues` + 1, its
 * history kept) and another host finishes it. Pause and cancel are the batch row's state, seen by every host.
 *
 * These statements run on a small pool of their own at READ COMMITTED: a claim is one short transaction.
 * Two sessions of one account (or one profile) can never be claimed at once, by any hosts: the unique
 * indexes on live claims (migration 0008) refuse the second, and the claimer moves on. A profile `in_use`
 * by another host (running, or a stop not yet confirmed) is never claimed.
 */
import type pg from 'pg'
import type { BatchState } from '../../../shared/contract/batches'
import type { Logger } from '../../logging/logger'
import type { BatchCounts } from './batch'
import type { SessionJob } from './session-store'

export const DEFAULT_CLAIM_LEASE_MS = 60_000
/**
 * How much longer than its lease a session that reached X's consent page stays with its host: that host may have
 * approved it and may still be redeeming the code and storing the tokens (a partition from the database does not
 * stop it talking to X). Taking it over sooner would cost the account a second approval. At least the token store's
 * retry window plus the code exchange.
 */
export const DEFAULT_CAPTURE_GRACE_MS = 150_000
/** Steps after which the attempt may have approved on X's consent page. */
const MAY_HAVE_APPROVED = ['consent', 'exchanging', 'verifying']

export interface ClaimedJob extends SessionJob {
  /** The batch's API app label and origin, for a batch this host did not start. */
  batch: { apiApp: string; retryOf: string | null; createdAt: string; createdBy: string; skipped: number }
}

export interface SharedBatch {
  id: string
  apiApp: string
  state: BatchState
  retryOf: string | null
  skipped: number
  createdBy: string
  createdAt: string
  finishedAt: string | null
}

/** A batch's sessions by where they are, across every host (`queued`: pending and not claimed; `running`: claimed or `in_progress`). */
export type SharedCounts = BatchCounts

export interface HostRow {
  hostId: string
  startedAt: string
  heartbeatAt: string
  slots: number
  launcher: string | null
  running: number
  summary: unknown
  /** Declared dead (silent too long, or released by the operator) since; null while alive. */
  declaredDeadAt: string | null
  /** Its profiles freed for the other hosts since it was declared dead. */
  profilesReleased: number
  /** Profiles still marked in use by it. */
  profilesHeld: number
  /** A drain or resume another panel asked of it, not taken yet. */
  drainRequest: string | null
}

interface RawHostRow {
  host_id: string
  started_at: string
  heartbeat_at: string
  slots: number
  launcher: string | null
  running: number
  summary: string | null
  declared_dead_at: string | null
  released_profiles: number
  profiles_held: string
  drain_request: string | null
}

/** Accounts of a batch that wait for a silent host: their profile is held by it, or their session claimed by it. */
export interface HostWait {
  batchId: string
  hostId: string
  accounts: number
  /** Its last heartbeat. */
  offlineSince: string
}

export interface ClaimStoreOptions {
  pool: pg.Pool
  hostId: string
  leaseMs: number
  /** See DEFAULT_CAPTURE_GRACE_MS. */
  captureGraceMs?: number
  log: Logger
}

/** A claim this host holds: the session and its claim number (the fencing token every later write carries). */
export interface HeldClaim {
  sessionId: string
  claim: number
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

export class ClaimStore {
  readonly hostId: string
  readonly leaseMs: number
  readonly captureGraceMs: number

  constructor(private readonly options: ClaimStoreOptions) {
    this.hostId = options.hostId
    this.leaseMs = options.leaseMs
    this.captureGraceMs = options.captureGraceMs ?? DEFAULT_CAPTURE_GRACE_MS
  }

  /**
   * Claims the next `pending` session of a running batch, if any: not of a profile in `exclude` (this host's
   * slots hold it), nor of a profile `in_use` by another host, nor of an account another claimed session is on.
   * Batches take turns: the one with the fewest sessions claimed right now goes first.
   */
  async claimNext(exclude: readonly string[]): Promise<ClaimedJob | null> {
    const passed: number[] = []
    // A race lost to another host on the same account (the unique claim indexes) moves on to the next session.
    for (let round = 0; round < 5; round++) {
      const outcome = await this.tryClaim(exclude, passed)
      if (outcome === 'conflict') continue
      return outcome
    }
    return null
  }

  private async tryClaim(exclude: readonly string[], passed: number[]): Promise<ClaimedJob | null | 'conflict'> {
    const client = await this.options.pool.connect()
    let picked: number | null = null
    let broken: Error | undefined
    // A connection the server ends between two statements must fail the claim, not the process.
    const onError = (error: Error) => (broken = error)
    client.on('error', onError)
    try {
      await client.query('BEGIN')
      try {
        // Batches take turns: the running batch with the fewest sessions claimed right now is served first.
        const batches = await client.query<{ id: string }>(
          `SELECT b.id FROM batches b WHERE b.state = 'running'
            ORDER BY (SELECT count(*) FROM authorization_sessions c WHERE c.lease_until IS NOT NULL AND c.batch_id = b.id), b.created_at, b.id`,
        )
        for (const batch of batches.rows) {
          // The NOT IN lists are each read once (hashed), whatever the table's statistics say.
          const found = await client.query<{ id: number }>(
            `SELECT s.id FROM authorization_sessions s
              WHERE s.batch_id = $3 AND s.status = 'pending' AND s.lease_until IS NULL
                AND NOT (s.profile_id = ANY($1::text[])) AND NOT (s.id = ANY($4::int[]))
                AND s.profile_id NOT IN (SELECT p.profile_id FROM profiles p WHERE p.in_use = TRUE AND p.in_use_by IS DISTINCT FROM $2)
                AND s.profile_id NOT IN (SELECT o.profile_id FROM authorization_sessions o WHERE o.lease_until IS NOT NULL)
                AND s.twitter_username NOT IN (SELECT o.twitter_username FROM authorization_sessions o WHERE o.lease_until IS NOT NULL AND o.twitter_username IS NOT NULL)
              ORDER BY s.id LIMIT 1 FOR UPDATE OF s SKIP LOCKED`,
            [exclude, this.hostId, batch.id, passed],
          )
          if (found.rows.length) {
            picked = found.rows[0].id
            break
          }
        }
        if (picked === null) {
          await client.query('COMMIT')
          return null
        }
        const claimed = await client.query<ClaimRow>(
          `UPDATE authorization_sessions s SET claimed_by = $2, lease_until = clock_timestamp() + $3 * interval '1 millisecond', claims = s.claims + 1
            FROM batches b WHERE s.id = $1 AND b.id = s.batch_id
            RETURNING s.session_id, s.claims, s.batch_id, s.profile_id, s.twitter_username, s.api_app, s.attempt, s.retry_of, ${iso('s.created_at')} AS created_at,
              (SELECT p.profile_name FROM profiles p WHERE p.profile_id = s.profile_id) AS profile_name,
              b.api_app AS batch_api_app, b.retry_of AS batch_retry_of, ${iso('b.created_at')} AS batch_created_at, b.created_by, b.skipped`,
          [picked, this.hostId, this.leaseMs],
        )
        await client.query('COMMIT')
        return jobOf(claimed.rows[0])
      } catch (error) {
        if ((error as { code?: string }).code === '23505' && picked !== null) {
          await client.query('ROLLBACK').catch(() => undefined)
          passed.push(picked)
          return 'conflict'
        }
        // A timed-out or broken connection is dropped, never handed out again mid-transaction.
        broken = error as Error
        throw error
      }
    } finally {
      client.removeListener('error', onError)
      client.release(broken)
    }
  }

  /**
   * Renews this host's leases, each only under the claim number it was taken with; answers the sessions it still
   * holds (the others were taken back, taken over or ended).
   */
  async renew(claims: readonly HeldClaim[]): Promise<Set<string>> {
    if (!claims.length) return new Set()
    const { rows } = await this.options.pool.query<{ session_id: string }>(
      `UPDATE authorization_sessions s SET lease_until = clock_timestamp() + $4 * interval '1 millisecond'
        FROM unnest($2::text[], $3::int[]) AS held(session_id, claim)
        WHERE s.session_id = held.session_id AND s.claims = held.claim AND s.claimed_by = $1
          AND s.lease_until IS NOT NULL AND s.status IN ('pending', 'in_progress')
        RETURNING s.session_id`,
      [this.hostId, claims.map((c) => c.sessionId), claims.map((c) => c.claim), this.leaseMs],
    )
    return new Set(rows.map((row) => row.session_id))
  }

  /**
   * Sessions whose lease expired (their host stopped renewing it) go back to `pending`, history kept: `claims`,
   * `requeues` + 1, `claimed_by` (the host that lost it) and the reason in the error columns until the next end.
   * One that reached X's consent page waits `captureGraceMs` more (its host may still store what X issued).
   */
  async requeueExpired(): Promise<Array<{ sessionId: string; batchId: string; profileId: string; host: string }>> {
    const { rows } = await this.options.pool.query<{ session_id: string; batch_id: string; profile_id: string; claimed_by: string }>(
      `UPDATE authorization_sessions SET status = 'pending', step = NULL, lease_until = NULL, requeues = requeues + 1,
          error_code = 'INTERRUPTED', error_message = 'Host ' || claimed_by || ' stopped renewing its claim; the attempt went back to the queue.'
        WHERE status IN ('pending', 'in_progress') AND lease_until < clock_timestamp()
          - (CASE WHEN step = ANY($2::text[]) THEN $1 ELSE 0 END) * interval '1 millisecond'
        RETURNING session_id, batch_id, profile_id, claimed_by`,
      [this.captureGraceMs, MAY_HAVE_APPROVED],
    )
    return rows.map((row) => ({ sessionId: row.session_id, batchId: row.batch_id, profileId: row.profile_id, host: row.claimed_by }))
  }

  /** This host's attempt stopped without an end (it is handing the account over): back to the queue, if still its claim. */
  async handBack(held: HeldClaim, reason: string): Promise<boolean> {
    const { rowCount } = await this.options.pool.query(
      `UPDATE authorization_sessions SET status = 'pending', step = NULL, lease_until = NULL, requeues = requeues + 1, error_code = 'INTERRUPTED', error_message = $4
        WHERE session_id = $1 AND claimed_by = $2 AND claims = $3 AND lease_until IS NOT NULL AND status IN ('pending', 'in_progress')`,
      [held.sessionId, this.hostId, held.claim, reason],
    )
    return (rowCount ?? 0) > 0
  }

  /** Moves a batch from one of `from` to `to`; false when it was in none of them. */
  async setState(batchId: string, to: BatchState, from: readonly BatchState[]): Promise<boolean> {
    const { rowCount } = await this.options.pool.query(`UPDATE batches SET state = $2 WHERE id = $1 AND state = ANY($3::text[])`, [batchId, to, from])
    return (rowCount ?? 0) > 0
  }

  /** Unclaimed `pending` sessions of cancelling batches become `cancelled` (claimed ones are stopped by their host). */
  async cancelQueued(error: { code: string; message: string }): Promise<Array<{ sessionId: string; batchId: string; profileId: string }>> {
    const { rows } = await this.options.pool.query<{ session_id: string; batch_id: string; profile_id: string }>(
      `UPDATE authorization_sessions s SET status = 'cancelled', error_code = $1, error_message = $2, completed_at = clock_timestamp()
        FROM batches b WHERE b.id = s.batch_id AND b.state = 'cancelling' AND s.status = 'pending' AND s.lease_until IS NULL
        RETURNING s.session_id, s.batch_id, s.profile_id`,
      [error.code, error.message],
    )
    return rows.map((row) => ({ sessionId: row.session_id, batchId: row.batch_id, profileId: row.profile_id }))
  }

  /** Live batches with nothing left to run end: `cancelling` → `cancelled`, the others → `finished`. */
  async finishDrained(): Promise<Array<{ id: string; state: BatchState }>> {
    const { rows } = await this.options.pool.query<{ id: string; state: BatchState }>(
      `UPDATE batches b SET state = CASE WHEN b.state = 'cancelling' THEN 'cancelled' ELSE 'finished' END, finished_at = clock_timestamp()
        WHERE b.state IN ('running', 'paused', 'cancelling')
          AND NOT EXISTS (SELECT 1 FROM authorization_sessions s WHERE s.batch_id = b.id AND s.status IN ('pending', 'in_progress'))
        RETURNING b.id, b.state`,
    )
    return rows
  }

  /** Live batches of every host, and the listed ones whatever their state. */
  async batches(also: readonly string[]): Promise<SharedBatch[]> {
    const { rows } = await this.options.pool.query<BatchRow>(
      `SELECT id, api_app, state, retry_of, skipped, created_by, ${iso('created_at')} AS created_at, ${iso('finished_at')} AS finished_at
        FROM batches WHERE state IN ('running', 'paused', 'cancelling') OR id = ANY($1::text[]) ORDER BY created_at`,
      [also],
    )
    return rows.map((row) => ({
      id: row.id,
      apiApp: row.api_app,
      state: row.state,
      retryOf: row.retry_of,
      skipped: row.skipped,
      createdBy: row.created_by,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
    }))
  }

  /** Counts by status of the batches' sessions, whichever host ran them. */
  async counts(batchIds: readonly string[]): Promise<Map<string, SharedCounts>> {
    const counts = new Map<string, SharedCounts>()
    if (!batchIds.length) return counts
    const { rows } = await this.options.pool.query<{ batch_id: string; status: string; claimed: boolean; n: string }>(
      `SELECT batch_id, status, lease_until IS NOT NULL AS claimed, count(*) AS n FROM authorization_sessions
        WHERE batch_id = ANY($1::text[]) GROUP BY batch_id, status, lease_until IS NOT NULL`,
      [batchIds],
    )
    for (const id of batchIds) counts.set(id, { sessions: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 })
    for (const row of rows) {
      const c = counts.get(row.batch_id)!
      const n = Number(row.n)
      c.sessions += n
      if (row.status === 'pending' && !row.claimed) c.queued += n
      else if (row.status === 'pending' || row.status === 'in_progress') c.running += n
      else if (row.status === 'completed') c.succeeded += n
      else if (row.status === 'cancelled') c.cancelled += n
      else c.failed += n
    }
    return counts
  }

  /** This host's row in `hosts` (heartbeat, slots, launcher, running attempts, summary). */
  async heartbeat(info: { startedAt: string; slots: number; launcher: string | null; running: number; summary: unknown }): Promise<void> {
    await this.options.pool.query(
      `INSERT INTO hosts (host_id, started_at, heartbeat_at, slots, launcher, running, summary) VALUES ($1, $2, clock_timestamp(), $3, $4, $5, $6)
        ON CONFLICT (host_id) DO UPDATE SET heartbeat_at = clock_timestamp(), started_at = EXCLUDED.started_at, slots = EXCLUDED.slots,
          launcher = EXCLUDED.launcher, running = EXCLUDED.running, summary = EXCLUDED.summary, declared_dead_at = NULL, released_profiles = 0`,
      [this.hostId, info.startedAt, info.slots, info.launcher, info.running, JSON.stringify(info.summary)],
    )
  }

  /** Every host of the database, newest heartbeat first. */
  async hosts(): Promise<HostRow[]> {
    const { rows } = await this.options.pool.query<RawHostRow>(
      `SELECT host_id, ${iso('started_at')} AS started_at, ${iso('heartbeat_at')} AS heartbeat_at, slots, launcher, running, summary,
          ${iso('declared_dead_at')} AS declared_dead_at, released_profiles, drain_request,
          (SELECT count(*) FROM profiles p WHERE p.in_use = TRUE AND p.in_use_by = hosts.host_id) AS profiles_held
        FROM hosts ORDER BY heartbeat_at DESC`,
    )
    return rows.map((row) => ({
      declaredDeadAt: row.declared_dead_at,
      profilesReleased: Number(row.released_profiles),
      profilesHeld: Number(row.profiles_held),
      drainRequest: row.drain_request,
      hostId: row.host_id,
      startedAt: row.started_at,
      heartbeatAt: row.heartbeat_at,
      slots: row.slots,
      launcher: row.launcher,
      running: row.running,
      summary: row.summary ? (JSON.parse(row.summary) as unknown) : null,
    }))
  }

  /**
   * Sessions of these batches not ended that wait for a host silent for `offlineMs`: claimed by it, or queued while
   * their profile is marked in use by it (no other host may start it). The batch bar says so instead of an ETA.
   */
  async waits(batchIds: readonly string[], offlineMs: number): Promise<HostWait[]> {
    if (!batchIds.length) return []
    const { rows } = await this.options.pool.query<{ batch_id: string; host_id: string; n: string; since: string }>(
      `SELECT s.batch_id, h.host_id, count(*) AS n, ${iso('h.heartbeat_at')} AS since
        FROM authorization_sessions s
        LEFT JOIN profiles p ON p.profile_id = s.profile_id AND p.in_use = TRUE
        JOIN hosts h ON h.host_id = CASE WHEN s.lease_until IS NOT NULL THEN s.claimed_by ELSE p.in_use_by END
        WHERE s.batch_id = ANY($1::text[]) AND s.status IN ('pending', 'in_progress') AND h.host_id <> $2
          AND h.heartbeat_at < clock_timestamp() - $3 * interval '1 millisecond'
        GROUP BY s.batch_id, h.host_id, h.heartbeat_at ORDER BY h.host_id`,
      [batchIds, this.hostId, offlineMs],
    )
    return rows.map((row) => ({ batchId: row.batch_id, hostId: row.host_id, accounts: Number(row.n), offlineSince: row.since }))
  }

  /** Accounts (profile ids and usernames) among these with a session not ended yet, on any host. */
  async busyAccounts(profileIds: readonly string[], usernames: readonly string[]): Promise<Array<{ profileId: string; username: string | null; sessionId: string; batchId: string | null }>> {
    if (!profileIds.length && !usernames.length) return []
    const { rows } = await this.options.pool.query<{ profile_id: string; twitter_username: string | null; session_id: string; batch_id: string | null }>(
      `SELECT profile_id, twitter_username::text AS twitter_username, session_id, batch_id FROM authorization_sessions
        WHERE status IN ('pending', 'in_progress') AND (profile_id = ANY($1::text[]) OR lower(twitter_username::text) = ANY($2::text[]))`,
      [profileIds, usernames.map((u) => u.toLowerCase())],
    )
    return rows.map((row) => ({ profileId: row.profile_id, username: row.twitter_username, sessionId: row.session_id, batchId: row.batch_id }))
  }

  close(): Promise<void> {
    return this.options.pool.end()
  }
}

interface ClaimRow {
  session_id: string
  claims: number
  batch_id: string
  profile_id: string
  twitter_username: string
  api_app: string
  attempt: number
  retry_of: string | null
  created_at: string
  profile_name: string | null
  batch_api_app: string
  batch_retry_of: string | null
  batch_created_at: string
  created_by: string
  skipped: number
}

interface BatchRow {
  id: string
  api_app: string
  state: BatchState
  retry_of: string | null
  skipped: number
  created_by: string
  created_at: string
  finished_at: string | null
}

function jobOf(row: ClaimRow): ClaimedJob {
  return {
    sessionId: row.session_id,
    batchId: row.batch_id,
    profileId: row.profile_id,
    profileName: row.profile_name,
    username: row.twitter_username,
    apiApp: row.api_app,
    attempt: row.attempt,
    retryOf: row.retry_of,
    createdAt: row.created_at,
    claim: row.claims,
    batch: { apiApp: row.batch_api_app, retryOf: row.batch_retry_of, createdAt: row.batch_created_at, createdBy: row.created_by, skipped: row.skipped },
  }
}
