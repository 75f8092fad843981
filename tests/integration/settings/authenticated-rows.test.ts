/**
 * The database is not trusted with where secrets go (issue 20, item 1): a settings or API-app row rewritten
 * by someone who can write to the database but holds no data key is refused (the last good value stays, the
 * operator is told which row), and no secret reaches the address they wrote. Runs on SQLite and PostgreSQL.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity, createDataSource, DATABASE_FILE_NAME, MIGRATION_NAMES, MIGRATIONS } from '../../../src/main/db'
import { REFUSED_ROW_MESSAGE } from '../../../src/main/db/row-mac'
import { LogSystem } from '../../../src/main/logging/logger'
import { SecretBox } from '../../../src/main/security/secret-box'
import { ApiAppService } from '../../../src/main/services/api-apps/api-app-service'
import { GoLoginApiClient } from '../../../src/main/services/gologin/api-client'
import { OAuthService } from '../../../src/main/services/oauth'
import { SettingsService } from '../../../src/main/services/settings/settings-service'
import { TokenRefresher } from '../../../src/main/services/tokens'
import { databaseUrlFor } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'
import { fixedKeyStore, openTestDb } from '../db/test-db'
import { startXSandboxKit } from '../tokens/sandbox-tokens'
import { seedToken } from '../workers/session-fixtures'
import path from 'node:path'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function testDb(options: Parameters<typeof openTestDb>[0] = {}): Promise<TestDb> {
  const db = await openTestDb(options)
  cleanup.push(() => db.close())
  return db
}

/** A server on a loopback port that counts what reaches it (what an attacker's listener would get). */
async function listener(answer: (url: string) => unknown = () => ({})): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ? '(with credentials)' : ''}`)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(req.url ?? '')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanup.push(() => new Promise((resolve) => server.close(resolve)))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }
}

const logged = (logs: LogSystem, event: string) => logs.ring.recent().filter((entry) => entry.event === event)
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000)

describe('authenticated settings rows', () => {
  it('refuse a settings row rewritten by SQL: the refresh pass and the GoLogin client keep the last good value, the listener gets nothing, the operator sees the row', async () => {
    const logs = new LogSystem({ dir: null, level: 'debug' })
    const kit = await startXSandboxKit(logs)
    const gologin = await listener(() => ({ profiles: [], allProfilesCount: 0 }))
    const attacker = await listener()
    const db = await testDb()
    const settings = await SettingsService.open({ database: db, log: logs.logger('settings'), env: {} })
    await settings.update({ xApiUrl: kit.sandbox.apiUrl, gologinApiUrl: gologin.url, gologinToken: 'gologin-token-5f2a9c', tokenRefreshMarginMinutes: 15 })
    const tokensOf = async (username: string) => {
      const { accessToken, refreshToken } = await kit.authorize(username)
      return { profileId: `p-${username}`, twitterUsername: username, accessToken, refreshToken }
    }
    const dueSoon = await seedToken(db, { ...(await tokensOf('alice')), expiresAt: inMinutes(10) })
    const dueLater = await seedToken(db, { ...(await tokensOf('bob')), expiresAt: inMinutes(90) })

    // Someone with write access to the database, without the data key.
    await db.dataSource.query(`UPDATE settings SET value = ? WHERE key = 'xApiUrl'`, [JSON.stringify(attacker.url)])
    await db.dataSource.query(`UPDATE settings SET value = ? WHERE key = 'gologinApiUrl'`, [JSON.stringify(attacker.url)])
    await db.dataSource.query(`UPDATE settings SET value = '110' WHERE key = 'tokenRefreshMarginMinutes'`)
    // What every host does within 2 s on PostgreSQL (gologin-runtime's poll), and a host that starts now.
    await settings.reload(['xApiUrl', 'gologinApiUrl', 'tokenRefreshMarginMinutes'])
    const restarted = await SettingsService.open({ database: db, log: logs.logger('settings'), env: {} })

    expect(settings.get('xApiUrl')).toBe(kit.sandbox.apiUrl)
    expect(settings.get('gologinApiUrl')).toBe(gologin.url)
    expect(settings.get('tokenRefreshMarginMinutes')).toBe(15)
    expect([restarted.get('xApiUrl'), restarted.get('gologinApiUrl'), restarted.get('tokenRefreshMarginMinutes')]).toEqual(['https://api.x.com', 'https://api.gologin.com', 15])

    const oauth = new OAuthService({ logger: logs.logger('oauth'), endpoints: () => ({ authorizeUrl: kit.sandbox.authorizeUrl, apiUrl: settings.get('xApiUrl') }) })
    const refresher = new TokenRefresher({ db, oauth, apiApps: { get: async () => kit.app }, marginMinutes: () => settings.get('tokenRefreshMarginMinutes'), log: logs.logger('refresh') })
    expect(await refresher.refreshDue()).toMatchObject({ due: 1, refreshed: 1, failed: 0 })
    const rows = await db.dataSource.getRepository(AuthorizationSessionEntity).findBy({})
    expect(rows.find((row) => row.sessionId === dueLater.sessionId)?.refreshedAt ?? null).toBeNull()
    expect(rows.find((row) => row.sessionId === dueSoon.sessionId)?.refreshedAt).toBeInstanceOf(Date)

    const client = new GoLoginApiClient({ logger: logs.logger('gologin'), apiUrl: settings.get('gologinApiUrl'), token: settings.get('gologinToken'), retries: 0 })
    await client.testConnection()
    expect(gologin.requests.length).toBeGreaterThan(0)
    expect(attacker.requests).toEqual([])

    // The operator is told which rows, in the log and on each field.
    const refusedKeys = logged(logs, 'settings.row_refused').map((entry) => (entry.fields as { key: string }).key)
    expect(new Set(refusedKeys)).toEqual(new Set(['xApiUrl', 'gologinApiUrl', 'tokenRefreshMarginMinutes']))
    expect(logged(logs, 'settings.row_refused')[0].level).toBe('error')
    for (const view of [settings.view(), restarted.view()]) {
      expect(view.fields.xApiUrl.refused).toBe(REFUSED_ROW_MESSAGE)
      expect(view.fields.tokenRefreshMarginMinutes.refused).toBe(REFUSED_ROW_MESSAGE)
      expect(view.fields.logLevel.refused).toBeUndefined()
    }

    // Re-entering the value (a holder of the key) makes the row good again, on every host.
    await restarted.update({ xApiUrl: kit.sandbox.apiUrl })
    await settings.reload(['xApiUrl'])
    expect(settings.view().fields.xApiUrl.refused).toBeUndefined()
    expect(settings.get('xApiUrl')).toBe(kit.sandbox.apiUrl)
  })

  it('refuse an http:// service URL on another machine, on save with a sentence and in the environment; loopback stays allowed', async () => {
    const db = await testDb()
    const settings = await SettingsService.open({ database: db, log: new LogSystem({ dir: null }).logger('settings'), env: {} })
    const error = await settings.update({ gologinApiUrl: 'http://example.com', xApiUrl: 'http://api.example.com', gologinCloudBrowserUrl: 'ws://example.com/connect' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR' })
    const fields = (error as { details: { fields: Record<string, string> } }).details.fields
    expect(fields.gologinApiUrl).toBe('must be an https:// URL: what is sent there must be encrypted on the way (http:// only to this machine: 127.0.0.1, ::1 or localhost)')
    expect(fields.xApiUrl).toMatch(/^must be an https:\/\/ URL/)
    expect(fields.gologinCloudBrowserUrl).toMatch(/^must be a wss:\/\/ URL/)
    expect(settings.get('gologinApiUrl')).toBe('https://api.gologin.com')
    const [row] = await db.dataSource.query(`SELECT COUNT(*) AS n FROM settings WHERE key = 'gologinApiUrl'`)
    expect(Number(row.n)).toBe(0)

    await settings.update({ gologinApiUrl: 'http://127.0.0.2:4010', xApiUrl: 'http://[::1]:4020', gologinLocalApiUrl: 'http://localhost:36912' })
    expect(settings.get('xApiUrl')).toBe('http://[::1]:4020')
    await expect(SettingsService.open({ database: db, log: new LogSystem({ dir: null }).logger('settings'), env: { X_API_URL: 'http://example.com' } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { variables: { X_API_URL: expect.stringMatching(/must be an https:\/\/ URL/) } },
    })
  })
})

describe('authenticated API-app rows', () => {
  it('refuse an app whose redirect URI or client id was rewritten by SQL, keep the last good copy, and name the app', async () => {
    const logs = new LogSystem({ dir: null, level: 'debug' })
    const db = await testDb()
    const apps = new ApiAppService({ database: db, log: logs.logger('apps'), env: {} })
    const base = { clientSecret: 'client-secret-8d1f', scopes: ['tweet.read', 'users.read', 'offline.access'] }
    await apps.save({ ...base, name: 'AIOTT1', clientId: 'client-1', redirectUri: 'https://app.example.com/cb' })
    await apps.save({ ...base, name: 'AIOTT2', clientId: 'client-2', redirectUri: 'https://app.example.com/cb2' })
    await apps.get('AIOTT1')

    await db.dataSource.query(`UPDATE api_apps SET redirect_uri = 'http://127.0.0.1:9/steal' WHERE name = 'AIOTT1'`)
    await db.dataSource.query(`UPDATE api_apps SET client_id = 'attacker-client' WHERE name = 'AIOTT2'`)

    // This host read AIOTT1 before: it keeps that copy. A host that never did refuses both, naming the app.
    expect(await apps.get('AIOTT1')).toMatchObject({ clientId: 'client-1', redirectUri: 'https://app.example.com/cb' })
    const fresh = new ApiAppService({ database: db, log: logs.logger('apps'), env: {} })
    for (const name of ['AIOTT1', 'AIOTT2']) {
      const error = await fresh.get(name).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'INVALID_API_APP', details: { apiApp: name } })
      expect((error as Error).message).toContain('changed in the database without the data key')
      expect((error as Error).message).not.toContain('client-secret-8d1f')
    }
    const listed = await fresh.list()
    expect(listed.map((app) => [app.name, app.refused])).toEqual([
      ['AIOTT1', REFUSED_ROW_MESSAGE],
      ['AIOTT2', REFUSED_ROW_MESSAGE],
    ])
    // Once per host and row, as an error naming the app (the first host's refusal of AIOTT1 included).
    expect(logged(logs, 'api_apps.row_refused').map((entry) => [entry.level, (entry.fields as { apiApp: string }).apiApp])).toEqual([
      ['error', 'AIOTT1'],
      ['error', 'AIOTT1'],
      ['error', 'AIOTT2'],
    ])

    // Re-entered by the operator: used again, secret kept.
    await fresh.save({ name: 'AIOTT2', clientId: 'client-2', redirectUri: 'https://app.example.com/cb2', scopes: base.scopes })
    expect(await fresh.get('AIOTT2')).toMatchObject({ clientId: 'client-2', clientSecret: 'client-secret-8d1f' })
    expect((await fresh.list()).find((app) => app.name === 'AIOTT2')?.refused).toBeUndefined()
  })
})

describe('a database written before rows were authenticated', () => {
  it('is upgraded once by a host holding the key (secrets re-sealed to their rows, rows given MACs) and then reads fine', async () => {
    const keyStore = fixedKeyStore()
    const box = new SecretBox(keyStore.key)
    const dir = tempDir()
    const step = MIGRATION_NAMES.indexOf('AuthenticatedRows1779926400000')
    const old = createDataSource((await databaseUrlFor(dir)) ?? path.join(dir, DATABASE_FILE_NAME), { migrations: MIGRATIONS.slice(0, step) })
    await old.initialize()
    await old.runMigrations()
    // What the previous version wrote: secrets bound to their column only (v1), plain rows without a MAC.
    const sessionId = randomUUID()
    const v1 = (value: string, context: string) => box.seal(value, context)
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('__data_key_check', NULL, ?)`, [v1('gologin-panel data key check', 'settings.secret_value')])
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('xApiUrl', '"http://127.0.0.1:4020"', NULL), ('tokenRefreshMarginMinutes', '30', NULL)`)
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('gologinApiUrl', '"http://example.com"', NULL)`)
    await old.query(`INSERT INTO settings (key, value, secret_value) VALUES ('gologinToken', NULL, ?)`, [v1('gologin-token-old-77', 'settings.secret_value')])
    await old.query(
      `INSERT INTO api_apps (name, oauth_version, client_type, client_id, client_secret, redirect_uri, scopes) VALUES ('AIOTT1', '2.0', 'confidential', 'client-old', ?, 'https://app.example.com/cb', ?)`,
      [v1('client-secret-old', 'api_apps.client_secret'), JSON.stringify(['tweet.read', 'users.read'])],
    )
    await old.query(
      `INSERT INTO authorization_sessions (session_id, profile_id, api_app, status, access_token, refresh_token) VALUES (?, 'p-1', 'AIOTT1', 'completed', ?, ?)`,
      [sessionId, v1('access-old', 'authorization_sessions.access_token'), v1('refresh-old', 'authorization_sessions.refresh_token')],
    )
    await old.destroy()

    const db = await testDb({ dir, keyStore })
    const raw = async () => ({
      sessions: await db.dataSource.query(`SELECT access_token, refresh_token FROM authorization_sessions`),
      apps: await db.dataSource.query(`SELECT client_secret, mac FROM api_apps`),
      settings: await db.dataSource.query(`SELECT key, secret_value, mac FROM settings ORDER BY key`),
    })
    const upgraded = await raw()
    expect(upgraded.sessions[0].access_token).toMatch(/^v2:/)
    expect(upgraded.apps[0]).toMatchObject({ client_secret: expect.stringMatching(/^v2:/), mac: expect.stringMatching(/^m1:/) })
    const byKey = Object.fromEntries(upgraded.settings.map((row: { key: string }) => [row.key, row]))
    expect(byKey.__data_key_check.secret_value).toMatch(/^v1:/)
    expect(byKey.gologinToken.secret_value).toMatch(/^v2:/)
    expect(byKey.xApiUrl.mac).toMatch(/^m1:/)

    const session = await db.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ sessionId })
    expect([session.accessToken, session.refreshToken]).toEqual(['access-old', 'refresh-old'])
    const settings = await SettingsService.open({ database: db, log: new LogSystem({ dir: null }).logger('settings'), env: {} })
    expect([settings.get('xApiUrl'), settings.get('tokenRefreshMarginMinutes'), settings.get('gologinToken')]).toEqual(['http://127.0.0.1:4020', 30, 'gologin-token-old-77'])
    // Plain http:// to another machine was accepted before: it is refused on load now, and the field says why.
    expect(settings.get('gologinApiUrl')).toBe('https://api.gologin.com')
    expect(settings.view().fields.gologinApiUrl.refused).toMatch(/must be an https:\/\/ URL/)
    const apps = new ApiAppService({ database: db, log: new LogSystem({ dir: null }).logger('apps'), env: {} })
    expect(await apps.get('AIOTT1')).toMatchObject({ clientId: 'client-old', clientSecret: 'client-secret-old' })
    expect((await apps.list())[0].refused).toBeUndefined()

    // Once: opening again changes nothing.
    await db.close()
    const again = await testDb({ dir, keyStore })
    const ran = await again.dataSource.query(`SELECT name FROM migrations WHERE name = 'AuthenticatedRows1779926400000'`)
    expect(ran).toHaveLength(1)
    expect({
      sessions: await again.dataSource.query(`SELECT access_token, refresh_token FROM authorization_sessions`),
      apps: await again.dataSource.query(`SELECT client_secret, mac FROM api_apps`),
      settings: await again.dataSource.query(`SELECT key, secret_value, mac FROM settings ORDER BY key`),
    }).toEqual(upgraded)
  })
})
