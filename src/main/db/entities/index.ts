/**
 * Domain model versions (the origin service's history first, then the panel's):
 *
 * v1.0 (2024-01-01): Initial Profile, AuthorizationSession                       — 0001-initial-schema
 * v1.1 (2024-01-05): Added ApiKey table for authentication                        — 0002-api-keys
 * v1.2 (2024-01-10): Added oauth_token_secret to AuthorizationSession             — 0003-refresh-token
 * v2.0 (2024-01-15): Added refresh_token and scopes columns                       — 0003-refresh-token
 * v2.1 (2024-01-20): Added profile metadata and sync timestamps                   — 0004-profile-metadata
 * v3.0 (panel):      api_apps and settings tables; profiles.mapping_source and a
 *                    case-insensitive twitter_username; sessions gain batch, step,
 *                    error code, attempt/retry_of, token status, PKCE state and
 *                    verifier, timings; every secret column encrypted (SecretBox);
 *                    api_keys gain prefix, scopes, revoked_at                     — 0005-panel-schema
 * v3.1 (panel):      api_apps.redemption, start_url, callback_marker (pass-through);
 *                    sessions.delivered_to_callback, callback_answer             — 0006-pass-through
 *
 * Entities are listed here explicitly (no globs) so the bundler sees every one of them.
 * Relations are plain string keys (profile_id, api_app), not TypeORM relations: no import cycles.
 */
import { ApiAppEntity } from './api-app.entity'
import { ApiKeyEntity } from './api-key.entity'
import { AuthorizationSessionEntity } from './authorization-session.entity'
import { ProfileEntity } from './profile.entity'
import { SettingEntity } from './setting.entity'

export { ApiAppEntity } from './api-app.entity'
export { ApiKeyEntity } from './api-key.entity'
export {
  AuthorizationSessionEntity,
  SESSION_STATUSES,
  SESSION_STEPS,
  TOKEN_STATUSES,
  type SessionStatus,
  type SessionStep,
  type TokenStatus,
} from './authorization-session.entity'
export { MAPPING_SOURCES, ProfileEntity, type MappingSource, type ProfileMetadata } from './profile.entity'
export { SettingEntity } from './setting.entity'

export const ENTITIES = [ProfileEntity, AuthorizationSessionEntity, ApiAppEntity, ApiKeyEntity, SettingEntity]
