/**
 * JSON schemas of the REST API: Fastify validates requests with them (ajv), serializes answers with
 * them (fields not listed never leave the server) and the OpenAPI document is built from them.
 */
import { ERROR_CODES } from '../../../shared/errors'

export const MAX_PAGE_SIZE = 500
export const DEFAULT_PAGE_SIZE = 50

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra })
const dateTime = { type: 'string', format: 'date-time' } as const
const nullableDateTime = nullable('string', { format: 'date-time' })

/** Human wording for pattern failures, keyed by field name. */
export const FIELD_HINTS: Record<string, string> = {
  account_id: 'must be an X username (letters, digits or _, “@” optional) or a GoLogin profile id',
  api_app: 'must be an API app name: 1–40 letters, digits, “_” or “-”, starting with a letter or digit',
  session_id: 'must be a session id (letters, digits, “-” or “_”)',
}

const accountId = {
  type: 'string',
  minLength: 1,
  maxLength: 100,
  pattern: '^@?[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$',
  description: 'X username (case-insensitive, “@” optional) or GoLogin profile id',
}
const apiApp = { type: 'string', minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$', description: 'API app name, e.g. AIOTT1' }
const sessionId = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]{1,64}$' }

// ---- requests ----

export const authorizeBody = {
  type: 'object',
  required: ['account_id', 'api_app'],
  additionalProperties: false,
  properties: {
    account_id: accountId,
    api_app: apiApp,
    force_reauth: { type: 'boolean', default: false, description: 'false: an account with a valid token answers its existing session' },
  },
} as const

export const sessionParams = { type: 'object', required: ['session_id'], properties: { session_id: sessionId } } as const
export const accountParams = { type: 'object', required: ['account_id'], properties: { account_id: accountId } } as const

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
    page_size: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  },
} as const

export interface AuthorizeBody {
  account_id: string
  api_app: string
  force_reauth: boolean
}
export interface PageQuery {
  page: number
  page_size: number
}

// ---- answers ----

const envelopeBase = {
  success: { type: 'boolean' },
  error: nullable('string'),
  error_code: nullable('string'),
  request_id: { type: 'string' },
  timestamp: dateTime,
}

export function envelopeOf(data: object) {
  return { type: 'object', required: ['success', 'data', 'request_id', 'timestamp'], properties: { ...envelopeBase, data } } as const
}

/** The origin's paginated envelope: the page's items in `data`, the counts beside it. */
export function pagedEnvelopeOf(item: object) {
  return {
    type: 'object',
    required: ['success', 'data', 'total', 'page', 'page_size', 'total_pages', 'request_id', 'timestamp'],
    properties: {
      ...envelopeBase,
      data: { type: 'array', items: item },
      total: { type: 'integer' },
      page: { type: 'integer' },
      page_size: { type: 'integer' },
      total_pages: { type: 'integer' },
    },
  } as const
}

export const errorEnvelope = {
  type: 'object',
  required: ['success', 'data', 'error', 'error_code', 'request_id', 'timestamp'],
  properties: {
    ...envelopeBase,
    success: { type: 'boolean', const: false },
    data: { type: 'null' },
    error: { type: 'string', description: 'A sentence for people; never a stack trace or a secret' },
    error_code: { type: 'string', enum: [...ERROR_CODES] },
    retryable: { type: 'boolean' },
    details: { type: 'object', description: 'Non-secret facts, e.g. { field, location } for a validation error' },
  },
} as const

export const authorizeResult = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session_id: { type: 'string' },
    status: { type: 'string' },
    profile_id: { type: 'string' },
    existing: { type: 'boolean', description: 'true: an existing session was answered (valid token, force_reauth false)' },
  },
} as const

export const sessionItem = {
  type: 'object',
  additionalProperties: false,
  properties: {
    session_id: { type: 'string' },
    batch_id: nullable('string'),
    profile_id: { type: 'string' },
    twitter_username: nullable('string'),
    api_app: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'in_progress', 'completed', 'failed', 'timeout', 'cancelled'] },
    step: nullable('string'),
    error_code: nullable('string'),
    error_message: nullable('string'),
    attempt: { type: 'integer' },
    x_user_id: nullable('string'),
    token_status: nullable('string'),
    created_at: dateTime,
    started_at: nullableDateTime,
    completed_at: nullableDateTime,
    expires_at: nullableDateTime,
    duration_ms: nullable('integer'),
    delivered_to_callback: { type: 'boolean', description: 'Pass-through: X’s redirect reached the API app’s own callback, which redeemed it (no token is held here)' },
    access_token: { ...nullable('string'), description: 'Only for keys with the tokens:read scope' },
    refresh_token: { ...nullable('string'), description: 'Only for keys with the tokens:read scope' },
    oauth_token_secret: { ...nullable('string'), description: 'OAuth 1.0a token secret; only for keys with the tokens:read scope' },
    scopes: { type: ['array', 'null'], items: { type: 'string' }, description: 'Only for keys with the tokens:read scope' },
  },
} as const

export const profileItem = {
  type: 'object',
  additionalProperties: false,
  properties: {
    profile_id: { type: 'string' },
    profile_name: { type: 'string' },
    twitter_username: nullable('string'),
    api_app: nullable('string'),
    mapping_source: nullable('string'),
    folder: nullable('string'),
    tags: { type: 'array', items: { type: 'string' } },
    notes: { type: 'string' },
    os: nullable('string'),
    proxy_country: nullable('string'),
    is_active: { type: 'boolean' },
    in_use: { type: 'boolean' },
    last_synced: nullableDateTime,
    last_status: nullable('string'),
    last_error_code: nullable('string'),
    last_attempt_at: nullableDateTime,
    last_authorized_at: nullableDateTime,
    token_expires_at: nullableDateTime,
    token_status: nullable('string'),
  },
} as const

export const syncItem = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['idle', 'running', 'completed', 'failed'] },
    started_at: nullableDateTime,
    completed_at: nullableDateTime,
    pages_done: { type: 'integer' },
    pages_total: nullable('integer'),
    fetched: { type: 'integer' },
    total: nullable('integer'),
    added: { type: 'integer' },
    updated: { type: 'integer' },
    unchanged: { type: 'integer' },
    deactivated: { type: 'integer' },
    error: nullable('string'),
    error_code: nullable('string'),
  },
} as const

export const healthItem = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['healthy'] },
    version: { type: 'string' },
    uptime_seconds: { type: 'integer' },
    profiles_limit: { type: 'integer' },
    active_profiles: { type: 'integer' },
    pending_authorizations: { type: 'integer' },
  },
} as const
