/**
 * The workers as the panel runs them: started with the core, visible through `monitor:get`, runnable
 * through `workers:runNow`, following setting changes, and stopped with the core.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import type { MonitorSnapshot, WorkerStatusDto } from '../../../src/shared/contract/monitor'
import type { RequestChannel, RequestInput } from '../../../src/shared/ipc-contract'
import { tempDir } from '../../helpers/temp-dir'
import { hoursAgo, seedSession, sessionRow } from './session-fixtures'
import { databaseEnv } from '../../helpers/test-database'

const cores: Core[] = []
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close()
})

async function start(): Promise<Core> {
  const dataDir = tempDir()
  const core = await createCore({ dataDir, mode: 'browser', eventWindowMs: 5, logLevel: 'warn', env: await databaseEnv(dataDir) })
  cores.push(core)
  return core
}

async function call<T>(core: Core, channel: RequestChannel, input?: RequestInput<RequestChannel>): Promise<T> {
  const answer = await core.router.dispatch(channel, input, { transport: 'test' })
  if (!answer.success) throw Object.assign(new Error(answer.error ?? 'failed'), { code: answer.errorCode })
  return answer.data as T
}

describe('panel workers', () => {
  it('start with the core and show in monitor:get with their schedule', async () => {
    const core = await start()
    const snapshot = await call<MonitorSnapshot>(core, 'monitor:get', {})
    expect(snapshot).toMatchObject({ slotsInUse: 0, maxSlots: 10, activeProfiles: 0, pendingSessions: 0, alerts: [] })
    expect(snapshot.workers.map((w) => w.name)).toEqual(['sync', 'cleanup', 'token-refresh', 'monitor'])
    const byName = Object.fromEntries(snapshot.workers.map((w) => [w.name, w]))
    expect(byName.sync).toMatchObject({ running: true, intervalMs: 15 * 60_000 })
    expect(byName.cleanup).toMatchObject({ running: true, intervalMs: 60 * 60_000 })
    expect(byName.monitor).toMatchObject({ running: true, intervalMs: 60_000 })
    expect(byName['token-refresh']).toMatchObject({ running: true, intervalMs: 5 * 60_000 })
  })

  it('workers:runNow runs the cleanup at once and answers its status', async () => {
    const core = await start()
    // The start-up run first (runNow would hand back that run, begun before the session below existed).
    await vi.waitFor(() => expect(core.workers.statuses().find((w) => w.name === 'cleanup')).toMatchObject({ busy: false, lastRunAt: expect.any(String) }))
    const stale = await seedSession(core.db, { profileId: 'p1', status: 'in_progress', createdAt: hoursAgo(3), startedAt: hoursAgo(3) })
    const status = await call<WorkerStatusDto>(core, 'workers:runNow', { name: 'cleanup' })
    expect(status).toMatchObject({ name: 'cleanup', busy: false, lastError: null, lastRunAt: expect.any(String) })
    expect(await sessionRow(core.db, stale.sessionId)).toMatchObject({ status: 'timeout', errorMessage: 'Session timed out after 2 hours' })
    const refused = await core.router.dispatch('workers:runNow', { name: 'reboot' }, { transport: 'test' })
    expect(refused).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
  })

  it('applies a changed interval at once, and 0 turns the sync off', async () => {
    const core = await start()
    await core.settings.update({ syncIntervalMinutes: 0, cleanupIntervalMinutes: 30 })
    const byName = Object.fromEntries(core.workers.statuses().map((w) => [w.name, w]))
    expect(byName.sync).toMatchObject({ intervalMs: 0, nextRunAt: null })
    expect(byName.cleanup.intervalMs).toBe(30 * 60_000)
    expect(Date.parse(byName.cleanup.nextRunAt!)).toBeLessThanOrEqual(Date.now() + 30 * 60_000)
  })

  it('stop with the core', async () => {
    const core = await start()
    await core.close()
    expect(core.workers.statuses().map((w) => [w.name, w.running, w.nextRunAt])).toEqual([
      ['sync', false, null],
      ['cleanup', false, null],
      ['token-refresh', false, null],
      ['monitor', false, null],
    ])
  })
})
