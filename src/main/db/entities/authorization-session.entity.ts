import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm'
import type { CallbackAnswer } from '../../../shared/contract/sessions'
import { secretColumn } from '../secret-column'

export const SESSION_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'timeout', 'cancelled'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]
export const SESSION_STEPS = ['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying'] as const
export type SessionStep = (typeof SESSION_STEPS)[number]
export const TOKEN_STATUSES = ['valid', 'expired', 'revoked', 'replaced'] as const
export type TokenStatus = (typeof TOKEN_STATUSES)[number]

const TABLE = 'authorization_sessions'

/**
 * One authorization attempt of one account for one API app.
 * v1.0: initial; v1.2: oauth_token_secret; v2.0: refresh_token, scopes;
 * v3.0: batch, step, error code, attempts, token status, PKCE, timings; secrets encrypted.
 * v3.1: pass-through delivery. For OAuth 1.0a, `state` holds the request token and `code_verifier` its secret.
 */
@Entity({ name: TABLE })
@Index('ix_authorization_sessions_account', ['twitterUsername', 'apiApp'])
export class AuthorizationSessionEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number

  @Index('ix_authorization_sessions_session_id', { unique: true })
  @Column({ name: 'session_id', type: 'varchar', length: 36 })
  sessionId!: string

  @Index('ix_authorization_sessions_batch_id')
  @Column({ name: 'batch_id', type: 'varchar', length: 36, nullable: true })
  batchId!: string | null

  @Index('ix_authorization_sessions_profile_id')
  @Column({ name: 'profile_id', type: 'varchar', length: 64 })
  profileId!: string

  @Column({ name: 'twitter_username', type: 'varchar', length: 50, nullable: true, collation: 'NOCASE' })
  twitterUsername!: string | null

  @Column({ name: 'api_app', type: 'varchar', length: 64 })
  apiApp!: string

  @Index('ix_authorization_sessions_status')
  @Column({ name: 'status', type: 'varchar', length: 20, default: 'pending' })
  status!: SessionStatus

  @Column({ name: 'step', type: 'varchar', length: 20, nullable: true })
  step!: SessionStep | null

  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode!: string | null

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null

  @Column({ name: 'attempt', type: 'integer', default: 1 })
  attempt!: number

  /** `session_id` of the attempt this one retries. */
  @Column({ name: 'retry_of', type: 'varchar', length: 36, nullable: true })
  retryOf!: string | null

  @Column(secretColumn(TABLE, 'access_token', 'sessionId'))
  accessToken!: string | null

  @Column(secretColumn(TABLE, 'refresh_token', 'sessionId'))
  refreshToken!: string | null

  @Column(secretColumn(TABLE, 'oauth_token_secret', 'sessionId'))
  oauthTokenSecret!: string | null

  @Column({ name: 'scopes', type: 'json', nullable: true })
  scopes!: string[] | null

  @Column({ name: 'x_user_id', type: 'varchar', length: 32, nullable: true })
  xUserId!: string | null

  @Column({ name: 'expires_at', type: 'datetime', nullable: true })
  expiresAt!: Date | null

  @Column({ name: 'token_status', type: 'varchar', length: 16, nullable: true })
  tokenStatus!: TokenStatus | null

  @Column({ name: 'refreshed_at', type: 'datetime', nullable: true })
  refreshedAt!: Date | null

  @Column({ name: 'screenshot_path', type: 'text', nullable: true })
  screenshotPath!: string | null

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs!: number | null

  /** v3.1: X's redirect was let through to the API app's own callback, which answered as expected (no token here). */
  @Column({ name: 'delivered_to_callback', type: 'boolean', nullable: true })
  deliveredToCallback!: boolean | null

  /** v3.1, pass-through: what the callback answered `{ status, url, markerMatched }` (URL without secrets). */
  @Column({ name: 'callback_answer', type: 'json', nullable: true })
  callbackAnswer!: CallbackAnswer | null

  /** OAuth `state` sent to X (not secret: it travels in the URL). */
  @Column({ name: 'state', type: 'varchar', length: 500, nullable: true })
  state!: string | null

  @Column(secretColumn(TABLE, 'code_verifier', 'sessionId'))
  codeVerifier!: string | null

  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt!: Date

  @Column({ name: 'started_at', type: 'datetime', nullable: true })
  startedAt!: Date | null

  /** PostgreSQL: the host that claimed this attempt last (kept after it ends, as history). */
  @Column({ name: 'claimed_by', type: 'varchar', length: 255, nullable: true })
  claimedBy!: string | null

  /** PostgreSQL: until when the claiming host holds the attempt; renewed while it works, cleared when it ends. */
  @Index('ix_authorization_sessions_lease_until')
  @Column({ name: 'lease_until', type: 'datetime', nullable: true })
  leaseUntil!: Date | null

  /** Times a host claimed this attempt. */
  @Column({ name: 'claims', type: 'integer', default: 0 })
  claims!: number

  /** Times the attempt went back to `pending` because its host stopped renewing the lease. */
  @Column({ name: 'requeues', type: 'integer', default: 0 })
  requeues!: number

  @Column({ name: 'completed_at', type: 'datetime', nullable: true })
  completedAt!: Date | null

  /** PostgreSQL: the host refreshing (or re-checking) this row's tokens right now; one host per token. */
  @Column({ name: 'refresh_claimed_by', type: 'varchar', length: 255, nullable: true })
  refreshClaimedBy!: string | null

  /** Until when that host holds the refresh; another host may take the row after it. */
  @Column({ name: 'refresh_lease_until', type: 'datetime', nullable: true })
  refreshLeaseUntil!: Date | null

  /** PostgreSQL: when a column a panel shows last changed, stamped by a trigger (migration 0012); never written here. */
  @Column({ name: 'updated_at', type: 'datetime', nullable: true, insert: false, update: false })
  updatedAt!: Date | null
}
