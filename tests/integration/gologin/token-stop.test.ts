/**
 * The GoLogin token stop (a 429 seen by one host stops every host): set, seen, and cleared by a new token.
 * Runs on SQLite (one host: the stop outlives a restart) and on PostgreSQL (two hosts of one database).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { AppException } from '../../../src/shared/errors'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { tokenFingerprint } from '../../../src/main/services/gologin/token-stops'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl, onPostgres, storedBytes } from '../../helpers/test-database'
import { startHost, until, type Host } from './hosts'

let sandbox: GoLoginSandbox | null = null
afterEach(async () => {
  await sandbox?.close()
  sandbox = null
})

async function refusal(host: Host): Promise<AppException> {
  const error = await host.core.gologinService.testConnection().then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(AppException)
  return error as AppException
}

const requestsBy = (s: GoLoginSandbox, entrance: string) => s.cloudRequests().filter((r) => r.entrance === entrance).length

describe('the GoLogin token stop', () => {
  it('a 429 stops the token for every host of the database (and across a restart); a new token set in Settings lifts it everywhere', async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 30 }))
    const keyDir = tempDir('keys-')
    const databaseUrl = onPostgres ? await freshPostgresUrl() : null
    const a = await startHost({ id: 'host-a', sandbox: s, keyDir, databaseUrl, tokenFromEnv: false })
    const oldToken = s.token
    await a.core.settings.update({ gologinToken: oldToken })
    const b = onPostgres ? await startHost({ id: 'host-b', sandbox: s, keyDir, databaseUrl, tokenFromEnv: false }) : null
    expect(await a.core.gologinService.testConnection()).toEqual({ profileCount: 30 })

    // Set: GoLogin answers host A's next request with 429.
    s.failNextRequests(1, 429, 'host-a')
    expect((await refusal(a)).code).toBe('GOLOGIN_TOKEN_REVOKED')
    await until('the stop is in the database', async () => (await a.core.db.dataSource.query('SELECT * FROM gologin_token_stops')).length === 1)
    const [row] = await a.core.db.dataSource.query('SELECT * FROM gologin_token_stops')
    expect(row).toMatchObject({ token_fingerprint: tokenFingerprint(oldToken), host_id: 'host-a', status: 429 })
    // A fingerprint, never the token.
    expect((await storedBytes(a.core.db)).includes(oldToken)).toBe(false)
    await until('host A shows the revoked token', () => a.notices.some((n) => n.title === 'GoLogin token revoked'))

    if (b) {
      // Seen: host B, idle, learns it from the database (its notice names host A) and sends GoLogin nothing.
      await until('host B shows the revoked token', () => b.notices.some((n) => n.title === 'GoLogin token revoked'))
      expect(b.notices.find((n) => n.title === 'GoLogin token revoked')!.body).toMatch(/GoLogin answered 429 to host host-a at .*Issue a new token/)
      expect(b.core.gologin.client.status().tokenRevoked).toBe(true)
      expect((await refusal(b)).code).toBe('GOLOGIN_TOKEN_REVOKED')
      expect(requestsBy(s, 'host-b')).toBe(0)
    } else {
      // One machine: the stop outlives a restart; nothing reaches GoLogin with the revoked token.
      await a.close()
      const before = s.cloudRequests().length
      const again = await startHost({ id: 'host-a', sandbox: s, keyDir, databaseUrl, tokenFromEnv: false, dataDir: a.dataDir })
      expect((await refusal(again)).code).toBe('GOLOGIN_TOKEN_REVOKED')
      expect(again.core.gologin.client.status().tokenRevoked).toBe(true)
      expect(s.cloudRequests().length).toBe(before)
      Object.assign(a, again)
    }

    // Cleared: a new token set in Settings on host A; every host uses it (B reads it from the database).
    const newToken = s.issueToken()
    await a.core.settings.update({ gologinToken: newToken })
    expect(a.core.gologin.client.status().tokenRevoked).toBe(false)
    expect(await a.core.gologinService.testConnection()).toEqual({ profileCount: 30 })
    if (b) {
      await until('host B uses the new token', () => b.core.gologin.client.getToken() === newToken && !b.core.gologin.client.status().tokenRevoked)
      expect(await b.core.gologinService.testConnection()).toEqual({ profileCount: 30 })
      expect(requestsBy(s, 'host-b')).toBe(1)
    }
    // The old token stays stopped: entered again, it is refused without asking GoLogin.
    const sent = s.cloudRequests().length
    await expect(a.core.gologinService.testConnection(oldToken)).rejects.toMatchObject({ code: 'GOLOGIN_TOKEN_REVOKED' })
    expect(s.cloudRequests().length).toBe(sent)
  })
})
