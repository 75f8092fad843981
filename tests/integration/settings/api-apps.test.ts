import { describe, expect, it } from 'vitest'
import { settingsHandlers } from '../../../src/main/handlers/settings'
import { ApiAppService } from '../../../src/main/services/api-apps/api-app-service'
import { SettingsService } from '../../../src/main/services/settings/settings-service'
import { upsertProfiles } from '../../../src/main/db'
import { openTestDb, testLog } from '../db/test-db'
import { storedBytes } from '../../helpers/test-database'

type Db = Awaited<ReturnType<typeof openTestDb>>

async function withDb(fn: (db: Db) => Promise<void>) {
  const db = await openTestDb()
  try {
    await fn(db)
  } finally {
    await db.close()
  }
}

const app = {
  name: 'AIOTT1',
  clientId: 'client-id-1',
  clientSecret: 'client-secret-very-private-1',
  redirectUri: 'https://panel.example.com/callback',
}

describe('ApiAppService', () => {
  it('lists apps without their secret, and hands the decrypted configuration to the OAuth flow', async () => {
    await withDb(async (db) => {
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      const saved = await apps.save(app)
      expect(saved).toMatchObject({ name: 'AIOTT1', clientId: 'client-id-1', hasSecret: true, oauthVersion: '2.0', clientType: 'confidential', envManaged: false })
      expect(saved.scopes).toEqual(['tweet.read', 'tweet.write', 'users.read', 'offline.access'])
      const list = await apps.list()
      expect(JSON.stringify(list)).not.toContain(app.clientSecret)
      expect(await apps.get('aiott1')).toEqual({
        name: 'AIOTT1',
        oauthVersion: '2.0',
        clientType: 'confidential',
        clientId: 'client-id-1',
        clientSecret: app.clientSecret,
        redirectUri: app.redirectUri,
        scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
        redemption: 'panel',
        startUrl: null,
        callbackMarker: null,
      })
      expect((await storedBytes(db)).includes(app.clientSecret)).toBe(false)
      await expect(apps.get('NOPE')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: 'Unknown API app: NOPE' })
    })
  })

  it('stores a 1.0a app’s consumer key and (encrypted) secret without scopes, and a pass-through app without any secret', async () => {
    await withDb(async (db) => {
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      const legacy = { name: 'LEGACY1', oauthVersion: '1.0a', clientId: 'consumer-key-1', redirectUri: 'https://panel.example.com/cb' }
      await expect(apps.save(legacy)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { fields: { clientSecret: expect.stringMatching(/consumer secret signs/) } } })
      expect(await apps.save({ ...legacy, clientSecret: 'consumer-secret-very-private' })).toMatchObject({ oauthVersion: '1.0a', hasSecret: true, scopes: [], redemption: 'panel' })
      expect(await apps.get('LEGACY1')).toMatchObject({ oauthVersion: '1.0a', clientId: 'consumer-key-1', clientSecret: 'consumer-secret-very-private', scopes: [] })
      expect((await storedBytes(db)).includes('consumer-secret-very-private')).toBe(false)

      const pass = { name: 'PASS1', clientId: 'client-pass', redirectUri: 'https://app.example.com/cb', redemption: 'callback', callbackMarker: 'Connected' }
      await expect(apps.save(pass)).rejects.toMatchObject({ details: { fields: { startUrl: expect.stringMatching(/is required when the app’s callback redeems/) } } })
      expect(await apps.save({ ...pass, startUrl: 'https://app.example.com/start' })).toMatchObject({
        hasSecret: false,
        redemption: 'callback',
        startUrl: 'https://app.example.com/start',
        callbackMarker: 'Connected',
      })
      expect(await apps.get('PASS1')).toMatchObject({ redemption: 'callback', startUrl: 'https://app.example.com/start', callbackMarker: 'Connected', clientSecret: null })
    })
  })

  it('keeps the stored secret when an update leaves it out, and drops it for a public client', async () => {
    await withDb(async (db) => {
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      await apps.save(app)
      await apps.save({ name: 'aiott1', clientId: 'client-id-2', redirectUri: 'http://127.0.0.1:8000/cb', scopes: ['tweet.read', 'users.read'] })
      expect(await apps.get('AIOTT1')).toMatchObject({ name: 'AIOTT1', clientId: 'client-id-2', clientSecret: app.clientSecret, scopes: ['tweet.read', 'users.read'] })
      // Saved without offline.access: accepted, but the view (and so the REST answer and the Settings list) says what it costs.
      expect((await apps.list())[0].warnings).toEqual(['Without offline.access there is no refresh token: the token expires in 2 hours and cannot be renewed (the account must be authorized again).'])
      const view = await apps.save({ ...app, clientType: 'public', clientSecret: undefined })
      expect(view.hasSecret).toBe(false)
      expect((await apps.get('AIOTT1')).clientSecret).toBeNull()
      await expect(apps.save({ ...app, name: 'NEW1', clientSecret: undefined })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { fields: { clientSecret: 'is required for a confidential client' } },
      })
    })
  })

  it('validates name, redirect URI and scopes field by field', async () => {
    await withDb(async (db) => {
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      const error = await apps.save({ name: 'bad name!', clientId: '', redirectUri: 'http://example.com/cb', scopes: ['tweet.write'] }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'VALIDATION_ERROR' })
      const fields = (error as { details: { fields: Record<string, string> } }).details.fields
      expect(Object.keys(fields).sort()).toEqual(['clientId', 'name', 'redirectUri', 'scopes'])
      expect(fields.redirectUri).toMatch(/https:\/\//)
      const scopes = await apps.save({ ...app, scopes: ['tweet.write'] }).catch((e: unknown) => e)
      expect(scopes).toMatchObject({ details: { fields: { scopes: 'must include tweet.read (needed to verify the account)' } } })
      expect(await apps.list()).toEqual([])
    })
  })

  it('refuses to delete an app that profiles or valid tokens still use, and deletes it once free', async () => {
    await withDb(async (db) => {
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      await apps.save(app)
      await upsertProfiles(db.dataSource, [{ profileId: 'p1', profileName: 'P1', mapping: { twitterUsername: 'alice', apiApp: 'AIOTT1', source: 'edit' } }])
      await expect(apps.delete('AIOTT1')).rejects.toMatchObject({ code: 'CONFLICT', details: { profiles: 1, tokens: 0 } })
      await db.dataSource.query(`UPDATE profiles SET api_app = NULL`)
      await db.dataSource.query(
        `INSERT INTO authorization_sessions (session_id, profile_id, api_app, status, token_status) VALUES ('s1', 'p1', 'AIOTT1', 'completed', 'valid'), ('s2', 'p1', 'AIOTT1', 'failed', NULL)`,
      )
      await expect(apps.delete('AIOTT1')).rejects.toMatchObject({ code: 'CONFLICT', details: { profiles: 0, tokens: 1 } })
      await db.dataSource.query(`UPDATE authorization_sessions SET token_status = 'revoked'`)
      await apps.delete('aiott1')
      expect(await apps.list()).toEqual([])
      // Its history stays.
      expect((await db.dataSource.query(`SELECT COUNT(*) AS n FROM authorization_sessions WHERE api_app = 'AIOTT1'`))[0].n).toBe(2)
      await expect(apps.delete('AIOTT1')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })
  })

  it('upserts apps defined by the environment as read-only, and releases them when the variables go', async () => {
    await withDb(async (db) => {
      const secrets: string[] = []
      const env = { AIOTT2_CLIENT_ID: 'env-id', AIOTT2_CLIENT_SECRET: 'env-secret-abcdef', AIOTT2_CALLBACK_URL: 'https://cb.example.com/x' }
      const apps = new ApiAppService({ database: db, log: testLog(), env, onSecret: (s) => secrets.push(s) })
      expect(await apps.applyEnvironment()).toEqual({ applied: ['AIOTT2'] })
      expect(await apps.applyEnvironment()).toEqual({ applied: ['AIOTT2'] })
      expect(await apps.list()).toMatchObject([{ name: 'AIOTT2', envManaged: true, hasSecret: true, clientType: 'confidential' }])
      expect((await apps.get('AIOTT2')).clientSecret).toBe('env-secret-abcdef')
      expect(secrets).toContain('env-secret-abcdef')
      await expect(apps.save({ ...app, name: 'AIOTT2' })).rejects.toMatchObject({ code: 'CONFLICT' })
      await expect(apps.delete('AIOTT2')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('AIOTT2_CLIENT_ID') })

      const later = new ApiAppService({ database: db, log: testLog(), env: {} })
      await later.applyEnvironment()
      expect(await later.list()).toMatchObject([{ name: 'AIOTT2', envManaged: false, hasSecret: true }])
      await expect(new ApiAppService({ database: db, log: testLog(), env: { X1_CALLBACK_URL: 'https://a.b/c' } }).applyEnvironment()).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { variables: { X1_CLIENT_ID: expect.stringContaining('X1_CLIENT_ID and X1_CLIENT_SECRET must be set') } },
      })
    })
  })
})

describe('settings handlers', () => {
  it('serve the contract channels from the services', async () => {
    await withDb(async (db) => {
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      const handlers = settingsHandlers(settings, apps)
      const meta = { transport: 'test' as const }
      expect((await handlers['settings:get'](undefined, meta)).values.maxConcurrentProfiles).toBe(10)
      expect((await handlers['settings:update']({ maxConcurrentProfiles: 2 }, meta)).values.maxConcurrentProfiles).toBe(2)
      expect(await handlers['apiApps:save'](app, meta)).toMatchObject({ name: 'AIOTT1', hasSecret: true })
      expect(await handlers['apiApps:list'](undefined, meta)).toHaveLength(1)
      expect(await handlers['apiApps:delete']({ name: 'AIOTT1' }, meta)).toEqual({ deleted: true })
    })
  })
})
