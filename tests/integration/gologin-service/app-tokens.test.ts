/**
 * The grid's tokens per API app (issue 21): `profiles:list` carries, for each profile, its account's newest completed
 * authorization per app, and the grid's filters ("valid token for X", "needs authorization for X", Active: the
 * predicates the grid's filter runs, tests/unit/renderer/profile-view.test.ts) pick the rows a user expects from what
 * the database holds. Runs on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest'
import { appTokenState, matchesAppToken, type AppTokenWant } from '../../../src/shared/app-tokens'
import type { ProfileRow } from '../../../src/shared/contract/profiles'
import { sqliteDateTime } from '../../../src/main/db'
import { ProfileQueries } from '../../../src/main/services/gologin/profile-queries'
import { insertSession, startPanel, type Panel } from './harness'

const MINUTE = 60_000
const now = Date.now()
const at = (offsetMs: number) => sqliteDateTime(new Date(now + offsetMs))
const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString()

/**
 * Six synced profiles (user00000 … user00005): user00000 holds a token of every kind, user00001 an expired one
 * and a later failed attempt, user00004's profile is gone from GoLogin (inactive) but its token is valid.
 */
async function seeded(): Promise<{ panel: Panel; ids: string[] }> {
  const panel = await startPanel({ sandbox: { profiles: 6 } })
  await panel.syncAndWait()
  const ids = panel.sandbox.profiles().map((p) => p.id)
  const [p0, p1, p2, , p4] = ids
  const completed = { status: 'completed', createdAt: at(-60 * MINUTE) }
  // user00000: an OAuth 2.0 token (renewable) for AIOTT1, replacing an older one (the username's case differs from
  // the mapping's: accounts compare without case), one token of each other state, then (the newest attempt) an
  // OAuth 1.0a token for AIOTT2.
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'AIOTT1', completedAt: at(-24 * 60 * MINUTE), expiresAt: at(-22 * 60 * MINUTE), tokenStatus: 'replaced' })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'USER00000', apiApp: 'AIOTT1', completedAt: at(-10 * MINUTE), expiresAt: at(110 * MINUTE), tokenStatus: 'valid', refreshable: true })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'APP3', completedAt: at(-50 * MINUTE), tokenStatus: 'revoked' })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'APP4', completedAt: at(-50 * MINUTE), expiresAt: at(70 * MINUTE), tokenStatus: 'valid', errorCode: 'X_ACCOUNT_UNVERIFIED', refreshable: true })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'APP5', completedAt: at(-90 * MINUTE), expiresAt: at(30 * MINUTE), tokenStatus: 'valid' })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'PASS', completedAt: at(-50 * MINUTE), delivered: true })
  await insertSession(panel.core, { ...completed, profileId: p0, username: 'user00000', apiApp: 'AIOTT2', completedAt: at(-5 * MINUTE), expiresAt: null, tokenStatus: 'valid', createdAt: at(-6 * MINUTE) })
  // user00001: authorized for AIOTT1 once (expired since), then a failed attempt.
  await insertSession(panel.core, { ...completed, profileId: p1, username: 'user00001', apiApp: 'AIOTT1', completedAt: at(-200 * MINUTE), expiresAt: at(-80 * MINUTE), tokenStatus: 'valid' })
  await insertSession(panel.core, { profileId: p1, username: 'user00001', apiApp: 'AIOTT1', status: 'failed', errorCode: 'X_LOGGED_OUT', createdAt: at(-3 * MINUTE), completedAt: at(-2 * MINUTE) })
  // Profile 2 once ran an authorization of another account: its tokens are that account's, not this profile's.
  await insertSession(panel.core, { ...completed, profileId: p2, username: 'someone_else', apiApp: 'AIOTT1', completedAt: at(-5 * MINUTE), expiresAt: at(115 * MINUTE), tokenStatus: 'valid' })
  // user00004: a valid token, but its profile leaves GoLogin.
  await insertSession(panel.core, { ...completed, profileId: p4, username: 'user00004', apiApp: 'AIOTT1', completedAt: at(-5 * MINUTE), expiresAt: at(115 * MINUTE), tokenStatus: 'valid', refreshable: true })
  panel.sandbox.removeProfiles([p4])
  await panel.syncAndWait()
  return { panel, ids }
}

async function listAll(panel: Panel): Promise<Map<string, ProfileRow>> {
  return new Map((await panel.call('profiles:list', { cursor: 0, limit: 100 })).rows.map((row) => [row.id, row]))
}

