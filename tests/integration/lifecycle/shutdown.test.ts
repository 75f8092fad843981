/**
 * Quitting (issue 6): workers stop, the running batch is cancelled cleanly, every started profile is
 * stopped and the database is closed; a close step that hangs cannot hold the rest back.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../../../src/main/db'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { LogSystem } from '../../../src/main/logging/logger'
import { runShutdown } from '../../../src/main/services/lifecycle'
import { chromiumUnder, panelWorld } from '../authorization/panel-world'
import { until } from './panel-process'

afterEach(() => vi.useRealTimers())

describe('closing the panel', () => {
  it('stops the workers, cancels the running batch, stops every profile and closes the database', async () => {
    const world = await panelWorld({ profiles: 6, consentDelayMs: 10 * 60_000, env: { MAX_CONCURRENT_PROFILES: '3' } })
    const { core, sandbox, dataDir } = world
    const profiles = await world.call('profiles:list', {})
    const started = await world.call('batch:start', { profileIds: profiles.rows.map((row) => row.id), apiApp: 'SANDBOX1' })
    await until('three browsers run', () => sandbox.gologin.browsers().length === 3)
    expect(core.workers.statuses().every((status) => status.running)).toBe(true)

    await core.close()

    expect(core.workers.statuses().every((status) => !status.running && !status.busy)).toBe(true)
    expect(sandbox.gologin.browsers()).toEqual([])
    expect(core.db.dataSource.isInitialized).toBe(false)
    expect(fs.existsSync(path.join(dataDir, 'started-profiles.json'))).toBe(false)
    // Reopen the data to see what the operator will see next time: nothing left running or queued.
    const db = await openDatabase({ dataDir, keyStore: new FileKeyStore({ dir: dataDir, log: new LogSystem({ dir: null }).logger('k') }), log: new LogSystem({ dir: null }).logger('db') })
    try {
      const open: unknown[] = await db.dataSource.query(`SELECT session_id FROM authorization_sessions WHERE batch_id = ? AND status IN ('pending', 'in_progress')`, [started.batchId])
      expect(open).toEqual([])
      expect(await db.dataSource.query(`SELECT COUNT(*) AS n FROM profiles WHERE in_use = TRUE`)).toEqual([{ n: 0 }])
    } finally {
      await db.close()
    }
    await world.close()
    expect(chromiumUnder(dataDir)).toEqual([])
  }, 90_000)

  it('gives each step what is left of the deadline and goes on past one that hangs', async () => {
    vi.useFakeTimers()
    const log = new LogSystem({ dir: null })
    const ran: string[] = []
    const shutdown = runShutdown(
      [
        { name: 'workers', run: () => void ran.push('workers') },
        { name: 'batches', run: () => new Promise(() => ran.push('batches (hangs)')) },
        { name: 'profiles', run: async () => void ran.push('profiles') },
        {
          name: 'broken',
          run: () => {
            throw new Error('boom')
          },
        },
      ],
      { deadlineMs: 8_000, log: log.logger('core'), minStepMs: 500 },
    )
    await vi.advanceTimersByTimeAsync(8_000)
    const report = await shutdown
    expect(ran).toEqual(['workers', 'batches (hangs)', 'profiles'])
    expect(report).toMatchObject({ timedOut: ['batches'], failed: ['broken'] })
    expect(log.ring.recent().map((e) => e.event)).toEqual(['shutdown.step_timeout', 'shutdown.step_failed'])
  })
})
