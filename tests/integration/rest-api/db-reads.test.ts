import { afterEach, describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity, openDatabase, upsertProfiles, type Database } from '../../../src/main/db'
import { DbRestApiReads } from '../../../src/main/host/rest-api/db-reads'
import { startRestApi, type RestApi } from '../../../src/main/host/rest-api/server'
import { LogSystem } from '../../../src/main/logging/logger'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { ApiKeyService } from '../../../src/main/services/api-keys/api-key-service'
import { tempDir } from '../../helpers/temp-dir'
import { FakeBackend, request } from './harness'

let db: Database | null = null
let api: RestApi | null = null
afterEach(async () => {
  await api?.close()
  await db?.close()
  api = db = null
})

async function opened() {
  const dir = tempDir('rest-db-')
  const logs = new LogSystem({ dir: null })
  db = await openDatabase({ dataDir: dir, keyStore: new FileKeyStore({ dir }), log: logs.logger('test') })
  return { db, logs }
}

async function seeded() {
  const { db, logs } = await opened()
  await upsertProfiles(
    db.dataSource,
    Array.from({ length: 25 }, (_, i) => ({
      profileId: `6650bb${String(i).padStart(18, '0')}`,
      profileName: `Acct ${i}`,
      metadata: { folder: 'farm', tags: ['t1'], notes: `@Handle_${i}`, os: 'mac', proxy: { mode: 'http', host: 'p.example', port: 8080, country: 'DE' } },
      mapping: { twitterUsername: `Handle_${i}`, apiApp: 'AIOTT1', source: 'pattern' as const },
    })),
    { syncedAt: new Date('2026-02-01T00:00:00.000Z') },
  )
  const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
  await sessions.save([
    sessions.create({ sessionId: 'old-fail', profileId: '6650bb000000000000000003', twitterUsername: 'Handle_3', apiApp: 'AIOTT1', status: 'failed', errorCode: 'X_LOGGED_OUT', createdAt: new Date('2026-02-02T00:00:00.000Z') }),
    sessions.create({
      sessionId: 'good-1',
      profileId: '6650bb000000000000000003',
      twitterUsername: 'Handle_3',
      apiApp: 'AIOTT1',
      status: 'completed',
      tokenStatus: 'valid',
      accessToken: 'access-plaintext-123456',
      refreshToken: 'refresh-plaintext-654321',
      scopes: ['tweet.read', 'users.read'],
      createdAt: new Date('2026-02-03T00:00:00.000Z'),
      completedAt: new Date('2026-02-03T00:01:00.000Z'),
      expiresAt: new Date('2026-02-03T02:01:00.000Z'),
    }),
  ])
  return { db, logs, reads: new DbRestApiReads(db) }
}

