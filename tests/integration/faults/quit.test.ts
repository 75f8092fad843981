/**
 * Fault matrix, quitting: during a 40,000-profile sync, and in the middle of a batch. Quitting stays within
 * its bound (no close step runs out of time), loses no token X issued, and leaves no browser running that
 * the journal does not name.
 */
import { describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { panelWorld, type PanelWorld } from '../authorization/panel-world'
import { journal } from './harness'

/** Close steps that ran out of their share of the shutdown bound. */
function timedOutSteps(world: PanelWorld): unknown[] {
  return world.core.logs.ring
    .recent()
    .filter((entry) => entry.event === 'shutdown.step_timeout')
    .map((entry) => entry.fields?.step)
}

describe('fault matrix: quitting', () => {
  it('quit during a 40,000-profile sync: the sync stops between two pages and quitting stays within its bound', { timeout: 180_000 }, async () => {
    const world = await panelWorld({ profiles: 40_000, core: { shutdownTimeoutMs: 5_000 } })
    // The sync worker syncs at start-up: 1,334 pages at the client's request rate, about 11 minutes.
    await vi.waitFor(() => expect(world.core.gologinService.syncStatus().pagesDone).toBeGreaterThanOrEqual(2), { timeout: 60_000, interval: 20 })

    await world.core.close()

    expect(timedOutSteps(world)).toEqual([])
    const sync = world.core.gologinService.syncStatus()
    expect(sync).toMatchObject({ running: false, errorCode: 'INTERRUPTED' })
    expect(sync.pagesDone).toBeLessThan(sync.pagesTotal ?? Number.POSITIVE_INFINITY)
    expect(world.core.db.dataSource.isInitialized).toBe(false)
  })

  it('quit mid-batch: finished accounts keep exactly the tokens X issued, the rest end cancelled, every browser is stopped', { timeout: 180_000 }, async () => {
    const slow = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`user${String(i + 2).padStart(5, '0')}`, 'slow' as const]))
    const world = await panelWorld({ profiles: 8, behaviours: slow, slowConsentDelayMs: 10 * 60_000, env: { MAX_CONCURRENT_PROFILES: '4' }, core: { shutdownTimeoutMs: 8_000 } })
    const accounts = world.sandbox.accounts()
    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await world.untilProgress(started.batchId, (p) => p.succeeded === 2 && p.running === 4)
    await vi.waitFor(() => expect(world.sandbox.gologin.browsers()).toHaveLength(4), { timeout: 60_000 })

    await world.core.close()

    expect(timedOutSteps(world)).toEqual([])
    expect(world.sandbox.gologin.browsers()).toEqual([])
    expect(journal(world.dataDir)).toEqual([])
    // What the operator sees next time: every session final, and each token X issued stored as issued.
    const keys = new FileKeyStore({ dir: world.dataDir, log: new LogSystem({ dir: null }).logger('k') })
    const db = await openDatabase({ dataDir: world.dataDir, keyStore: keys, log: new LogSystem({ dir: null }).logger('db') })
    try {
      const rows: Array<{ session_id: string; status: string; twitter_username: string }> = await db.dataSource.query(
        'SELECT session_id, status, twitter_username FROM authorization_sessions WHERE batch_id = ?',
        [started.batchId],
      )
      expect(rows.filter((row) => !['completed', 'cancelled'].includes(row.status))).toEqual([])
      expect(rows.filter((row) => row.status === 'completed')).toHaveLength(2)
      const stored = await db.dataSource.getRepository('AuthorizationSessionEntity').findBy({ batchId: started.batchId, status: 'completed' })
      const issued = world.sandbox.issuedTokens()
      expect(issued).toHaveLength(2)
      for (const token of issued) expect(stored.find((row) => row.accessToken === token.accessToken)).toMatchObject({ refreshToken: token.refreshToken })
    } finally {
      await db.close()
    }
  })
})
