/**
 * Fault matrix, GoLogin: the cloud browser's connect is a GoLogin request like any other. It waits for the
 * rate limiter, and a 429 on its handshake revokes the token: every GoLogin call stops at once (counted by
 * the sandbox), the accounts left fail saying why, and nothing is left running.
 */
import { describe, expect, it, vi } from 'vitest'
import { panelWorld } from '../authorization/panel-world'
import { expectAllTerminal, expectTokensAsIssued, journal, sandboxBrowsers } from './harness'

describe('fault matrix: GoLogin', () => {
  it('cloud connect 429: the token is revoked, no GoLogin request follows, the other accounts fail with GOLOGIN_TOKEN_REVOKED', { timeout: 180_000 }, async () => {
    const world = await panelWorld({ profiles: 5, launcher: 'cloud', env: { MAX_CONCURRENT_PROFILES: '1' } })
    // The start-up sync has listed the profiles; from here GoLogin allows two more requests in its window.
    await vi.waitFor(() => expect(world.core.gologinService.syncStatus()).toMatchObject({ running: false, pagesDone: 1 }), { timeout: 30_000 })
    const before = world.sandbox.gologin.stats().cloud.total
    world.sandbox.gologin.setRateLimit({ max: before + 2 })
    const accounts = world.sandbox.accounts()

    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    const done = await world.untilDone(started.batchId, 120_000)

    // First account: connect + stop. Second: its connect is the request over the limit.
    expect(done).toMatchObject({ succeeded: 1, failed: 4 })
    const sessions = await expectAllTerminal(world, started.batchId)
    expect(sessions.filter((s) => s.status === 'failed').map((s) => s.errorCode)).toEqual(Array(4).fill('GOLOGIN_TOKEN_REVOKED'))
    expect(await expectTokensAsIssued(world, started.batchId)).toBe(1)
    const cloud = world.sandbox.gologin.stats().cloud
    expect(cloud.byStatus['429']).toBe(1)
    expect(cloud.total).toBe(before + 3)
    expect(world.core.gologin.client.status().tokenRevoked).toBe(true)
    expect(world.notices.some((notice) => notice.title === 'GoLogin token revoked')).toBe(true)
    // Every GoLogin call stays stopped: a sync does not reach GoLogin either.
    await world.call('workers:runNow', { name: 'sync' })
    expect(world.sandbox.gologin.stats().cloud.total).toBe(before + 3)
    expect(sandboxBrowsers(world).running).toBe(0)
    expect(journal(world.dataDir)).toEqual([])
    expect(world.core.gologin.slots.figures().slotsInUse).toBe(0)
  })
})
