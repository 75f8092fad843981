/** The panel's views in the origin service's snake_case JSON. Tokens only when the caller may see them. */
import type { ProfileRow, SyncProgress } from '../../../shared/contract/profiles'
import type { AuthorizeResult, RestSession } from './backend'

export function authorizeDto(result: AuthorizeResult) {
  return { session_id: result.sessionId, status: result.status, profile_id: result.profileId, existing: result.existing }
}

export function sessionDto(session: RestSession, withTokens: boolean) {
  const dto = {
    session_id: session.id,
    batch_id: session.batchId,
    profile_id: session.profileId,
    twitter_username: session.username || null,
    api_app: session.apiApp,
    status: session.status,
    step: session.step,
    error_code: session.errorCode,
    error_message: session.errorMessage,
    attempt: session.attempt,
    x_user_id: session.xUserId,
    token_status: session.tokenStatus,
    created_at: session.createdAt,
    started_at: session.startedAt,
    completed_at: session.completedAt,
    expires_at: session.expiresAt,
    duration_ms: session.durationMs,
    delivered_to_callback: session.deliveredToCallback ?? false,
  }
  if (!withTokens) return dto
  return {
    ...dto,
    access_token: session.tokens?.accessToken ?? null,
    refresh_token: session.tokens?.refreshToken ?? null,
    oauth_token_secret: session.tokens?.oauthTokenSecret ?? null,
    scopes: session.tokens?.scopes ?? session.scopes ?? null,
  }
}

export function profileDto(profile: ProfileRow) {
  return {
    profile_id: profile.id,
    profile_name: profile.name,
    twitter_username: profile.username,
    api_app: profile.apiApp,
    mapping_source: profile.mappingSource,
    folder: profile.folder,
    tags: profile.tags,
    notes: profile.notes,
    os: profile.os,
    proxy_country: profile.proxyCountry,
    is_active: profile.isActive,
    in_use: profile.inUse,
    last_synced: profile.lastSynced,
    last_status: profile.lastStatus,
    last_error_code: profile.lastErrorCode,
    last_attempt_at: profile.lastAttemptAt,
    last_authorized_at: profile.lastAuthorizedAt,
    token_expires_at: profile.tokenExpiresAt,
    token_status: profile.tokenStatus,
  }
}

export function syncDto(progress: SyncProgress) {
  const status = progress.running ? 'running' : progress.errorCode || progress.error ? 'failed' : progress.finishedAt ? 'completed' : 'idle'
  return {
    status,
    started_at: progress.startedAt,
    completed_at: progress.finishedAt,
    pages_done: progress.pagesDone,
    pages_total: progress.pagesTotal,
    fetched: progress.fetched,
    total: progress.total,
    added: progress.added,
    updated: progress.updated,
    unchanged: progress.unchanged,
    deactivated: progress.deactivated,
    error: progress.error,
    error_code: progress.errorCode,
  }
}
