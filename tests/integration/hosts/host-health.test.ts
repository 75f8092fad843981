/**
 * An unhealthy host takes no work (issue 19, row 4): a host that cannot reach GoLogin says so in its heartbeat and
 * claims nothing, while a healthy host of the same database finishes the batch; once GoLogin answers it works again.
 * Counted from the sandbox (which entrance started which profile) and the database, not the panel's counters.
 */
import { describe, expect, it } from 'vitest'
import { hostsOverview } from '../../../src/main/services/hosts/hosts-overview'
import { claimWorld, sessionsOf, until } from './claims-world'
import { closedPort } from '../../helpers/closed-port'

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']


describe('host health', () => {
  it('a host that cannot reach GoLogin claims nothing and says why; a healthy host finishes the batch', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 300 })
    const cutOff = await world.host('cut-off', { prepare: true, slots: 2, env: { GOLOGIN_API_URL: `http://127.0.0.1:${await closedPort()}` } })
    const accounts = world.sandbox.accounts().slice(0, 4)
    const started = await cutOff.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    const healthy = await world.host('healthy', { slots: 2 })
    await until('every session ended', async () => (await sessionsOf(healthy, started.batchId)).every((r) => TERMINAL.includes(r.status)), 90_000)

    const rows = await sessionsOf(healthy, started.batchId)
    expect(rows.map((r) => [r.status, r.claimed_by, r.claims])).toEqual(accounts.map(() => ['completed', 'healthy', 1]))
    expect(world.sandbox.gologin.stats().cloud.hosting.startsByEntrance['cut-off'] ?? 0).toBe(0)
    // The Hosts page says why the host takes no work.
    const overview = await hostsOverview({ shared: true, hostId: 'healthy', leaseMs: 20_000, list: () => healthy.core.authorization.batches.hosts() })
    const view = overview.hosts.find((h) => h.hostId === 'cut-off')!
    expect(view.online).toBe(true)
    expect(view.problem?.reason).toMatch(/^GoLogin unreachable \(the GoLogin API at http:\/\/127\.0\.0\.1:\d+ does not answer\)$/)
    expect(overview.hosts.find((h) => h.hostId === 'healthy')!.problem).toBeNull()
  })
})