describe('tokens per API app in the profiles grid', () => {
  it('shows each account’s newest token for every app, and the app its last attempt was for', async () => {
    const { panel, ids } = await seeded()
    const [p0, p1, p2, p3, p4] = ids
    const rows = await listAll(panel)
    const row0 = rows.get(p0)!
    // The newest attempt was the 1.0a one for AIOTT2: said with its app, while the AIOTT1 token stays in view.
    expect(row0).toMatchObject({ lastStatus: 'completed', lastApiApp: 'AIOTT2' })
    expect(row0.tokens).toEqual({
      AIOTT1: { tokenStatus: 'valid', expiresAt: iso(110 * MINUTE), authorizedAt: iso(-10 * MINUTE), unverified: false, refreshable: true, delivered: false },
      AIOTT2: { tokenStatus: 'valid', expiresAt: null, authorizedAt: iso(-5 * MINUTE), unverified: false, refreshable: false, delivered: false },
      APP3: expect.objectContaining({ tokenStatus: 'revoked' }),
      APP4: expect.objectContaining({ tokenStatus: 'valid', unverified: true }),
      APP5: expect.objectContaining({ tokenStatus: 'valid', expiresAt: iso(30 * MINUTE), refreshable: false }),
      PASS: { tokenStatus: null, expiresAt: null, authorizedAt: iso(-50 * MINUTE), unverified: false, refreshable: false, delivered: true },
    })
    expect(Object.fromEntries(Object.entries(row0.tokens).map(([app, token]) => [app, appTokenState(token, now)]))).toEqual({
      AIOTT1: 'valid',
      AIOTT2: 'valid',
      APP3: 'revoked',
      APP4: 'unverified',
      APP5: 'expiring',
      PASS: 'delivered',
    })
    // The failed retry is the last attempt; the expired token is still shown as what the account holds.
    expect(rows.get(p1)).toMatchObject({ lastStatus: 'failed', lastApiApp: 'AIOTT1', lastErrorCode: 'X_LOGGED_OUT' })
    expect(appTokenState(rows.get(p1)!.tokens.AIOTT1, now)).toBe('expired')
    expect(rows.get(p2)).toMatchObject({ lastApiApp: 'AIOTT1', tokens: {} })
    expect(rows.get(p3)).toMatchObject({ lastStatus: null, lastApiApp: null, tokens: {} })
    expect(rows.get(p4)).toMatchObject({ isActive: false, tokens: { AIOTT1: expect.objectContaining({ tokenStatus: 'valid' }) } })
    // A single profile reads the same, and so does the account alone (what live updates push).
    expect(await panel.core.gologinService.getProfile(p0)).toEqual(row0)
    expect(await new ProfileQueries(panel.core.db).accountTokens('User00000')).toEqual(row0.tokens)
  })

  it('filters by a valid token for an app, by needing authorization for it, and by Active', async () => {
    const { panel, ids } = await seeded()
    const [p0, p1, p2, p3, p4, p5] = ids
    const rows = await listAll(panel)
    const all = [...rows.values()]
    const visible = (filter: { token?: [AppTokenWant, string]; active?: boolean }) =>
      all
        .filter((row) => (filter.token ? matchesAppToken(row.tokens, filter.token[1], filter.token[0], now) : true))
        .filter((row) => filter.active === undefined || row.isActive === filter.active)
        .map((row) => row.id)

    expect(visible({ token: ['valid', 'AIOTT1'] })).toEqual([p0, p4])
    expect(visible({ token: ['valid', 'AIOTT2'] })).toEqual([p0])
    // Expiring (within the hour, not renewable) is still valid; unverified, revoked and delivered are neither.
    expect(visible({ token: ['valid', 'APP5'] })).toEqual([p0])
    expect(visible({ token: ['valid', 'APP4'] })).toEqual([])
    expect(visible({ token: ['needs', 'AIOTT1'] })).toEqual([p1, p2, p3, p5])
    expect(visible({ token: ['needs', 'AIOTT2'] })).toEqual([p1, p2, p3, p4, p5])
    expect(visible({ token: ['needs', 'APP3'] })).toEqual([p0, p1, p2, p3, p4, p5])
    expect(visible({ token: ['needs', 'APP4'] })).toEqual([p1, p2, p3, p4, p5])
    expect(visible({ token: ['needs', 'PASS'] })).toEqual([p1, p2, p3, p4, p5])

    expect(visible({ active: false })).toEqual([p4])
    expect(visible({ active: true })).toEqual([p0, p1, p2, p3, p5])
    expect(visible({ active: true, token: ['valid', 'AIOTT1'] })).toEqual([p0])
  })
})
