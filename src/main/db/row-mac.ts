/**
 * Plain rows that steer secrets (settings: where the GoLogin token and X credentials are sent and how; API
 * apps: client id, callback, flow) carry a MAC under a key derived from the data key (`SecretBox.mac`), over
 * a canonical encoding of table, the row's key and its values. Anyone who can write to a shared database but
 * holds no data key cannot make a row a host will use: a host refuses a row whose MAC does not verify.
 * Secret values need none: their ciphertext is bound to the row (`secret-column.ts`).
 */
import type { SecretBox } from '../security/secret-box'
import { activeSecretBox } from './secret-column'

/** The fields of an `api_apps` row the MAC covers (all but id, secret and timestamps). */
export interface ApiAppMacFields {
  name: string
  oauthVersion: string
  clientType: string
  clientId: string
  redirectUri: string
  scopes: readonly string[] | string | null
  redemption: string | null
  startUrl: string | null
  callbackMarker: string | null
  envManaged: boolean | number | null
}

/**
 * `value`: the stored JSON text of the setting, exactly as in the row. `box`: the process's data key unless given
 * (copying a SQLite file checks its rows under the file's key and signs them under the shared one).
 */
export function settingMac(key: string, value: string | null, box: SecretBox = activeSecretBox()): string {
  return box.mac(settingParts(key, value))
}

export function settingMacVerifies(row: { key: string; value: string | null; mac: string | null }, box: SecretBox = activeSecretBox()): boolean {
  return box.verifyMac(settingParts(row.key, row.value), row.mac)
}

export function apiAppMac(row: ApiAppMacFields, box: SecretBox = activeSecretBox()): string {
  return box.mac(apiAppParts(row))
}

export function apiAppMacVerifies(row: ApiAppMacFields & { mac: string | null }, box: SecretBox = activeSecretBox()): boolean {
  return box.verifyMac(apiAppParts(row), row.mac)
}

/** The covered fields of an `api_apps` row read with raw SQL (snake_case columns). */
export function apiAppMacFieldsOfRow(row: Record<string, unknown>): ApiAppMacFields {
  return {
    name: String(row.name),
    oauthVersion: String(row.oauth_version),
    clientType: String(row.client_type),
    clientId: String(row.client_id),
    redirectUri: String(row.redirect_uri),
    scopes: row.scopes as string[] | string | null,
    redemption: (row.redemption as string | null | undefined) ?? null,
    startUrl: (row.start_url as string | null | undefined) ?? null,
    callbackMarker: (row.callback_marker as string | null | undefined) ?? null,
    envManaged: (row.env_managed as boolean | number | null | undefined) ?? null,
  }
}

/** What the operator reads on the field or app a host refused. */
export const REFUSED_ROW_MESSAGE = 'This value was changed in the database without the data key; re-enter it'

function settingParts(key: string, value: string | null): unknown[] {
  return ['settings', key, value]
}

/** Raw SQL and entities read booleans and JSON differently on SQLite and PostgreSQL: one form for both. */
function apiAppParts(row: ApiAppMacFields): unknown[] {
  const scopes = typeof row.scopes === 'string' ? (JSON.parse(row.scopes) as unknown) : (row.scopes ?? [])
  return [
    'api_apps',
    row.name,
    row.oauthVersion,
    row.clientType,
    row.clientId,
    row.redirectUri,
    scopes,
    row.redemption ?? 'panel',
    row.startUrl ?? null,
    row.callbackMarker ?? null,
    Boolean(row.envManaged),
  ]
}
