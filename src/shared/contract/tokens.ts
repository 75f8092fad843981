import { z } from 'zod'
import { request, returns } from './define'

export const TOKEN_CSV_COLUMNS = [
  'twitter_username',
  'x_user_id',
  'api_app',
  'access_token',
  'refresh_token',
  /** OAuth 1.0a: the access token's secret (the pair signs every request); empty for OAuth 2.0. */
  'oauth_token_secret',
  'scopes',
  'expires_at',
  'authorized_at',
  'profile_name',
  'profile_id',
] as const

export type ExportResult =
  | { mode: 'saved'; path: string; rows: number }
  /** Browser mode: the renderer downloads this one-time URL. */
  | { mode: 'download'; url: string; fileName: string; /** How many rows the file holds (shown in the toast). */ rows?: number }
  | { mode: 'cancelled' }

export const tokensContract = {
  /** Export the newest token of every account (per API app) to CSV. */
  'tokens:export': request(
    z.object({ apiApp: z.string().max(40).nullable().default(null), onlyValid: z.boolean().default(true) }).strict(),
    returns<ExportResult>(),
  ),
}
