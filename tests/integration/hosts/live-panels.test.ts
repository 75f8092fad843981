/**
 * Every panel is live for every host (issue 19, row 5): on one PostgreSQL database, a panel's event hub pushes the
 * sessions another host runs (and their profiles' authorization cells) within 2 s of each change, so what the panel
 * shows after the batch, built from its first list and the patches alone, equals what a reload shows.
 * The panel here cannot reach GoLogin (it takes no work), so every session of the batch is the worker's.
 */
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import type { ProfileRow } from '../../../src/shared/contract/profiles'
import type { SessionRow } from '../../../src/shared/contract/sessions'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { claimWorld, sessionsOf, until, type ClaimHost } from './claims-world'

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']

async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A panel's view as its renderer keeps it: the first lists, then every pushed patch merged by id (with when it came). */
async function panelView(host: ClaimHost) {
  const sessions = new Map<string, SessionRow>((await host.core.authorization.sessions.list({ limit: 1_000 })).rows.map((row) => [row.id, row]))
  const profiles = new Map<string, ProfileRow>((await host.core.gologinService.listProfiles({ cursor: 0, limit: 1_000 })).rows.map((row) => [row.id, row]))
  /** When each session's `completed` patch arrived. */
  const completedAt = new Map<string, number>()
  let profilePatches = 0
  host.core.events.subscribe((batches: EventBatch[]) => {
    for (const batch of batches) {
      if (batch.channel === 'sessions') {
        for (const patch of (batch as EventBatch<'sessions'>).items) {
          sessions.set(patch.id, { ...sessions.get(patch.id), ...patch } as SessionRow)
          if (patch.status === 'completed' && !completedAt.has(patch.id)) completedAt.set(patch.id, Date.now())
        }
      } else if (batch.channel === 'profiles') {
        for (const patch of (batch as EventBatch<'profiles'>).items) {
          profilePatches++
          profiles.set(patch.id, { ...profiles.get(patch.id)!, ...patch })
        }
      }
    }
  })
  return { sessions, profiles, completedAt, profilePatches: () => profilePatches }
}

describe('panels live for every host', () => {
  it('a panel receives the sessions another host runs, each ending completed within 2 s, and ends showing what a reload shows', { timeout: 120_000 }, async () => {
    const world = await claimWorld()
    const panel = await world.host('panel', { prepare: true, env: { GOLOGIN_API_URL: `http://127.0.0.1:${await closedPort()}` } })
    const worker = await world.host('worker', { slots: 3 })
    const view = await panelView(panel)
    const accounts = world.sandbox.accounts().slice(0, 6)

    const started = await worker.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    expect(started.queued).toBe(6)
    await until('every session ended', async () => (await sessionsOf(worker, started.batchId)).every((row) => TERMINAL.includes(row.status)), 90_000)
    const ran = await sessionsOf(worker, started.batchId)
    expect(ran.map((row) => [row.status, row.claimed_by])).toEqual(accounts.map(() => ['completed', 'worker']))
    await until('the panel has every completion', () => ran.every((row) => view.completedAt.has(row.session_id)), 5_000)

    // Each completion reached the panel within 2 s of the worker writing it.
    const written: Array<{ session_id: string; completed_at: string }> = await worker.core.db.dataSource.query(
      `SELECT session_id, completed_at FROM authorization_sessions WHERE batch_id = ?`,
      [started.batchId],
    )
    for (const row of written) {
      const lag = view.completedAt.get(row.session_id)! - new Date(row.completed_at).getTime()
      expect(lag, `session ${row.session_id}`).toBeLessThan(2_000)
    }
    expect(view.profilePatches()).toBeGreaterThan(0)

    // What the panel shows equals a reload: the Sessions page and the grid's authorization cells (the checks below say which row differs).
    await until('the last patches are in', async () => {
      const reload = (await panel.core.authorization.sessions.list({ limit: 1_000 })).rows
      return reload.every((row) => JSON.stringify(row) === JSON.stringify(view.sessions.get(row.id)))
    }, 3_000).catch(() => undefined)
    const reload = (await panel.core.authorization.sessions.list({ limit: 1_000 })).rows
    expect(reload.length).toBe(6)
    for (const row of reload) expect(view.sessions.get(row.id)).toEqual(row)
    const grid = (await panel.core.gologinService.listProfiles({ cursor: 0, limit: 1_000 })).rows
    for (const row of grid) expect(view.profiles.get(row.id)).toEqual(row)
    for (const account of accounts) expect(view.profiles.get(account.profileId)).toMatchObject({ lastStatus: 'completed', tokenStatus: 'valid' })
  })
})
