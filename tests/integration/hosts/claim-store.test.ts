/**
 * The claim rules at the database (PostgreSQL, `ClaimStore` as every host uses it): a profile another host
 * holds is never claimed, two sessions of one account are never claimed at once (whichever hosts race), an
 * expired lease puts the session back with its history, a renewal keeps it, and a paused batch gives nothing.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { sidePool, type Database } from '../../../src/main/db'
import { ClaimStore } from '../../../src/main/services/automation/claims'
import { openTestDb, testLog } from '../db/test-db'

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close().catch(() => undefined)
})

async function world(): Promise<{
  db: Database
  host(id: string, leaseMs?: number, captureGraceMs?: number): ClaimStore
  batch(accounts: Array<[profileId: string, username: string]>, apiApp?: string): Promise<string>
}> {
  const db = await openTestDb()
  opened.push(db)
  return {
    db,
    host(id, leaseMs = 60_000, captureGraceMs) {
      const store = new ClaimStore({ pool: sidePool(db.dataSource, { max: 2, applicationName: id, onError: () => undefined }), hostId: id, leaseMs, captureGraceMs, log: testLog() })
      opened.push(store)
      return store
    },
    async batch(accounts, apiApp = 'APP') {
      const batchId = randomUUID()
      for (const [profileId, username] of accounts) {
        await db.dataSource.query(`INSERT INTO authorization_sessions (session_id, batch_id, profile_id, twitter_username, api_app, status, attempt) VALUES (?, ?, ?, ?, ?, 'pending', 1)`, [
          randomUUID(), batchId, profileId, username, apiApp,
        ])
      }
      await db.dataSource.query(`INSERT INTO batches (id, api_app, state, created_by) VALUES (?, ?, 'running', 'test')`, [batchId, apiApp])
      return batchId
    },
  }
}

describe('claims at the database', () => {
  it('never take a profile another host holds (running or stop unconfirmed), nor one this host’s slots hold', async () => {
    const w = await world()
    await w.db.dataSource.query(`INSERT INTO profiles (profile_id, profile_name, in_use, in_use_by) VALUES ('p-1', 'one', TRUE, 'host-b'), ('p-2', 'two', TRUE, 'host-a')`)
    await w.batch([['p-1', 'alice'], ['p-2', 'bob'], ['p-3', 'carol']])
    const a = w.host('host-a')
    // p-1: host B holds it; p-3: this host's slots still hold it; p-2's flag is this host's own.
    expect((await a.claimNext(['p-3']))?.profileId).toBe('p-2')
    expect(await a.claimNext(['p-3'])).toBeNull()
    expect((await a.claimNext([]))?.profileId).toBe('p-3')
    await w.db.dataSource.query(`UPDATE profiles SET in_use = FALSE, in_use_by = NULL WHERE profile_id = 'p-1'`)
    expect((await a.claimNext([]))?.profileId).toBe('p-1')
  })

  it('claim one session of an account at a time across batches and hosts (any case of the username), the next once it ends', async () => {
    const w = await world()
    await w.batch([['p-1', 'Alice']])
    // The same account for another API app (one app's session per account is all the database keeps live).
    await w.batch([['p-9', 'alice']], 'APP2')
    const hosts = [w.host('host-a'), w.host('host-b'), w.host('host-c')]
    const claimed = (await Promise.all(hosts.map((h) => h.claimNext([])))).filter((job) => job !== null)
    expect(claimed).toHaveLength(1)
    await w.db.dataSource.query(`UPDATE authorization_sessions SET status = 'completed', lease_until = NULL WHERE session_id = ?`, [claimed[0]!.sessionId])
    expect((await hosts[0].claimNext([]))?.username.toLowerCase()).toBe('alice')
  })

  it('put a session whose lease expired back in the queue with its history; a renewed lease stays', async () => {
    const w = await world()
    await w.batch([['p-1', 'alice'], ['p-2', 'bob']])
    const dying = w.host('dying', 1_000)
    const living = w.host('living', 1_000)
    const lost = (await dying.claimNext([]))!
    const kept = (await living.claimNext([]))!
    await w.db.dataSource.query(`UPDATE authorization_sessions SET status = 'in_progress', step = 'connecting' WHERE session_id IN (?, ?)`, [lost.sessionId, kept.sessionId])
    // Only the living host renews; the sweep runs once the dying host's lease has run out.
    let back: Awaited<ReturnType<ClaimStore['requeueExpired']>> = []
    const deadline = Date.now() + 10_000
    while (!back.length && Date.now() < deadline) {
      expect(await living.renew([{ sessionId: kept.sessionId, claim: kept.claim! }])).toEqual(new Set([kept.sessionId]))
      back = await living.requeueExpired()
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(back).toEqual([{ sessionId: lost.sessionId, batchId: lost.batchId, profileId: lost.profileId, host: 'dying' }])
    const rows: Array<Record<string, unknown>> = await w.db.dataSource.query(
      `SELECT session_id, status, step, claimed_by, claims, requeues, error_code, CASE WHEN lease_until IS NULL THEN 1 ELSE 0 END AS unleased FROM authorization_sessions ORDER BY id`,
    )
    expect(rows.find((r) => r.session_id === lost.sessionId)).toMatchObject({ status: 'pending', step: null, claimed_by: 'dying', claims: 1, requeues: 1, error_code: 'INTERRUPTED', unleased: 1 })
    expect(rows.find((r) => r.session_id === kept.sessionId)).toMatchObject({ status: 'in_progress', claimed_by: 'living', requeues: 0, unleased: 0 })
    // The dying host's renewal finds nothing of its own any more; another host takes the session.
    expect(await dying.renew([{ sessionId: lost.sessionId, claim: lost.claim! }])).toEqual(new Set())
    const again = (await living.claimNext([]))!
    expect(again.sessionId).toBe(lost.sessionId)
    // The claim number grows with every claim: the fencing token of the new holder.
    expect(again.claim).toBe(lost.claim! + 1)
    // The old holder's claim number no longer renews, hands back or writes anything.
    expect(await dying.handBack({ sessionId: lost.sessionId, claim: lost.claim! }, 'stale')).toBe(false)
    expect(await living.renew([{ sessionId: again.sessionId, claim: lost.claim! }])).toEqual(new Set())
  })

  it('keep a session that may have been approved (consent page onwards) with its host for the capture grace past its lease', async () => {
    const w = await world()
    await w.batch([['p-1', 'alice'], ['p-2', 'bob']])
    const dying = w.host('dying', 1_000, 4_000)
    const approving = (await dying.claimNext([]))!
    const starting = (await dying.claimNext([]))!
    await w.db.dataSource.query(`UPDATE authorization_sessions SET status = 'in_progress', step = 'exchanging' WHERE session_id = ?`, [approving.sessionId])
    await w.db.dataSource.query(`UPDATE authorization_sessions SET status = 'in_progress', step = 'connecting' WHERE session_id = ?`, [starting.sessionId])
    const other = w.host('other', 1_000, 4_000)
    const firstBack = Date.now()
    let back: Awaited<ReturnType<ClaimStore['requeueExpired']>> = []
    while (!back.length) {
      back = await other.requeueExpired()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // The attempt that had not reached X yet comes back after the lease alone.
    expect(back.map((b) => b.sessionId)).toEqual([starting.sessionId])
    let later: typeof back = []
    while (!later.length) {
      later = await other.requeueExpired()
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(later.map((b) => b.sessionId)).toEqual([approving.sessionId])
    expect(Date.now() - firstBack).toBeGreaterThanOrEqual(3_000)
  })

  it('give nothing from a paused batch, and cancel its unclaimed sessions once it is cancelling', async () => {
    const w = await world()
    const batchId = await w.batch([['p-1', 'alice'], ['p-2', 'bob']])
    const a = w.host('host-a')
    expect(await a.setState(batchId, 'paused', ['running'])).toBe(true)
    expect(await a.claimNext([])).toBeNull()
    expect(await a.setState(batchId, 'running', ['paused'])).toBe(true)
    const running = (await a.claimNext([]))!
    expect(await a.setState(batchId, 'cancelling', ['running', 'paused'])).toBe(true)
    const cancelled = await a.cancelQueued({ code: 'CANCELLED', message: 'The batch was cancelled.' })
    expect(cancelled.map((c) => c.profileId)).toEqual([running.profileId === 'p-1' ? 'p-2' : 'p-1'])
    expect(await a.finishDrained()).toEqual([])
    await w.db.dataSource.query(`UPDATE authorization_sessions SET status = 'cancelled', lease_until = NULL WHERE session_id = ?`, [running.sessionId])
    expect(await a.finishDrained()).toEqual([{ id: batchId, state: 'cancelled' }])
  })
})
