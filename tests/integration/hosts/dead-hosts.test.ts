/**
 * A dead host's work finishes elsewhere (issue 19, rows 2 and 6): a host that dies mid-batch with its cloud
 * browsers running (its own stops never reach GoLogin) is declared dead by a live host once silent past "host is
 * dead after"; its browsers are stopped in GoLogin, its profiles released, and its accounts finish on the live
 * host. Before that, the batch bar names the host the accounts wait for; the operator can release it at once.
 * PostgreSQL only.
 */
import { describe, expect, it } from 'vitest'
import type { Core } from '../../../src/main/core'
import { claimWorld, sessionsOf, until, type ClaimHost, type ClaimWorld } from './claims-world'

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']
const LEASE_MS = 5_000

async function allEnded(host: ClaimHost, batchId: string): Promise<boolean> {
  const rows = await sessionsOf(host, batchId)
  return rows.length > 0 && rows.every((row) => TERMINAL.includes(row.status))
}

async function heldBy(host: ClaimHost, hostId: string): Promise<string[]> {
  const rows: Array<{ profile_id: string }> = await host.core.db.dataSource.query(`SELECT profile_id FROM profiles WHERE in_use = TRUE AND in_use_by = ?`, [hostId])
  return rows.map((row) => row.profile_id)
}

/** A host dies with two attempts on X's consent page: no heartbeat, no write, and its own GoLogin stops fail. */
async function dieMidBatch(world: ClaimWorld, deadAfterMs: number): Promise<{ doomed: ClaimHost; batchId: string; held: string[] }> {
  const doomed = await world.host('doomed', { prepare: true, core: { hostDeadAfterMs: deadAfterMs } })
  const accounts = world.sandbox.accounts().slice(0, 4)
  const started = await doomed.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
  await until('the doomed host runs two attempts', async () => (await sessionsOf(doomed, started.batchId)).filter((r) => r.step === 'consent' && r.claimed_by === 'doomed').length === 2)
  const held = await heldBy(doomed, 'doomed')
  expect(held).toHaveLength(2)
  // As a SIGKILL would leave it: the browsers keep running in GoLogin's cloud and the profiles stay flagged as its.
  world.sandbox.gologin.failNextRequests(1_000_000, 503, 'doomed')
  doomed.core.authorization.batches.halt()
  return { doomed, batchId: started.batchId, held }
}

function release(core: Core, hostId: string) {
  return core.router.dispatch('hosts:release', { hostId }, { transport: 'test' })
}

describe('a dead host', () => {
  it('is declared dead once silent past "host is dead after": its cloud browsers stopped, its profiles released, its accounts finished on the live host', { timeout: 120_000 }, async () => {
    const deadAfterMs = 6_000
    const world = await claimWorld({ consentDelayMs: 1_500, leaseMs: LEASE_MS })
    const { batchId, held } = await dieMidBatch(world, deadAfterMs)
    const diedAt = Date.now()
    expect(world.sandbox.gologin.stats().cloud.hosting.runningByEntrance.doomed).toBe(2)

    const survivor = await world.host('survivor', { core: { hostDeadAfterMs: deadAfterMs } })
    const takenOver = async () => (await sessionsOf(survivor, batchId)).filter((row) => held.includes(row.profile_id) && row.claimed_by === 'survivor').length === 2
    await until('the survivor claims the dead host\'s accounts', takenOver, 60_000).catch(async (error: unknown) => {
      console.log('rows', JSON.stringify(await sessionsOf(survivor, batchId)), 'hosts', JSON.stringify(await survivor.core.db.dataSource.query('SELECT host_id, heartbeat_at, declared_dead_at FROM hosts')))
      console.log(survivor.core.logs.ring.since(0).filter((l) => l.level !== 'debug').map((l) => `${l.level} ${l.event} ${l.msg ?? ''}`).join('\n'))
      throw error
    })
    const tookMs = Date.now() - diedAt
    expect(tookMs, 'the dead host\'s accounts are taken over within "dead after" + a lease').toBeLessThanOrEqual(deadAfterMs + LEASE_MS)
    await until('every session ended', () => allEnded(survivor, batchId), 60_000)

    const rows = await sessionsOf(survivor, batchId)
    expect(rows.map((row) => row.status)).toEqual(Array(4).fill('completed'))
    expect(rows.filter((row) => held.includes(row.profile_id)).every((row) => row.claimed_by === 'survivor' && row.requeues === 1)).toBe(true)
    expect(await heldBy(survivor, 'doomed')).toEqual([])
    expect(world.sandbox.issuedTokens().length).toBe(4)
    // GoLogin's side: the dead host's browsers were stopped (by the survivor), never two hosts on one profile.
    await until('the survivor stopped its last profile', () => world.sandbox.gologin.stats().cloud.hosting.runningByEntrance.survivor === 0)
    const hosting = world.sandbox.gologin.stats().cloud.hosting
    expect(hosting.runningByEntrance.doomed).toBe(0)
    expect(hosting.maxEntrancesPerProfile).toBe(1)

    // The Hosts page: offline, declared dead, 2 profiles released.
    const overview = await survivor.core.router.dispatch('hosts:list', {}, { transport: 'test' })
    const dead = (overview.data as { hosts: Array<Record<string, unknown>> }).hosts.find((h) => h.hostId === 'doomed')
    expect(dead).toMatchObject({ online: false, profilesReleased: 2, profilesHeld: 0 })
    expect(typeof dead?.declaredDeadAt).toBe('string')
  })

  it('keeps its profiles until then, the batch bar says which host its accounts wait for, and "Release this host\'s profiles" frees them at once', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 1_500, leaseMs: LEASE_MS })
    // Never declared dead in this test: only the operator's release frees the profiles.
    const { batchId, held } = await dieMidBatch(world, 600_000)
    const survivor = await world.host('survivor', { core: { hostDeadAfterMs: 600_000 } })

    // The two accounts of the live host finish; the dead host's two wait, and the bar says for whom.
    await until('the batch bar names the offline host', () =>
      survivor.core.authorization.batches.active().some((p) => p.id === batchId && p.succeeded === 2 && p.waitsFor?.some((w) => w.hostId === 'doomed' && w.accounts === 2)),
    )
    const waiting = survivor.core.authorization.batches.active().find((p) => p.id === batchId)!
    expect(waiting.etaMs).toBeNull()
    expect(waiting.succeeded).toBe(2)
    expect(await heldBy(survivor, 'doomed')).toHaveLength(2)
    const rowsBefore = await sessionsOf(survivor, batchId)
    expect(rowsBefore.filter((row) => held.includes(row.profile_id)).map((row) => row.status)).toEqual(['pending', 'pending'])

    // Refused for the live host itself; done at once for the offline one.
    expect(await release(survivor.core, 'survivor')).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    const released = await release(survivor.core, 'doomed')
    expect(released).toMatchObject({ success: true, data: { hostId: 'doomed', released: 2, notStopped: 0 } })
    expect(await heldBy(survivor, 'doomed')).toEqual([])
    expect(world.sandbox.gologin.stats().cloud.hosting.runningByEntrance.doomed).toBe(0)

    await until('every session ended', () => allEnded(survivor, batchId), 30_000)
    expect((await sessionsOf(survivor, batchId)).map((row) => row.status)).toEqual(Array(4).fill('completed'))
    await until('the batch bar no longer waits', () => survivor.core.authorization.batches.active().some((p) => p.id === batchId && !p.waitsFor && p.state === 'finished'))
  })
})
