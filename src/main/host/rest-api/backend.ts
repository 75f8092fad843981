/**
 * What the local REST API needs from the rest of the panel, as one typed interface: the server never
 * reaches for services itself, so tests pass a fake and the composition root passes the real ones.
 * Errors are `DomainException` / `InfrastructureException` (their code picks the HTTP status).
 */
import type { ProfileRow, SyncProgress } from '../../../shared/contract/profiles'
import type { SessionRow, SessionStatus } from '../../../shared/contract/sessions'

export interface AuthorizeInput {
  /** X username (case-insensitive, `@` optional) or GoLogin profile id. */
  accountId: string
  apiApp: string
  /** false: an account that already holds a valid token answers its existing session. */
  forceReauth: boolean
}

export interface AuthorizeResult {
  sessionId: string
  status: SessionStatus
  profileId: string
  /** True when the answer is an existing session (valid token, `forceReauth: false`). */
  existing: boolean
}

/** Secrets of a completed session, decrypted only when the caller's key has `tokens:read`. */
export interface SessionTokens {
  accessToken: string | null
  refreshToken: string | null
  /** OAuth 1.0a tokens come as a pair: the access token and this secret. */
  oauthTokenSecret?: string | null
  scopes: string[] | null
}

export type RestSession = SessionRow & { tokens?: SessionTokens }

export interface HealthFigures {
  /** Profiles that may run at once (the semaphore's size). */
  profilesLimit: number
  /** Profiles running right now. */
  activeProfiles: number
  /** Authorizations waiting or in progress. */
  pendingAuthorizations: number
}

export interface RestApiBackend {
  /** Starts an authorization and answers at once; `CONFLICT` when the account is already in progress. */
  authorize(input: AuthorizeInput): Promise<AuthorizeResult>
  /** Null when unknown. Tokens only when `includeTokens` (never decrypted otherwise). */
  getSession(sessionId: string, opts: { includeTokens: boolean }): Promise<RestSession | null>
  /** Pages from 1, in a stable order. */
  listProfiles(page: number, pageSize: number): Promise<{ items: ProfileRow[]; total: number }>
  /** By X username (case-insensitive) or GoLogin profile id; null when unknown. */
  getProfile(accountId: string): Promise<ProfileRow | null>
  /** Starts a sync or joins the one running; answers its progress at once. */
  syncProfiles(): Promise<SyncProgress>
  health(): Promise<HealthFigures>
}
