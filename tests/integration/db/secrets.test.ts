import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ApiAppEntity, AuthorizationSessionEntity, SettingEntity, UndecryptableSecret } from '../../../src/main/db'
import { ApiAppService } from '../../../src/main/services/api-apps/api-app-service'
import { SettingsService } from '../../../src/main/services/settings/settings-service'
import { storedBytes } from '../../helpers/test-database'
import { fixedKeyStore, openTestDb, rawDatabaseBytes, testLog } from './test-db'

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`

async function writeEverySecret(db: Awaited<ReturnType<typeof openTestDb>>) {
  const values = {
    accessToken: secret('access'),
    refreshToken: secret('refresh'),
    oauthTokenSecret: secret('oauth1secret'),
    codeVerifier: secret('verifier'),
    clientSecret: secret('clientsecret'),
    gologinToken: secret('gologintoken'),
  }
  const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
  const session = await sessions.save(
    sessions.create({
      sessionId: randomUUID(),
      profileId: 'gl-1',
      apiApp: 'AIOTT1',
      accessToken: values.accessToken,
      refreshToken: values.refreshToken,
      oauthTokenSecret: values.oauthTokenSecret,
      codeVerifier: values.codeVerifier,
      state: 'state-not-secret',
    }),
  )
  const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
  await apps.save({ name: 'AIOTT1', clientId: 'client-id-1', clientSecret: values.clientSecret, redirectUri: 'https://example.com/callback' })
  const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
  await settings.update({ gologinToken: values.gologinToken })
  return { values, sessionId: session.id }
}

describe('secret columns', () => {
  it('round-trip every secret column and keep every plaintext out of the database (SQLite: the file and its WAL)', async () => {
    const keyStore = fixedKeyStore()
    const db = await openTestDb({ keyStore })
    const { values, sessionId } = await writeEverySecret(db)
    const plaintexts = Object.values(values)
    try {
      const session = await db.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ id: sessionId })
      expect([session.accessToken, session.refreshToken, session.oauthTokenSecret, session.codeVerifier]).toEqual([
        values.accessToken,
        values.refreshToken,
        values.oauthTokenSecret,
        values.codeVerifier,
      ])
      expect((await new ApiAppService({ database: db, log: testLog(), env: {} }).get('AIOTT1')).clientSecret).toBe(values.clientSecret)
      expect((await SettingsService.open({ database: db, log: testLog(), env: {} })).get('gologinToken')).toBe(values.gologinToken)

      const [raw] = await db.dataSource.query('SELECT access_token, refresh_token, oauth_token_secret, code_verifier FROM authorization_sessions')
      for (const stored of Object.values(raw as Record<string, string>)) expect(stored).toMatch(/^v2:[A-Za-z0-9+/=]+$/)

      const bytes = await storedBytes(db)
      // The scan does find what is stored in the clear (the OAuth state is not a secret).
      expect(bytes.includes('state-not-secret')).toBe(true)
      for (const plaintext of plaintexts) expect(bytes.includes(plaintext), plaintext.split('-')[0]).toBe(false)
    } finally {
      await db.close()
    }
    // SQLite: closing checkpoints the WAL into the file; still nothing in the clear.
    if (db.filePath) {
      const afterClose = rawDatabaseBytes(db.filePath)
      for (const plaintext of plaintexts) expect(afterClose.includes(plaintext)).toBe(false)
    }

    const reopened = await openTestDb({ dir: db.dir, keyStore })
    try {
      const session = await reopened.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ id: sessionId })
      expect(session.refreshToken).toBe(values.refreshToken)
      const bytes = await storedBytes(reopened)
      for (const plaintext of plaintexts) expect(bytes.includes(plaintext)).toBe(false)
    } finally {
      await reopened.close()
    }
  })

  it('refuse to open with a wrong data key, naming the check row, and leave every row as it was', async () => {
    const rightKey = fixedKeyStore()
    const db = await openTestDb({ keyStore: rightKey })
    const { values, sessionId } = await writeEverySecret(db)
    const before = await db.dataSource.query('SELECT * FROM authorization_sessions ORDER BY id')
    await db.close()

    const error = await openTestDb({ dir: db.dir, keyStore: fixedKeyStore() }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DATA_DECRYPTION_FAILED', details: { table: 'settings', id: '__data_key_check', column: 'secret_value' } })
    expect((error as Error).message).toContain('does not match the database')
    expect((error as Error).message).toContain('test key')
    for (const plaintext of Object.values(values)) expect((error as Error).message).not.toContain(plaintext)

    const again = await openTestDb({ dir: db.dir, keyStore: rightKey })
    try {
      expect(await again.dataSource.query('SELECT * FROM authorization_sessions ORDER BY id')).toEqual(before)
      const session = await again.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ id: sessionId })
      expect(session.accessToken).toBe(values.accessToken)
    } finally {
      await again.close()
    }
  })

  it('name the table, row and column of a value that fails to decrypt, and never delete it', async () => {
    const db = await openTestDb()
    try {
      const { values, sessionId } = await writeEverySecret(db)
      const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
      const other = await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'gl-2', apiApp: 'AIOTT1', accessToken: 'fine-token' }))
      const [{ refresh_token: sealed }] = await db.dataSource.query('SELECT refresh_token FROM authorization_sessions WHERE id = ?', [sessionId])
      const tampered = Buffer.from(sealed.slice(3), 'base64')
      tampered[tampered.length - 1] ^= 0x01
      await db.dataSource.query('UPDATE authorization_sessions SET refresh_token = ? WHERE id = ?', [`v1:${tampered.toString('base64')}`, sessionId])

      const error = await sessions.findOneBy({ id: sessionId }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        code: 'DATA_DECRYPTION_FAILED',
        details: { table: 'authorization_sessions', id: sessionId, column: 'refresh_token' },
      })
      expect((error as Error).message).toContain(`authorization_sessions row ${sessionId}, column refresh_token`)
      expect((error as Error).message).not.toContain(values.refreshToken)
      await expect(sessions.find()).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED' })

      // The other rows still read; the damaged row is still there, exactly as it was.
      expect((await sessions.findOneByOrFail({ id: other.id })).accessToken).toBe('fine-token')
      const [row] = await db.dataSource.query('SELECT refresh_token, access_token FROM authorization_sessions WHERE id = ?', [sessionId])
      expect(row.refresh_token).toBe(`v1:${tampered.toString('base64')}`)

      // A ciphertext copied into another column does not open there either.
      const [{ client_secret: appSecret }] = await db.dataSource.query('SELECT client_secret FROM api_apps')
      await db.dataSource.query('UPDATE authorization_sessions SET access_token = ? WHERE id = ?', [appSecret, other.id])
      await expect(sessions.findOneBy({ id: other.id })).rejects.toMatchObject({ details: { id: other.id, column: 'access_token' } })
      await expect(db.dataSource.getRepository(ApiAppEntity).findOneByOrFail({ name: 'AIOTT1' })).resolves.toMatchObject({ clientSecret: values.clientSecret })
    } finally {
      await db.close()
    }
  })

  it('refuse a ciphertext swapped into another row (sessions, API apps, settings): each is bound to its row', async () => {
    const db = await openTestDb()
    try {
      const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
      const alice = await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'gl-a', apiApp: 'AIOTT1', accessToken: 'alice-access' }))
      const bob = await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'gl-b', apiApp: 'AIOTT1', accessToken: 'bob-access' }))
      const [a, b] = await Promise.all([alice, bob].map(async (s) => (await db.dataSource.query('SELECT access_token FROM authorization_sessions WHERE id = ?', [s.id]))[0].access_token))
      await db.dataSource.query('UPDATE authorization_sessions SET access_token = ? WHERE id = ?', [b, alice.id])
      await db.dataSource.query('UPDATE authorization_sessions SET access_token = ? WHERE id = ?', [a, bob.id])
      for (const session of [alice, bob]) {
        const error = await sessions.findOneBy({ id: session.id }).catch((e: unknown) => e)
        expect(error).toMatchObject({ code: 'DATA_DECRYPTION_FAILED', details: { table: 'authorization_sessions', id: session.id, column: 'access_token' } })
        expect((error as Error).message).not.toMatch(/alice-access|bob-access/)
      }

      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      const app = (name: string) => ({ name, clientId: `id-${name}`, clientSecret: `secret-${name}`, redirectUri: 'https://example.com/callback' })
      await apps.save(app('AIOTT1'))
      await apps.save(app('AIOTT2'))
      const [{ client_secret: first }] = await db.dataSource.query(`SELECT client_secret FROM api_apps WHERE name = 'AIOTT1'`)
      await db.dataSource.query(`UPDATE api_apps SET client_secret = ? WHERE name = 'AIOTT2'`, [first])
      await expect(apps.get('AIOTT2')).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED', details: { table: 'api_apps', column: 'client_secret' } })
      await expect(apps.get('AIOTT1')).resolves.toMatchObject({ clientSecret: 'secret-AIOTT1' })

      // The GoLogin token's ciphertext moved into another secret setting's row does not open there.
      const settings = await SettingsService.open({ database: db, log: testLog(), env: {} })
      await settings.update({ gologinToken: 'gologin-token-swap-1' })
      const [{ secret_value: token }] = await db.dataSource.query(`SELECT secret_value FROM settings WHERE key = 'gologinToken'`)
      await db.dataSource.query(`INSERT INTO settings (key, value, secret_value) VALUES ('someOtherSecret', NULL, ?)`, [token])
      await expect(db.dataSource.getRepository(SettingEntity).findOneBy({ key: 'someOtherSecret' })).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED', details: { table: 'settings', column: 'secret_value' } })
    } finally {
      await db.close()
    }
  })

  it('hand back a marker (not garbage) when listeners are off, and write the original ciphertext back', async () => {
    const db = await openTestDb()
    try {
      const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
      const saved = await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'gl-3', apiApp: 'A', accessToken: 'token-3' }))
      await db.dataSource.query(`UPDATE authorization_sessions SET access_token = 'v1:AAAA' WHERE id = ?`, [saved.id])
      const [loaded] = await sessions.createQueryBuilder('s').where('s.id = :id', { id: saved.id }).callListeners(false).getMany()
      expect(loaded.accessToken).toBeInstanceOf(UndecryptableSecret)
      expect(() => `${loaded.accessToken}`).toThrow(/could not be decrypted/)
      loaded.errorMessage = 'edited'
      // save() re-reads the row (with listeners) and refuses; an update writes the marker back as the stored ciphertext.
      await expect(sessions.save(loaded)).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED' })
      await sessions.update({ id: saved.id }, { accessToken: loaded.accessToken, errorMessage: loaded.errorMessage })
      const [row] = await db.dataSource.query('SELECT access_token, error_message FROM authorization_sessions WHERE id = ?', [saved.id])
      expect(row).toEqual({ access_token: 'v1:AAAA', error_message: 'edited' })
    } finally {
      await db.close()
    }
  })
})