describe('DbRestApiReads', () => {
  it('pages profiles from SQLite with their newest attempt and token state', async () => {
    const { reads } = await seeded()
    const page = await reads.listProfiles(2, 10)
    expect(page.total).toBe(25)
    expect(page.items.map((p) => p.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Acct ${i + 10}`))
    const last = await reads.listProfiles(3, 10)
    expect(last.items).toHaveLength(5)
    const three = (await reads.listProfiles(1, 10)).items[3]
    expect(three).toMatchObject({
      id: '6650bb000000000000000003',
      username: 'Handle_3',
      folder: 'farm',
      tags: ['t1'],
      proxyCountry: 'DE',
      lastSynced: '2026-02-01T00:00:00.000Z',
      lastStatus: 'completed',
      lastAuthorizedAt: '2026-02-03T00:01:00.000Z',
      tokenExpiresAt: '2026-02-03T02:01:00.000Z',
      tokenStatus: 'valid',
    })
  })

  it('pages in profile id order at any page size, and sees profiles added since the last page', async () => {
    const { db: database, reads } = await seeded()
    // Inserted in an order other than their ids' (the table's ids do not follow the page order).
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `6650bb${String(from + i).padStart(18, '0')}`)
    const add = (profileIds: string[]) =>
      upsertProfiles(
        database.dataSource,
        profileIds.map((profileId) => ({ profileId, profileName: `Acct ${Number(profileId.slice(6))}`, metadata: {} })),
        { syncedAt: new Date('2026-02-01T00:00:00.000Z') },
      )
    await add(ids(100, 300).reverse())
    const expectPages = async (all: string[]) => {
      for (const pageSize of [1, 7, 64, 100, 500]) {
        const pages = Math.ceil(all.length / pageSize)
        for (const page of pageSize === 1 ? [1, 2, 64, 65, 129, all.length] : Array.from({ length: pages }, (_, i) => i + 1)) {
          const answer = await reads.listProfiles(page, pageSize)
          expect(answer.total).toBe(all.length)
          expect(answer.items.map((p) => p.id)).toEqual(all.slice((page - 1) * pageSize, page * pageSize))
        }
        expect(await reads.listProfiles(pages + 1, pageSize)).toEqual({ items: [], total: all.length })
      }
    }
    await expectPages([...ids(0, 25), ...ids(100, 300)])
    // Added between the ones there (a later sync): the next page already counts and orders them.
    await add([...ids(50, 60), ...ids(400, 401)])
    await expectPages([...ids(0, 25), ...ids(50, 60), ...ids(100, 300), ...ids(400, 401)])
    // Removed (nothing in the panel deletes profiles today; a page must not trust its anchors if something does).
    await database.dataSource.query(`DELETE FROM profiles WHERE profile_id IN (?, ?)`, [ids(150, 151)[0], ids(151, 152)[0]])
    await expectPages([...ids(0, 25), ...ids(50, 60), ...ids(100, 150), ...ids(152, 300), ...ids(400, 401)])
  })

  it('moves PostgreSQL’s profile set version with added or removed profiles only, not with updates', async () => {
    const { db: database } = await seeded()
    if (database.kind !== 'postgres') return
    const version = async () => ((await database.dataSource.query(`SELECT version::text AS v FROM profile_set_version`)) as Array<{ v: string }>)[0].v
    const before = await version()
    await upsertProfiles(database.dataSource, [{ profileId: '6650bb000000000000000003', profileName: 'Renamed', metadata: {} }], { syncedAt: new Date() })
    await database.dataSource.query(`UPDATE profiles SET in_use = TRUE WHERE profile_id = ?`, ['6650bb000000000000000004'])
    expect(await version()).toBe(before)
    await upsertProfiles(database.dataSource, [{ profileId: '6650bb000000000000000099', profileName: 'New', metadata: {} }], { syncedAt: new Date() })
    const added = await version()
    expect(added).not.toBe(before)
    await database.dataSource.query(`DELETE FROM profiles WHERE profile_id = ?`, ['6650bb000000000000000099'])
    expect(await version()).not.toBe(added)
  })

  it('pages a table that was empty once profiles arrive', async () => {
    const { db: database } = await opened()
    const reads = new DbRestApiReads(database)
    expect(await reads.listProfiles(1, 10)).toEqual({ items: [], total: 0 })
    await upsertProfiles(database.dataSource, [{ profileId: '6650bb000000000000000001', profileName: 'First', metadata: {} }], { syncedAt: new Date() })
    const page = await reads.listProfiles(1, 10)
    expect(page.total).toBe(1)
    expect(page.items.map((p) => p.name)).toEqual(['First'])
  })

  it('finds a profile by username in any case, with or without @, or by profile id', async () => {
    const { reads } = await seeded()
    expect((await reads.getProfile('handle_7'))?.id).toBe('6650bb000000000000000007')
    expect((await reads.getProfile('@HANDLE_7'))?.id).toBe('6650bb000000000000000007')
    expect((await reads.getProfile('6650bb000000000000000008'))?.username).toBe('Handle_8')
    expect(await reads.getProfile('nobody')).toBeNull()
  })

  it('decrypts tokens only when asked', async () => {
    const { reads, db: database } = await seeded()
    const raw = (await database.dataSource.query(`SELECT access_token FROM authorization_sessions WHERE session_id = 'good-1'`)) as Array<{ access_token: string }>
    expect(raw[0].access_token).not.toContain('access-plaintext')
    const hidden = await reads.getSession('good-1', { includeTokens: false })
    expect(hidden).toMatchObject({ id: 'good-1', status: 'completed', profileName: 'Acct 3' })
    expect(hidden?.tokens).toBeUndefined()
    const shown = await reads.getSession('good-1', { includeTokens: true })
    expect(shown?.tokens).toEqual({ accessToken: 'access-plaintext-123456', refreshToken: 'refresh-plaintext-654321', oauthTokenSecret: null, scopes: ['tweet.read', 'users.read'] })
    expect(await reads.getSession('nope', { includeTokens: true })).toBeNull()
  })

  it('serves the REST API from the database', async () => {
    const { db: database, logs, reads } = await seeded()
    const backend = Object.assign(new FakeBackend(logs.logger('fake')), {
      listProfiles: reads.listProfiles.bind(reads),
      getProfile: reads.getProfile.bind(reads),
      getSession: reads.getSession.bind(reads),
    })
    const apiKeys = new ApiKeyService({ database, log: logs.logger('keys') })
    api = await startRestApi({ backend, apiKeys, log: logs.logger('rest'), port: 0 })
    const reader = await apiKeys.create('reader', ['tokens:read'])
    const plain = await apiKeys.create('plain')
    const list = await request(api.url, '/api/v1/profiles?page=3&page_size=10', { key: plain.key })
    expect(list.json).toMatchObject({ total: 25, page: 3, page_size: 10, total_pages: 3 })
    expect(list.json.data[0]).toMatchObject({ profile_id: '6650bb000000000000000020', twitter_username: 'Handle_20', api_app: 'AIOTT1', folder: 'farm' })
    const session = await request(api.url, '/api/v1/authorization/sessions/good-1', { key: plain.key })
    expect(JSON.stringify(session.json)).not.toContain('plaintext')
    const withTokens = await request(api.url, '/api/v1/authorization/sessions/good-1', { key: reader.key })
    expect(withTokens.json.data.access_token).toBe('access-plaintext-123456')
    expect((await request(api.url, '/api/v1/profiles/HANDLE_3', { key: plain.key })).json.data.last_status).toBe('completed')
  })
})
