/**
 * Every write to `authorization_sessions` made by the authorization engine, and the live patches that
 * follow each one: the session's row on the `sessions` channel and its profile's last status on the
 * `profiles` channel. Writes go through `Database.transaction` (queued), tokens and the PKCE verifier
 * through the encrypted columns of the entity.
 */
import { randomUUID } from 'node:crypto'
import { IsNull, Not, type EntityManager, type FindOptionsWhere } from 'typeorm'
import type { ProfilePatch } from '../../../shared/contract/profiles'
import type { CallbackAnswer, SessionPatch, SessionRow, SessionStatus, SessionStep } from '../../../shared/contract/sessions'
import { DATABASE_WRITE_FAILED, DomainException, type AppException } from '../../../shared/errors'
import type { Database } from '../../db'
import { AuthorizationSessionEntity, secretFor, sqliteDateTime } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import { pushAccountTokens } from '../gologin/profile-queries'

/** One queued authorization attempt: what the automator needs and what the patches show. */
export interface SessionJob {
  sessionId: string
  batchId: string
  profileId: string
  profileName: string | null
  /** The X username the profile is mapped to (the account that must answer /users/me). */
  username: string
  apiApp: string
  attempt: number
  /** `session_id` of the attempt this one retries. */
  retryOf: string | null
  /** ISO time the row was created (the profile's `lastAttemptAt`). */
  createdAt: string
  /**
   * PostgreSQL: the claim number this host took the session with (`claims` after its claim), the fencing token
   * every write of the attempt carries. Absent: SQLite (one host, no claims).
   */
  claim?: number
}

/** The batch row, written with its sessions (PostgreSQL, where hosts claim them). */
export interface BatchRow {
  id: string
  apiApp: string
  retryOf: string | null
  skipped: number
  createdAt: string
  createdBy: string
}

/**
 * A write of an attempt refused because this host no longer holds its claim (another host took the session over,
 * or it went back to the queue): nothing was changed.
 */
export class ClaimLostException extends DomainException {
  constructor(sessionId: string) {
    super('INTERRUPTED', 'This host no longer holds the claim on this attempt; another host takes the account over.', { details: { sessionId, reason: 'claim_lost' } })
  }
}

export function isClaimLost(error: unknown): error is ClaimLostException {
  return error instanceof ClaimLostException
}

/** How `complete` stored the tokens. */
export type CompleteOutcome =
  | { stored: 'session' }
  /** The claim was lost, and these tokens are the newest of the account and app: kept in a row of their own. */
  | { stored: 'orphan'; sessionId: string }
  /** The claim was lost and a newer token set of the account and app is stored: these must be revoked. */
  | { stored: 'superseded'; by: string }

/** Tokens X issued: OAuth 2.0 (expiring, maybe refreshable) or an OAuth 1.0a pair (token + secret, never expires). */
export interface StoredTokens {
  accessToken: string
  refreshToken: string | null
  /** OAuth 1.0a: the token's secret (stored encrypted in `oauth_token_secret`). */
  oauthTokenSecret?: string | null
  /** Null: the token does not expire (OAuth 1.0a). */
  expiresAt: Date | null
  /** Null for OAuth 1.0a (its permissions are the app's). */
  scopes: string[] | null
}

/** What a successful attempt stores. */
export interface CompletedAttempt {
  tokens: StoredTokens
  /** Null when `/users/me` could not confirm the account (see `warning`). */
  xUserId: string | null
  /** When X issued the tokens (newest wins between hosts); default `finishedAt`. */
  issuedAt?: Date
  startedAt: Date
  finishedAt: Date
  /** Completed with a caveat (X_ACCOUNT_UNVERIFIED). */
  warning?: AppException | null
}

export type TerminalStatus = Exclude<SessionStatus, 'pending' | 'in_progress'>

