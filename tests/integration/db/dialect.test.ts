/**
 * What the two databases must agree on for the services' SQL to mean the same thing on both (run by the
 * sqlite and the postgres projects): times round-trip to the millisecond whichever way they are written or
 * read, raw rows carry 1/0 and numbers, usernames and app names ignore case, IN-lists take any values.
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ApiAppEntity, AuthorizationSessionEntity, dialectOf, isoFromSqlite, ProfileEntity, sqliteDateTime, upsertProfiles } from '../../../src/main/db'
import { ApiAppService } from '../../../src/main/services/api-apps/api-app-service'
import { SessionQueries } from '../../../src/main/services/automation/session-queries'
import { openTestDb, testLog } from './test-db'

type TestDb = Awaited<ReturnType<typeof openTestDb>>

async function withDb(work: (db: TestDb) => Promise<void>): Promise<void> {
  const db = await openTestDb()
  try {
    await work(db)
  } finally {
    await db.close()
  }
}

describe('the SQL both databases run', () => {
  it('round-trips times to the millisecond: entity → raw SQL, raw SQL text → entity, and comparisons on bound text', async () => {
    await withDb(async (db) => {
      const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
      const expiresAt = new Date('2026-03-04T05:06:07.891Z')
      const saved = await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'p1', apiApp: 'A', expiresAt }))
      const [raw] = await db.dataSource.query('SELECT expires_at, created_at FROM authorization_sessions WHERE id = ?', [saved.id])
      expect(isoFromSqlite(raw.expires_at)).toBe('2026-03-04T05:06:07.891Z')
      // The default of created_at is "now", in the same form.
      expect(Math.abs(Date.parse(isoFromSqlite(raw.created_at)!) - Date.now())).toBeLessThan(60_000)

      const completedAt = new Date('2025-12-31T23:59:59.999Z')
      await db.dataSource.query('UPDATE authorization_sessions SET completed_at = ? WHERE id = ?', [sqliteDateTime(completedAt), saved.id])
      expect((await sessions.findOneByOrFail({ id: saved.id })).completedAt?.toISOString()).toBe('2025-12-31T23:59:59.999Z')

      const count = async (op: string, at: Date) =>
        (await db.dataSource.query(`SELECT COUNT(*) AS n FROM authorization_sessions WHERE expires_at ${op} ?`, [sqliteDateTime(at)]))[0].n
      expect(await count('=', expiresAt)).toBe(1)
      expect(await count('>', new Date(expiresAt.getTime() - 1))).toBe(1)
      expect(await count('>', expiresAt)).toBe(0)
    })
  })

  it('reads booleans as 1/0 and counts as numbers in raw rows, and as booleans through the entities', async () => {
    await withDb(async (db) => {
      await upsertProfiles(db.dataSource, [
        { profileId: 'on', profileName: 'On' },
        { profileId: 'off', profileName: 'Off', isActive: false },
      ])
      await db.dataSource.query(`UPDATE profiles SET in_use = TRUE WHERE profile_id = ?`, ['on'])
      expect(await db.dataSource.query('SELECT profile_id, is_active, in_use FROM profiles ORDER BY id')).toEqual([
        { profile_id: 'on', is_active: 1, in_use: 1 },
        { profile_id: 'off', is_active: 0, in_use: 0 },
      ])
      expect(await db.dataSource.query('SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE is_active = TRUE) AS active FROM profiles')).toEqual([{ n: 2, active: 1 }])
      const entities = await db.dataSource.getRepository(ProfileEntity).find({ order: { id: 'ASC' } })
      expect(entities.map((p) => [p.isActive, p.inUse])).toEqual([
        [true, true],
        [false, false],
      ])
    })
  })

  it('finds usernames and API apps whatever their case, and refuses a second app named like the first', async () => {
    await withDb(async (db) => {
      await upsertProfiles(db.dataSource, [{ profileId: 'p1', profileName: 'Alpha Profile', mapping: { twitterUsername: 'Alice_X', apiApp: 'AIOTT1', source: 'import' } }])
      expect((await db.dataSource.getRepository(ProfileEntity).findOneByOrFail({ twitterUsername: 'aLICE_x' })).profileId).toBe('p1')
      expect(await db.dataSource.query('SELECT profile_id FROM profiles WHERE twitter_username = ?', ['ALICE_X'])).toEqual([{ profile_id: 'p1' }])

      const apps = new ApiAppService({ database: db, log: testLog(), env: {} })
      await apps.save({ name: 'AIOTT1', clientId: 'c1', clientSecret: 's1', redirectUri: 'https://example.com/cb' })
      // Saving "aiott1" is the same app (its stored spelling kept), not a second one.
      await apps.save({ name: 'aiott1', clientId: 'c2', clientSecret: 's2', redirectUri: 'https://example.com/cb' })
      expect((await db.dataSource.getRepository(ApiAppEntity).find()).map((app) => [app.name, app.clientId])).toEqual([['AIOTT1', 'c2']])
      await expect(db.dataSource.query(`INSERT INTO api_apps (name, client_id, redirect_uri) VALUES ('Aiott1', 'x', 'y')`)).rejects.toThrow()
      // A profile mapped to "AIOTT1" keeps the app from being deleted under another spelling.
      await expect(apps.delete('aiott1')).rejects.toMatchObject({ code: 'CONFLICT', details: { profiles: 1 } })
    })
  })

  it('searches sessions by username and profile name without case, wildcards taken literally', async () => {
    await withDb(async (db) => {
      await upsertProfiles(db.dataSource, [{ profileId: 'p1', profileName: 'Growth 50%_Team' }])
      const sessions = db.dataSource.getRepository(AuthorizationSessionEntity)
      await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'p1', apiApp: 'A', twitterUsername: 'MixedCase_User' }))
      await sessions.save(sessions.create({ sessionId: randomUUID(), profileId: 'other', apiApp: 'A', twitterUsername: 'someone' }))
      const queries = new SessionQueries({ dataSource: db.dataSource, screenshotDir: db.dir })
      const found = async (search: string) => (await queries.list({ search, limit: 10 })).rows.map((row) => row.username)
      expect(await found('mixedcase')).toEqual(['MixedCase_User'])
      expect(await found('growth 50%_team')).toEqual(['MixedCase_User'])
      expect(await found('50%x')).toEqual([])
      expect(await found('%%')).toEqual([])
    })
  })

  it('takes IN-lists of any length and content as one parameter, and leaves a ? inside a literal alone', async () => {
    await withDb(async (db) => {
      const ids = Array.from({ length: 3_000 }, (_, i) => `gl-${i}-'quote"${i % 3 ? ',' : '{}'}`)
      await upsertProfiles(db.dataSource, ids.map((profileId) => ({ profileId, profileName: 'x' })))
      const dialect = dialectOf(db.dataSource)
      const some = dialect.inList('profile_id', ids.slice(0, 1_500))
      expect((await db.dataSource.query(`SELECT COUNT(*) AS n FROM profiles WHERE ${some.sql}`, some.params))[0].n).toBe(1_500)
      const rest = dialect.notInList('profile_id', ids.slice(0, 1_500))
      expect((await db.dataSource.query(`SELECT COUNT(*) AS n FROM profiles WHERE ${rest.sql}`, rest.params))[0].n).toBe(1_500)
      expect(await db.dataSource.query(`SELECT '?' AS mark, ? AS value, 'it''s ?' AS quoted`, ['v'])).toEqual([{ mark: '?', value: 'v', quoted: "it's ?" }])
    })
  })
})
