/**
 * Work is claimed, not assigned (issue 15, item 2): hosts of one PostgreSQL database take the sessions of a
 * batch from the database, each within its own slots, never one profile on two hosts at once, and the
 * sessions of a host that dies come back after their lease and are finished by another host.
 * PostgreSQL only (SQLite serves one machine and runs its batches in process).
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import { claimWorld, sessionsOf, until, type ClaimHost } from './claims-world'

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']

async function allEnded(host: ClaimHost, batchId: string): Promise<boolean> {
  const rows = await sessionsOf(host, batchId)
  return rows.length > 0 && rows.every((row) => TERMINAL.includes(row.status))
}

async function batchState(host: ClaimHost, batchId: string): Promise<string | null> {
  const rows: Array<{ state: string }> = await host.core.db.dataSource.query(`SELECT state FROM batches WHERE id = ?`, [batchId])
  return rows[0]?.state ?? null
}

describe('hosts claiming the sessions of one database', () => {
  it('three hosts finish one batch: every session once, no profile on two hosts, each host within its slots, tokens readable on every host', { timeout: 180_000 }, async () => {
    const world = await claimWorld()
    const hosts = [await world.host('host-1', { prepare: true }), await world.host('host-2'), await world.host('host-3')]
    const accounts = world.sandbox.accounts().slice(0, 12)

    const started = await hosts[0].core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    expect(started).toMatchObject({ queued: 12, skipped: [] })
    await until('every session ended', () => allEnded(hosts[0], started.batchId), 150_000)
    await until('the batch is finished in the database', async () => (await batchState(hosts[0], started.batchId)) === 'finished')

    const rows = await sessionsOf(hosts[0], started.batchId)
    expect(rows.map((row) => row.status)).toEqual(Array(12).fill('completed'))
    // Each session claimed once, by one of the hosts, nothing left leased.
    expect(rows.every((row) => row.claims === 1 && row.requeues === 0 && row.lease_until === null)).toBe(true)
    expect(new Set(rows.map((row) => row.claimed_by)).size).toBeGreaterThan(1)
    // X issued one token per account: no account was authorized twice.
    expect(world.sandbox.issuedTokens().length).toBe(12)

    // GoLogin's side: no profile ran on two hosts at once, no host ran more than its 2 slots at once, all stopped.
    const hosting = world.sandbox.gologin.stats().cloud.hosting
    expect(hosting.maxEntrancesPerProfile).toBe(1)
    for (const peak of Object.values(hosting.peakByEntrance)) expect(peak).toBeLessThanOrEqual(2)
    expect(Object.values(hosting.startsByEntrance).reduce((sum, n) => sum + n, 0)).toBe(12)
    // Tokens are stored before the profile's stop is awaited: the last stops may still be on their way.
    await until('every cloud browser is stopped', () => Object.values(world.sandbox.gologin.stats().cloud.hosting.runningByEntrance).every((n) => n === 0), 30_000)

    // The same data key on every host: each reads every token another host stored.
    const issued = new Set(world.sandbox.issuedTokens().map((t) => t.accessToken))
    for (const host of hosts) {
      const stored = await host.core.db.dataSource.getRepository(AuthorizationSessionEntity).find({ where: { batchId: started.batchId } })
      expect(stored.every((s) => s.accessToken !== null && issued.has(s.accessToken))).toBe(true)
    }

    // Any panel shows the batch's progress from the database, whichever host ran the work.
    for (const host of hosts.slice(1)) {
      await until(`${host.id} shows the batch finished`, () =>
        host.core.authorization.batches.active().some((p) => p.id === started.batchId && p.state === 'finished' && p.succeeded === 12),
      )
    }
    // No host warned of a lost claim: an attempt's own end clears its lease, which is no claim lost to another host
    // (the Hosts page counts these warnings; each account used to log one).
    for (const host of hosts) expect(host.core.logs.ring.recent().filter((entry) => entry.event === 'batch.lease_lost').map((entry) => entry.msg), host.id).toEqual([])
    // Every host's heartbeat is in the database.
    const known = await hosts[0].core.authorization.batches.hosts()
    expect(known.map((h) => [h.hostId, h.slots, h.launcher]).sort()).toEqual([
      ['host-1', 2, 'cloud'],
      ['host-2', 2, 'cloud'],
      ['host-3', 2, 'cloud'],
    ])
  })

  it('the sessions of a host that stops renewing its leases come back after the lease and complete on another host', { timeout: 180_000 }, async () => {
    // A slow consent page keeps the first host's attempts running long enough to die in the middle of them.
    const world = await claimWorld({ consentDelayMs: 1_500, leaseMs: 5_000 })
    const doomed = await world.host('doomed', { prepare: true })
    const accounts = world.sandbox.accounts().slice(0, 4)
    const started = await doomed.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    // Both attempts on X's consent page (their browsers connected) when the host dies.
    await until('the first host runs two attempts', async () => (await sessionsOf(doomed, started.batchId)).filter((r) => r.step === 'consent' && r.claimed_by === 'doomed').length === 2)
    const held = (await sessionsOf(doomed, started.batchId)).filter((r) => r.claimed_by === 'doomed').map((r) => r.session_id)

    doomed.core.authorization.batches.halt()
    const survivor = await world.host('survivor')
    await until('every session ended', () => allEnded(survivor, started.batchId), 150_000)
    await until('the batch is finished in the database', async () => (await batchState(survivor, started.batchId)) === 'finished')

    const rows = await sessionsOf(survivor, started.batchId)
    expect(rows.map((row) => row.status)).toEqual(Array(4).fill('completed'))
    expect(rows.every((row) => row.claimed_by === 'survivor' && row.lease_until === null)).toBe(true)
    // The dead host's sessions were put back once each and claimed a second time; the others once.
    for (const row of rows) {
      if (held.includes(row.session_id)) expect([row.claims, row.requeues]).toEqual([2, 1])
      else expect([row.claims, row.requeues]).toEqual([1, 0])
    }
    expect(world.sandbox.issuedTokens().length).toBe(4)
    const hosting = world.sandbox.gologin.stats().cloud.hosting
    expect(hosting.maxEntrancesPerProfile).toBe(1)
    expect(hosting.startsByEntrance).toEqual({ doomed: 2, survivor: 4 })
  })

  it('pause holds a batch on every host and cancel ends it everywhere', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 1_000 })
    const one = await world.host('host-a', { prepare: true, slots: 1 })
    const two = await world.host('host-b', { slots: 1 })
    const accounts = world.sandbox.accounts().slice(0, 8)
    const started = await one.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('both hosts run an attempt', async () => new Set((await sessionsOf(one, started.batchId)).filter((r) => r.status === 'in_progress').map((r) => r.claimed_by)).size === 2)

    // Paused on the second host: no host claims another session of the batch.
    await until('the second host knows the batch', () => two.core.authorization.batches.active().some((p) => p.id === started.batchId))
    two.core.authorization.batches.pause(started.batchId)
    await until('the pause is in the database', async () => (await batchState(one, started.batchId)) === 'paused')
    await until('the running attempts end', async () => (await sessionsOf(one, started.batchId)).every((r) => r.status !== 'in_progress' && r.lease_until === null))
    const afterPause = await sessionsOf(one, started.batchId)
    expect(afterPause.filter((r) => r.status === 'pending').length).toBeGreaterThanOrEqual(4)

    // Resumed, then cancelled on the first host: every host stops, queued sessions are cancelled, the batch ends.
    one.core.authorization.batches.resume(started.batchId)
    await until('work goes on', async () => (await sessionsOf(one, started.batchId)).some((r) => r.status === 'in_progress'))
    await one.core.authorization.batches.cancel(started.batchId)
    await until('the batch is cancelled in the database', async () => (await batchState(one, started.batchId)) === 'cancelled', 30_000)
    const rows = await sessionsOf(one, started.batchId)
    expect(rows.every((r) => TERMINAL.includes(r.status) && r.lease_until === null)).toBe(true)
    expect(rows.some((r) => r.status === 'cancelled')).toBe(true)
    await until('the second host shows it cancelled', () => two.core.authorization.batches.active().some((p) => p.id === started.batchId && p.state === 'cancelled'))
    // A cancelled session ends before its profile's stop does: the stops are awaited, not read at once.
    await until('every profile is stopped', () => Object.values(world.sandbox.gologin.stats().cloud.hosting.runningByEntrance).every((n) => n === 0))
  })
})