export interface SessionStoreDeps {
  db: Pick<Database, 'transaction' | 'dataSource'>
  events: Pick<EventHub, 'emit'>
  logger: Logger
  /**
   * PostgreSQL (claims): this host's writes to a session land only while it holds the claim (`claimed_by` is
   * this host and the lease is live), and a terminal write clears the lease in the same statement. Tokens X
   * issued are stored whatever the lease says. `handingOver`: attempts this host stops to hand them to another
   * host; their end is not written (the session goes back to the queue). `ending`: attempts whose end this host is
   * writing (the write clears the lease, so a renewal that finds it gone is no lost claim). Null: SQLite, every
   * write lands.
   */
  owner?: { hostId: string; handingOver: ReadonlySet<string>; ending?: Set<string> } | null
}

/** Rows per INSERT: 9 parameters each, far below SQLite's variable limit. */
const INSERT_CHUNK = 500
const TABLE = 'authorization_sessions'

export class SessionStore {
  /** The last write issued per session (see `inOrder`). */
  private readonly writes = new Map<string, Promise<unknown>>()

  constructor(private readonly deps: SessionStoreDeps) {}

  /**
   * Inserts the `pending` rows of new attempts (in chunks, yielding between them) and pushes them; answers those
   * inserted. An account and app with a live session already (queued by another panel or host at the same moment)
   * is refused by the database's unique index and left out. `batch`: the batch row, written in the same
   * transaction as its sessions (PostgreSQL), so no host ever sees one without the other.
   */
  async createPending(jobs: readonly SessionJob[], signal?: AbortSignal, batch?: BatchRow): Promise<SessionJob[]> {
    const inserted: SessionJob[] = []
    const insertChunk = async (manager: EntityManager, chunk: readonly SessionJob[]) => {
      const tuples = chunk.map(() => `(?, ?, ?, ?, ?, 'pending', ?, ?, ?)`).join(', ')
      const params = chunk.flatMap((job) => [
        job.sessionId, job.batchId, job.profileId, job.username, job.apiApp, job.attempt, job.retryOf, sqliteDateTime(new Date(job.createdAt)),
      ])
      const rows = (await manager.query(
        `INSERT INTO ${TABLE} (session_id, batch_id, profile_id, twitter_username, api_app, status, attempt, retry_of, created_at) VALUES ${tuples}
          ON CONFLICT DO NOTHING RETURNING session_id`,
        params,
      )) as Array<{ session_id: string }>
      const ids = new Set(rows.map((row) => row.session_id))
      return chunk.filter((job) => ids.has(job.sessionId))
    }
    if (batch) {
      await this.deps.db.transaction(async (manager) => {
        await manager.query(`INSERT INTO batches (id, api_app, state, retry_of, skipped, created_by, created_at) VALUES (?, ?, 'running', ?, ?, ?, ?)`, [
          batch.id, batch.apiApp, batch.retryOf, batch.skipped, batch.createdBy, sqliteDateTime(new Date(batch.createdAt)),
        ])
        for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
          signal?.throwIfAborted()
          inserted.push(...(await insertChunk(manager, jobs.slice(start, start + INSERT_CHUNK))))
        }
      })
      this.announcePending(inserted)
      return inserted
    }
    for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
      signal?.throwIfAborted()
      const chunk = await this.deps.db.transaction((manager) => insertChunk(manager, jobs.slice(start, start + INSERT_CHUNK)))
      inserted.push(...chunk)
      this.announcePending(chunk)
      if (start + INSERT_CHUNK < jobs.length) await new Promise((resolve) => setImmediate(resolve))
    }
    return inserted
  }

  private announcePending(jobs: readonly SessionJob[]): void {
    for (const job of jobs) {
      this.deps.events.emit('sessions', pendingRow(job))
      this.profilePatch(job, { lastStatus: 'pending', lastErrorCode: null })
    }
  }

  async markStarted(job: SessionJob, startedAt: Date): Promise<void> {
    await this.write(job, { status: 'in_progress', step: 'starting_profile', startedAt })
    this.deps.events.emit('sessions', { id: job.sessionId, status: 'in_progress', step: 'starting_profile', startedAt: startedAt.toISOString() })
    this.profilePatch(job, { lastStatus: 'in_progress', lastErrorCode: null })
  }

  async setStep(job: SessionJob, step: SessionStep): Promise<void> {
    await this.write(job, { step })
    this.deps.events.emit('sessions', { id: job.sessionId, step })
  }

  /** PKCE `state` and the (encrypted) verifier, written before the browser is sent to X. */
  async savePkce(job: SessionJob, state: string, codeVerifier: string): Promise<void> {
    await this.write(job, { state, codeVerifier: secretFor(job.sessionId, codeVerifier) })
  }

  /**
   * The attempt succeeded: tokens (encrypted), expiry, scopes and X user id are stored, and the
   * previous token of the same account and app becomes `replaced`, in one transaction.
   * PostgreSQL: written only under this host's claim. A host that lost it still never drops what X issued: the
   * tokens are kept in a row of their own when they are the newest of the account and app, else the answer says
   * they are superseded (the caller revokes them at X).
   */
  async complete(job: SessionJob, result: CompletedAttempt): Promise<CompleteOutcome> {
    const { tokens, xUserId, startedAt, finishedAt } = result
    const errorCode = result.warning?.code ?? null
    const errorMessage = result.warning?.message.slice(0, 1_000) ?? null
    const durationMs = finishedAt.getTime() - startedAt.getTime()
    const fields: Partial<AuthorizationSessionEntity> = {
      status: 'completed',
      step: null,
      errorCode,
      errorMessage,
      accessToken: secretFor(job.sessionId, tokens.accessToken),
      refreshToken: secretFor(job.sessionId, tokens.refreshToken),
      oauthTokenSecret: secretFor(job.sessionId, tokens.oauthTokenSecret ?? null),
      scopes: tokens.scopes,
      expiresAt: tokens.expiresAt,
      xUserId,
      tokenStatus: 'valid',
      codeVerifier: null,
      completedAt: finishedAt,
      durationMs,
    }
    this.ending(job)
    const { outcome, replaced } = await this.inOrder(job, () => this.deps.db.transaction(async (manager) => {
      const mine = await manager.update(AuthorizationSessionEntity, this.fence(job, { anyLease: true }), { ...this.endOfClaim(), ...fields })
      let outcome: CompleteOutcome = { stored: 'session' }
      let keptIn = job.sessionId
      if (!mine.affected) {
        // This host lost the claim: the newest token set of the account and app wins.
        const newer: Array<{ session_id: string }> = await manager.query(
          `SELECT session_id FROM ${TABLE} WHERE twitter_username = ? AND lower(api_app) = lower(?) AND status = 'completed' AND access_token IS NOT NULL
            AND completed_at > ? ORDER BY completed_at DESC LIMIT 1`,
          [job.username, job.apiApp, sqliteDateTime(result.issuedAt ?? finishedAt)],
        )
        if (newer.length) return { outcome: { stored: 'superseded', by: newer[0].session_id } as CompleteOutcome, replaced: [] }
        keptIn = randomUUID()
        const orphan = manager.create(AuthorizationSessionEntity, {
          ...fields,
          // Bound to the new row (save() seals plain values with the row's own key).
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          oauthTokenSecret: tokens.oauthTokenSecret ?? null,
          sessionId: keptIn,
          // Not counted in the batch: the session itself is another host's to finish.
          batchId: null,
          profileId: job.profileId,
          twitterUsername: job.username,
          apiApp: job.apiApp,
          attempt: job.attempt,
          retryOf: job.sessionId,
          startedAt,
          claimedBy: this.deps.owner?.hostId ?? null,
          errorCode: errorCode ?? 'INTERRUPTED',
          errorMessage: `Tokens X issued to host ${this.deps.owner?.hostId ?? '?'} after its claim on session ${job.sessionId} lapsed; kept as the newest of the account.`,
        })
        await manager.save(orphan)
        outcome = { stored: 'orphan', sessionId: keptIn }
      }
      const previous: Array<{ session_id: string }> = await manager.query(
        `SELECT session_id FROM ${TABLE} WHERE twitter_username = ? AND lower(api_app) = lower(?) AND status = 'completed'
          AND (token_status IS NULL OR token_status IN ('valid', 'expired')) AND session_id <> ?`,
        [job.username, job.apiApp, keptIn],
      )
      if (previous.length) {
        await manager.query(
          `UPDATE ${TABLE} SET token_status = 'replaced' WHERE session_id IN (${previous.map(() => '?').join(', ')})`,
          previous.map((row) => row.session_id),
        )
      }
      return { outcome, replaced: previous.map((row) => row.session_id) }
    }))
    for (const id of replaced) this.deps.events.emit('sessions', { id, tokenStatus: 'replaced' })
    if (outcome.stored === 'superseded') return outcome
    const expiresAt = tokens.expiresAt?.toISOString() ?? null
    if (outcome.stored === 'session') {
      this.deps.events.emit('sessions', {
        id: job.sessionId,
        status: 'completed',
        step: null,
        errorCode,
        errorMessage,
        xUserId,
        scopes: tokens.scopes,
        tokenStatus: 'valid',
        expiresAt,
        completedAt: finishedAt.toISOString(),
        durationMs,
      })
    }
    this.profilePatch(job, { lastStatus: 'completed', lastErrorCode: errorCode, lastAuthorizedAt: finishedAt.toISOString(), tokenExpiresAt: expiresAt, tokenStatus: 'valid' })
    await this.pushTokens(job)
    return outcome
  }

  /**
   * Pass-through: X's redirect reached the app's own callback and it answered as expected. No token is
   * stored (the app redeemed it); the session says where it went.
   */
  async deliver(job: SessionJob, result: { answer: CallbackAnswer; startedAt: Date; finishedAt: Date; xUserId?: string | null }): Promise<void> {
    const { answer, startedAt, finishedAt } = result
    const durationMs = finishedAt.getTime() - startedAt.getTime()
    // The app's callback redeemed the code: recorded while the claim is this host's, even past its lease.
    this.ending(job)
    const written = await this.inOrder(job, () =>
      this.deps.db.transaction((manager) =>
        manager.update(AuthorizationSessionEntity, this.fence(job, { anyLease: true }), {
          ...this.endOfClaim(), status: 'completed', step: null, errorCode: null, errorMessage: null, deliveredToCallback: true, callbackAnswer: answer, completedAt: finishedAt, durationMs,
          ...(result.xUserId ? { xUserId: result.xUserId } : {}),
        }),
      ),
    )
    if (!written.affected) {
      this.deps.logger.warn('authorization.fenced_write', { sessionId: job.sessionId, what: 'delivery' }, 'The delivery to the app’s callback was not recorded: this host no longer holds the claim')
      return
    }
    this.deps.events.emit('sessions', {
      id: job.sessionId,
      status: 'completed',
      step: null,
      errorCode: null,
      errorMessage: null,
      deliveredToCallback: true,
      callbackAnswer: answer,
      completedAt: finishedAt.toISOString(),
      durationMs,
    })
    this.profilePatch(job, { lastStatus: 'completed', lastErrorCode: null, lastAuthorizedAt: finishedAt.toISOString() })
    await this.pushTokens(job)
  }

  /**
   * The account's numeric X id as an earlier authorization verified it (X's /users/me or 1.0a answer, or a consent
   * page that named the mapped username), from any app; null: never verified. A session whose tokens turned out to
   * belong to another account does not count.
   */
  async knownXUserId(username: string): Promise<string | null> {
    const rows: Array<{ x_user_id: string }> = await this.deps.db.transaction((manager) =>
      manager.query(
        `SELECT x_user_id FROM authorization_sessions
          WHERE LOWER(twitter_username) = LOWER(?) AND status = 'completed' AND x_user_id IS NOT NULL
            AND (error_code IS NULL OR error_code <> 'ACCOUNT_MISMATCH')
          ORDER BY completed_at DESC LIMIT 1`,
        [username],
      ),
    )
    return rows[0]?.x_user_id ?? null
  }

  async fail(
    job: SessionJob,
    outcome: { status: TerminalStatus; error: AppException; screenshotPath: string | null; startedAt: Date | null; finishedAt: Date; callbackAnswer?: CallbackAnswer | null },
  ): Promise<void> {
    const { status, error, screenshotPath, startedAt, finishedAt } = outcome
    const durationMs = startedAt ? finishedAt.getTime() - startedAt.getTime() : null
    const callbackAnswer = outcome.callbackAnswer ?? null
    // Handed over to another host (this one is stopping): the session goes back to the queue instead.
    if (this.deps.owner?.handingOver.has(job.sessionId)) return
    // The database failed before anything was approved: another host (or this one) runs the account again.
    if (this.deps.owner && (error.details as { reason?: unknown } | undefined)?.reason === DATABASE_WRITE_FAILED) return this.requeue(job, error)
    this.ending(job)
    try {
      await this.write(job, {
      ...this.endOfClaim(),
      status,
      step: null,
      errorCode: error.code,
      errorMessage: error.message.slice(0, 1_000),
      screenshotPath,
      codeVerifier: null,
      completedAt: finishedAt,
      durationMs,
      ...(callbackAnswer ? { callbackAnswer } : {}),
      })
    } catch (error) {
      if (!isClaimLost(error)) throw error
      this.deps.logger.warn('authorization.fenced_write', { sessionId: job.sessionId, what: status }, `The attempt's end (${status}) was not recorded: this host no longer holds the claim`)
      return
    }
    this.deps.events.emit('sessions', {
      id: job.sessionId,
      status,
      step: null,
      errorCode: error.code,
      errorMessage: error.message.slice(0, 1_000),
      completedAt: finishedAt.toISOString(),
      durationMs,
      hasScreenshot: screenshotPath !== null,
      ...(callbackAnswer ? { callbackAnswer } : {}),
    })
    this.profilePatch(job, { lastStatus: status, lastErrorCode: error.code })
  }

  /** Back to the queue under this host's claim (nothing was approved): `pending`, lease cleared, `requeues` + 1. */
  private async requeue(job: SessionJob, error: AppException): Promise<void> {
    const message = `${error.message} The attempt went back to the queue.`.slice(0, 1_000)
    const result = await this.inOrder(job, () =>
      this.deps.db.transaction((manager) =>
        manager
          .createQueryBuilder()
          .update(AuthorizationSessionEntity)
          .set({ status: 'pending', step: null, leaseUntil: null, errorCode: 'INTERRUPTED', errorMessage: message, codeVerifier: null, requeues: () => 'requeues + 1' })
          .where(this.fence(job))
          .execute(),
      ),
    )
    if (!result.affected) return
    this.deps.logger.warn('authorization.requeued_after_db_error', { sessionId: job.sessionId }, message)
    this.deps.events.emit('sessions', { id: job.sessionId, status: 'pending', step: null, errorCode: 'INTERRUPTED', errorMessage: message })
    this.profilePatch(job, { lastStatus: 'pending', lastErrorCode: 'INTERRUPTED' })
  }

  /** Queued attempts that will not run (batch cancelled): those still `pending` become `cancelled`. */
  async cancelQueued(jobs: readonly SessionJob[], error: AppException): Promise<void> {
    const finishedAt = new Date()
    for (let start = 0; start < jobs.length; start += INSERT_CHUNK) {
      const chunk = jobs.slice(start, start + INSERT_CHUNK)
      await this.deps.db.transaction((manager) =>
        manager.query(
          `UPDATE ${TABLE} SET status = 'cancelled', error_code = ?, error_message = ?, completed_at = ?
            WHERE status = 'pending' AND session_id IN (${chunk.map(() => '?').join(', ')})`,
          [error.code, error.message, sqliteDateTime(finishedAt), ...chunk.map((job) => job.sessionId)],
        ),
      )
      for (const job of chunk) {
        this.deps.events.emit('sessions', { id: job.sessionId, status: 'cancelled', errorCode: error.code, errorMessage: error.message, completedAt: finishedAt.toISOString() })
        this.profilePatch(job, { lastStatus: 'cancelled', lastErrorCode: error.code })
      }
    }
  }

  /**
   * One write of the attempt. PostgreSQL: lands only under this host's live claim (its host and claim number, the
   * lease not taken back); otherwise nothing changes and `ClaimLostException` says so.
   */
  private async write(job: SessionJob, fields: Partial<AuthorizationSessionEntity>): Promise<void> {
    const result = await this.inOrder(job, () => this.deps.db.transaction((manager: EntityManager) => manager.update(AuthorizationSessionEntity, this.fence(job), fields)))
    if (this.deps.owner && !result.affected) throw new ClaimLostException(job.sessionId)
  }

  /**
   * Which row a write of the attempt may change: SQLite, the session; PostgreSQL, the session while this host holds
   * it under the claim number it took it with. `anyLease`: also after the lease ran out, as long as no host took the
   * session back or over (what X issued is stored rather than lost).
   */
  private fence(job: SessionJob, options: { anyLease?: boolean } = {}): FindOptionsWhere<AuthorizationSessionEntity> {
    const owner = this.deps.owner
    if (!owner) return { sessionId: job.sessionId }
    return {
      sessionId: job.sessionId,
      claimedBy: owner.hostId,
      ...(job.claim !== undefined ? { claims: job.claim } : {}),
      ...(options.anyLease ? {} : { leaseUntil: Not(IsNull()) }),
    }
  }

  /**
   * PostgreSQL: the attempt's end is about to be written, clearing its lease: the lease keeper stops renewing it
   * (a renewal that finds the lease gone is this write, not another host taking the account).
   */
  private ending(job: SessionJob): void {
    this.deps.owner?.ending?.add(job.sessionId)
  }

  /** PostgreSQL: an attempt's end clears its lease (nothing to renew or take back). */
  private endOfClaim(): Partial<AuthorizationSessionEntity> {
    return this.deps.owner ? { leaseUntil: null } : {}
  }

  /**
   * A session's writes land in the order they were issued, even one not awaited (the `consent` step):
   * on PostgreSQL transactions run side by side on their own connections, so a later write could
   * otherwise commit first and be overwritten (SQLite's write lock queues them anyway).
   */
  private inOrder<T>(job: SessionJob, write: () => Promise<T>): Promise<T> {
    const next = (this.writes.get(job.sessionId) ?? Promise.resolve()).then(write)
    const settled = next.catch(() => undefined)
    this.writes.set(job.sessionId, settled)
    void settled.then(() => {
      if (this.writes.get(job.sessionId) === settled) this.writes.delete(job.sessionId)
    })
    return next
  }

  private profilePatch(job: SessionJob, fields: Omit<ProfilePatch, 'id'>): void {
    this.deps.events.emit('profiles', { id: job.profileId, lastAttemptAt: job.createdAt, lastApiApp: job.apiApp, ...fields })
  }

  /** The account's tokens per app on its profile's row, after this attempt stored one. */
  private pushTokens(job: SessionJob): Promise<void> {
    return pushAccountTokens({ db: this.deps.db, events: this.deps.events, log: this.deps.logger }, { profileId: job.profileId, username: job.username })
  }
}

export function pendingRow(job: SessionJob): SessionRow & SessionPatch {
  return {
    id: job.sessionId,
    batchId: job.batchId,
    profileId: job.profileId,
    profileName: job.profileName,
    username: job.username,
    apiApp: job.apiApp,
    status: 'pending',
    step: null,
    errorCode: null,
    errorMessage: null,
    attempt: job.attempt,
    retryOf: job.retryOf,
    xUserId: null,
    scopes: null,
    tokenStatus: null,
    expiresAt: null,
    createdAt: job.createdAt,
    startedAt: null,
    completedAt: null,
    durationMs: null,
    hasScreenshot: false,
    deliveredToCallback: false,
    callbackAnswer: null,
  }
}
