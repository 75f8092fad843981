/**
 * Plain rows that steer secrets (settings: where the GoLogin token and X credentials are sent and how; API
 * apps: client id, callback, flow) carry a MAC under a key derived from the data key (`SecretBox.mac`), over
 * a canonical encoding of table, the row's key and its values. Anyone who can write to a shared database but
 * holds no data key cannot make a row a host will use: a host refuses a row whose MAC does not verify.
 * Secret values need none: their ciphertext is bound to the row (`secret-column.ts`).
 */
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

/** `value`: the stored JSON text of the setting, exactly as in the row. */
export function settingMac(key: string, value: string | null): string {
  return activeSecretBox().mac(settingParts(key, value))
}

export function settingMacVerifies(row: { key: string; value: string | null; mac: string | null }): boolean {
  return activeSecretBox().verifyMac(settingParts(row.key, row.value), row.mac)
}

export function apiAppMac(row: ApiAppMacFields): string {
  return activeSecretBox().mac(apiAppParts(row))
}

export function apiAppMacVerifies(row: ApiAppMacFields & { mac: string | null }): boolean {
  return activeSecretBox().verifyMac(apiAppParts(row), row.mac)
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
