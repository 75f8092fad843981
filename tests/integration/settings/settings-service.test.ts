import { describe, expect, it } from 'vitest'
import { SETTING_DEFS, SETTING_KEYS, type SettingsView } from '../../../src/shared/contract/settings'
import { ValidationException } from '../../../src/shared/errors'
import { SettingsService } from '../../../src/main/services/settings/settings-service'
import type { KeyStore } from '../../../src/main/security/key-store'
import { openTestDb, testLog } from '../db/test-db'
import { storedBytes } from '../../helpers/test-database'

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openTestDb>>) => Promise<T>, dir?: string, keyStore?: KeyStore) {
  const db = await openTestDb({ dir, keyStore })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

describe('SettingsService', () => {
  it('starts with the documented defaults, all editable, secrets unset', async () => {
    await withDb(async (db) => {
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      const view = settings.view()
      expect(view.values).toMatchObject({
        gologinToken: null,
        gologinApiUrl: 'https://api.gologin.com',
        gologinLocalApiUrl: 'http://127.0.0.1:36912',
        gologinCloudBrowserUrl: 'wss://cloudbrowser.gologin.com/connect',
        launcherMode: 'desktop',
        maxConcurrentProfiles: 10,
        gologinRequestsPerMinute: 120,
        syncIntervalMinutes: 15,
        accountTimeoutSeconds: 120,
        xAuthorizeUrl: 'https://x.com/i/oauth2/authorize',
        xApiUrl: 'https://api.x.com',
        sandboxMode: false,
        sessionTimeoutHours: 2,
        cleanupIntervalMinutes: 60,
        monitorIntervalSeconds: 60,
        tokenRefreshMarginMinutes: 15,
      })
      expect(Object.keys(view.values).sort()).toEqual([...SETTING_KEYS].sort())
      for (const key of SETTING_KEYS) {
        expect(view.fields[key]).toMatchObject({ source: 'default', envVar: null, editable: true, secret: SETTING_DEFS[key].secret })
      }
      expect(view.fields.gologinToken.isSet).toBe(false)
      expect(settings.get('maxConcurrentProfiles')).toBe(10)
    })
  })

  it('saves a valid patch, keeps it across restarts, and tells listeners what changed', async () => {
    const db = await openTestDb()
    const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
    const pushed: Array<{ view: SettingsView; changed: string[] }> = []
    settings.onChange((view, changed) => pushed.push({ view, changed }))
    const view = await settings.update({ maxConcurrentProfiles: 4, launcherMode: 'cloud', gologinApiUrl: 'https://api.gologin.com/browser/', chromePath: '' })
    expect(view.values).toMatchObject({ maxConcurrentProfiles: 4, launcherMode: 'cloud', gologinApiUrl: 'https://api.gologin.com', chromePath: null })
    expect(view.fields.maxConcurrentProfiles.source).toBe('stored')
    expect(pushed).toHaveLength(1)
    expect(pushed[0].changed.sort()).toEqual(['launcherMode', 'maxConcurrentProfiles'])
    await settings.update({ maxConcurrentProfiles: 4 })
    expect(pushed).toHaveLength(1)
    await db.close()

    await withDb(async (again) => {
      const reopened = await SettingsService.open({ database: again, log: testLog(), env: {} })
      expect(reopened.get('maxConcurrentProfiles')).toBe(4)
      expect(reopened.get('launcherMode')).toBe('cloud')
    }, db.dir, db.keyStore)
  })

  it('rejects a bad patch as a whole, listing every bad field, and stores nothing', async () => {
    await withDb(async (db) => {
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      const error = await settings
        .update({ maxConcurrentProfiles: 51, syncIntervalMinutes: 30, xApiUrl: 'not a url', usernamePattern: '([', bogus: 1 } as never)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationException)
      expect((error as ValidationException).code).toBe('VALIDATION_ERROR')
      expect((error as ValidationException).details).toEqual({
        fields: {
          maxConcurrentProfiles: 'must be at most 50',
          xApiUrl: 'must be an https:// URL: what is sent there must be encrypted on the way (http:// only to this machine: 127.0.0.1, ::1 or localhost)',
          usernamePattern: 'must be a valid regular expression',
          bogus: 'is not a setting',
        },
      })
      expect((error as Error).message).toContain('maxConcurrentProfiles must be at most 50')
      expect(settings.get('syncIntervalMinutes')).toBe(15)
      expect(await db.dataSource.query(`SELECT key FROM settings WHERE key NOT LIKE '\\_\\_%' ESCAPE '\\'`)).toEqual([])
      await expect(settings.update({ maxConcurrentProfiles: 0 })).rejects.toMatchObject({ details: { fields: { maxConcurrentProfiles: 'must be at least 1' } } })
      await expect(settings.update({ browserHeadless: 'yes' } as never)).rejects.toMatchObject({ details: { fields: { browserHeadless: 'must be true or false' } } })
    })
  })

  it('refuses a consent wait at or past the time limit per account, naming both fields, and stores nothing', async () => {
    await withDb(async (db) => {
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      await settings.update({ accountTimeoutSeconds: 60 })
      const pushed: string[][] = []
      settings.onChange((_view, changed) => pushed.push(changed))
      const error = await settings.update({ consentButtonGraceSeconds: 500, maxConcurrentProfiles: 4 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ValidationException)
      expect((error as ValidationException).details).toEqual({
        fields: {
          consentButtonGraceSeconds: '(500 s) must be shorter than accountTimeoutSeconds, the time limit per account (60 s)',
          accountTimeoutSeconds: '(60 s) must be longer than consentButtonGraceSeconds (500 s)',
        },
      })
      expect((error as Error).message).toBe(
        'Settings not saved: consentButtonGraceSeconds (500 s) must be shorter than accountTimeoutSeconds, the time limit per account (60 s); accountTimeoutSeconds (60 s) must be longer than consentButtonGraceSeconds (500 s)',
      )
      // All or nothing: the valid field of the same patch is not stored either.
      expect(settings.get('consentButtonGraceSeconds')).toBeNull()
      expect(settings.get('maxConcurrentProfiles')).toBe(10)
      expect(await db.dataSource.query(`SELECT key FROM settings WHERE key NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY key`)).toEqual([{ key: 'accountTimeoutSeconds' }])
      expect(pushed).toEqual([])

      // Lowering the limit under a wait already set is refused the same way; equal is not shorter.
      await settings.update({ consentDisabledGraceSeconds: 45 })
      await expect(settings.update({ accountTimeoutSeconds: 45 })).rejects.toMatchObject({
        details: { fields: { consentDisabledGraceSeconds: '(45 s) must be shorter than accountTimeoutSeconds, the time limit per account (45 s)', accountTimeoutSeconds: '(45 s) must be longer than consentDisabledGraceSeconds (45 s)' } },
      })
      expect(settings.get('accountTimeoutSeconds')).toBe(60)
      // Both in one patch that fits, or a wait back to automatic (empty), is fine.
      await settings.update({ accountTimeoutSeconds: 600, consentButtonGraceSeconds: 500 })
      await settings.update({ consentButtonGraceSeconds: null, accountTimeoutSeconds: 30, consentDisabledGraceSeconds: null })
      expect(settings.get('accountTimeoutSeconds')).toBe(30)
    })
  })

  it('stores secrets encrypted, shows only whether they are set, clears them with null and reports them to the redactor', async () => {
    await withDb(async (db) => {
      const secrets: string[] = []
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {}, onSecret: (value) => secrets.push(value) })
      const token = 'gologin-token-4f9e8d7c6b5a'
      const view = await settings.update({ gologinToken: token })
      expect(view.values.gologinToken).toBeNull()
      expect(view.fields.gologinToken).toMatchObject({ isSet: true, secret: true, source: 'stored' })
      expect(settings.get('gologinToken')).toBe(token)
      expect(secrets).toContain(token)
      expect(JSON.stringify(view)).not.toContain(token)
      expect((await storedBytes(db)).includes(token)).toBe(false)
      const [row] = await db.dataSource.query(`SELECT value, secret_value FROM settings WHERE key = 'gologinToken'`)
      expect(row.value).toBeNull()
      expect(row.secret_value).toMatch(/^v2:/)

      const cleared = await settings.update({ gologinToken: null })
      expect(cleared.fields.gologinToken.isSet).toBe(false)
      expect(settings.get('gologinToken')).toBeNull()
    })
  })

  it('lets environment variables win, says which variable, and refuses edits of those settings', async () => {
    await withDb(async (db) => {
      const plain = await SettingsService.open({ database: db, log: testLog(), env: {} })
      await plain.update({ maxConcurrentProfiles: 3 })
      const env = { MAX_CONCURRENT_PROFILES: '7', GOLOGIN_TOKEN: 'env-token-0123456789', PROFILE_SYNC_INTERVAL: '1800' }
      const settings = await SettingsService.open({ database: db, log: testLog(), env })
      const view = settings.view()
      expect(view.values.maxConcurrentProfiles).toBe(7)
      expect(view.values.syncIntervalMinutes).toBe(30)
      expect(view.fields.maxConcurrentProfiles).toMatchObject({ source: 'env', envVar: 'MAX_CONCURRENT_PROFILES', editable: false })
      expect(view.fields.gologinToken).toMatchObject({ source: 'env', envVar: 'GOLOGIN_TOKEN', editable: false, isSet: true })
      expect(view.values.gologinToken).toBeNull()
      expect(settings.get('gologinToken')).toBe('env-token-0123456789')

      await expect(settings.update({ maxConcurrentProfiles: 5, logLevel: 'debug' })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { fields: { maxConcurrentProfiles: 'is set by the environment variable MAX_CONCURRENT_PROFILES; change or remove it there' } },
      })
      expect(settings.get('logLevel')).toBe('info')
    })
  })

  it('refuses to start with a bad environment variable, naming each one', async () => {
    await withDb(async (db) => {
      const error = await SettingsService.open({ database: db, log: testLog(), env: { MAX_CONCURRENT_PROFILES: '500', GOLOGIN_LAUNCHER: 'x' } }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'VALIDATION_ERROR' })
      expect((error as ValidationException).details?.variables).toHaveProperty('MAX_CONCURRENT_PROFILES')
      expect((error as ValidationException).details?.variables).toHaveProperty('GOLOGIN_LAUNCHER')
      expect((error as Error).message).toContain('MAX_CONCURRENT_PROFILES must be at most 50')
    })
  })

  it('falls back to the default when a stored value no longer validates', async () => {
    await withDb(async (db) => {
      await db.dataSource.query(`INSERT INTO settings (key, value) VALUES ('maxConcurrentProfiles', '999'), ('removedSetting', '"x"'), ('logLevel', '{broken')`)
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      expect(settings.get('maxConcurrentProfiles')).toBe(10)
      expect(settings.get('logLevel')).toBe('info')
      expect(settings.view().fields.maxConcurrentProfiles.source).toBe('default')
    })
  })
})
