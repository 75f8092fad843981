/**
 * Keys of the local REST API (Settings → Local API): listed without their secret, created (the key
 * is shown once), revoked.
 */
import { z } from 'zod'
import { request, returns } from './define'

/**
 * What a key may do besides the default (every endpoint, tokens hidden).
 * - `tokens:read`: session answers include `access_token`, `refresh_token` and `scopes`.
 */
export const API_KEY_SCOPES = ['tokens:read'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** A key as the Settings page shows it: never the key, never its hash. */
export interface ApiKeyView {
  id: number
  name: string
  /** The first characters of the key, so the operator can tell keys apart. */
  prefix: string | null
  scopes: ApiKeyScope[]
  createdAt: string
  /** Updated at most about once a minute. */
  lastUsed: string | null
  revokedAt: string | null
}

/** The answer to a create: the only time the key itself is ever shown. */
export interface CreatedApiKey extends ApiKeyView {
  key: string
}

export const apiKeyNameSchema = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters')

export const apiKeyScopesSchema = z
  .array(z.enum(API_KEY_SCOPES, { error: `each scope must be one of: ${API_KEY_SCOPES.join(', ')}` }), { error: 'must be a list of scopes' })
  .max(API_KEY_SCOPES.length * 2, 'has too many scopes')
  .default([])
  .transform((scopes) => [...new Set(scopes)])

const noInput = z.undefined().or(z.object({}).strict())

export const apiKeysContract = {
  /** Every key, newest first, revoked ones included (with `revokedAt`). */
  'apiKeys:list': request(noInput, returns<ApiKeyView[]>()),
  /** Creates a key; the answer carries the key itself, shown once and never stored in plaintext. */
  'apiKeys:create': request(z.object({ name: apiKeyNameSchema, scopes: apiKeyScopesSchema }).strict(), returns<CreatedApiKey>()),
  /** Revokes a key at once (requests with it get 401); revoking twice is harmless. */
  'apiKeys:revoke': request(z.object({ id: z.number({ error: 'must be a number' }).int().positive() }).strict(), returns<ApiKeyView>()),
}
