import { describe, expect, it } from 'vitest'
import type { ProfileRow } from '../../../src/shared/contract/profiles'
import { sqliteHandle } from '../../../src/main/db'
import { PROFILE_PAGE_SQL } from '../../../src/main/services/gologin/profile-queries'
import { insertSession, startPanel } from './harness'
import { onPostgres } from '../../helpers/test-database'

describe('profiles:list for the grid', () => {
  it('pages every profile by cursor, in GoLogin order, with folder, tags, OS and proxy country', async () => {
    const panel = await startPanel({ sandbox: { profiles: 90 } })
    await panel.syncAndWait()
    const pages: ProfileRow[][] = []
    let cursor: number | null = 0
    while (cursor !== null) {
      const page: { rows: ProfileRow[]; nextCursor: number | null; total: number } = await panel.call('profiles:list', { cursor, limit: 40 })
      expect(page.total).toBe(90)
      pages.push(page.rows)
      cursor = page.nextCursor
    }
    expect(pages.map((rows) => rows.length)).toEqual([40, 40, 10])
    const rows = pages.flat()
    expect(rows.map((row) => row.id)).toEqual(panel.sandbox.profiles().map((p) => p.id))
    expect(rows[63]).toMatchObject({ name: 'Profile 00063', folder: 'Batch 1', tags: ['x', 'AIOTT2'], os: 'win', proxyCountry: 'us', notes: '@user00063' })
    expect(rows[64]).toMatchObject({ os: 'mac', proxyCountry: null })
    // The default page is the whole grid's first 5,000.
    expect((await panel.call('profiles:list')).rows).toHaveLength(90)
  })

  it('carries the newest attempt and the newest completed authorization of each profile', async () => {
    const panel = await startPanel({ sandbox: { profiles: 5 } })
    await panel.syncAndWait()
    const [a, b, c, d] = panel.sandbox.profiles().map((p) => p.id)
    // a: failed, then authorized.
    await insertSession(panel.core, { profileId: a, status: 'failed', errorCode: 'X_LOGGED_OUT', createdAt: '2025-03-01 09:00:00.000', completedAt: '2025-03-01 09:01:00.000' })
    await insertSession(panel.core, {
      profileId: a,
      status: 'completed',
      createdAt: '2025-03-02 09:00:00.000',
      startedAt: '2025-03-02 09:00:05.000',
      completedAt: '2025-03-02 09:00:40.000',
      expiresAt: '2025-03-02 11:00:40.000',
      tokenStatus: 'valid',
    })
    // b: authorized, later a retry failed: the token of the earlier success still counts.
    await insertSession(panel.core, {
      profileId: b,
      status: 'completed',
      createdAt: '2025-03-01 08:00:00.000',
      completedAt: '2025-03-01 08:00:30.000',
      expiresAt: '2025-03-01 10:00:30.000',
      tokenStatus: 'expired',
    })
    await insertSession(panel.core, { profileId: b, status: 'timeout', errorCode: 'AUTH_TIMEOUT', createdAt: '2025-03-03 08:00:00.000', startedAt: '2025-03-03 08:00:01.000', completedAt: '2025-03-03 08:02:01.000' })
    // c: running now.
    await insertSession(panel.core, { profileId: c, status: 'in_progress', createdAt: '2025-03-04 08:00:00.000', startedAt: '2025-03-04 08:00:02.000' })

    const rows = new Map((await panel.call('profiles:list', { cursor: 0, limit: 100 })).rows.map((row) => [row.id, row]))
    expect(rows.get(a)).toMatchObject({
      lastStatus: 'completed',
      lastErrorCode: null,
      lastAttemptAt: '2025-03-02T09:00:40.000Z',
      lastAuthorizedAt: '2025-03-02T09:00:40.000Z',
      tokenExpiresAt: '2025-03-02T11:00:40.000Z',
      tokenStatus: 'valid',
    })
    expect(rows.get(b)).toMatchObject({
      lastStatus: 'timeout',
      lastErrorCode: 'AUTH_TIMEOUT',
      lastAttemptAt: '2025-03-03T08:02:01.000Z',
      lastAuthorizedAt: '2025-03-01T08:00:30.000Z',
      tokenExpiresAt: '2025-03-01T10:00:30.000Z',
      tokenStatus: 'expired',
    })
    expect(rows.get(c)).toMatchObject({ lastStatus: 'in_progress', lastAttemptAt: '2025-03-04T08:00:02.000Z', lastAuthorizedAt: null, tokenStatus: null })
    expect(rows.get(d)).toMatchObject({ lastStatus: null, lastErrorCode: null, lastAttemptAt: null, lastAuthorizedAt: null, tokenExpiresAt: null, tokenStatus: null })
    expect(await panel.core.gologinService.getProfile(a)).toEqual(rows.get(a))
  })

  // SQLite's planner needs the `+status` hint; PostgreSQL's plan follows its statistics (npm run bench measures it).
  if (!onPostgres) {
    it('reaches each profile’s sessions through the profile index and its account’s through the account index, never by scanning sessions', async () => {
      const panel = await startPanel({ sandbox: { profiles: 1 } })
      const plan = sqliteHandle(panel.core.db.dataSource).prepare(`EXPLAIN QUERY PLAN ${PROFILE_PAGE_SQL}`).all(0, 5_000) as Array<{ detail: string }>
      const sessionSteps = plan.map((step) => step.detail).filter((detail) => /authorization_sessions/.test(detail))
      expect(sessionSteps).toEqual([
        expect.stringContaining('INDEX ix_authorization_sessions_profile_id (profile_id=?)'),
        expect.stringContaining('INDEX ix_authorization_sessions_profile_id (profile_id=?)'),
        expect.stringContaining('INDEX ix_authorization_sessions_account (twitter_username=?)'),
      ])
    })
  }

  it('finds the profile of an account whatever the case, and says when there is none', async () => {
    const panel = await startPanel({ sandbox: { profiles: 10 } })
    await panel.syncAndWait()
    const expected = panel.sandbox.profiles()[5].id
    expect((await panel.core.gologinService.getProfileForAccount('USER00005')).id).toBe(expected)
    expect((await panel.core.gologinService.getProfileForAccount(' @user00005')).id).toBe(expected)
    await expect(panel.core.gologinService.getProfileForAccount('nobody_here')).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND', message: 'No GoLogin profile found for account: nobody_here' })
    await expect(panel.core.gologinService.getProfile('not-a-profile')).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' })
  })
})
