/**
 * The monitor against a real database on fake timers: figures each interval on the `monitor` event,
 * alerts when thresholds are crossed with one notice when an alert starts (not every minute), and a
 * live refresh of the slot figures between runs.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EventHub } from '../../../src/main/ipc/event-hub'
import { LogSystem } from '../../../src/main/logging/logger'
import { MonitorWorker } from '../../../src/main/workers/monitor-worker'
import type { MonitorSnapshot, WorkerStatusDto } from '../../../src/shared/contract/monitor'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { openTestDb } from '../db/test-db'
import { seedSession, seedToken } from './session-fixtures'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  vi.useRealTimers()
  for (const db of open.splice(0)) await db.close()
})

async function setup(options: { failureRate?: number; failuresPerHour?: number; workers?: () => WorkerStatusDto[] } = {}) {
  const real = await openTestDb()
  open.push(real)
  const health = { broken: false }
  // The database as the monitor sees it: `broken` makes every read fail (as a locked or vanished file would).
  const db = {
    get dataSource() {
      if (health.broken) throw new Error('database is locked')
      return real.dataSource
    },
  }
  const events = new EventHub(1)
  const pushed: EventBatch[] = []
  events.subscribe((batches) => pushed.push(...batches))
  const slotState = { slotsInUse: 0, maxConcurrent: 10, running: [] as string[], unstopped: [] as string[] }
  const listeners: Array<() => void> = []
  const slots = {
    figures: () => ({ slotsInUse: slotState.slotsInUse, maxConcurrent: slotState.maxConcurrent }),
    running: () => slotState.running,
    list: () => slotState.unstopped.map((profileId) => ({ profileId, phase: 'stop_failed' as const, stopAttempts: 2, lastStopError: 'GoLogin answered 500', nextStopAt: null })),
    change(next: Partial<typeof slotState>) {
      Object.assign(slotState, next)
      for (const listener of listeners) listener()
    },
  }
  const gologin = { revoked: false, status: () => ({ hasToken: true, tokenRevoked: gologin.revoked }) }
  const monitor = new MonitorWorker({
    db,
    slots,
    gologin,
    workers: options.workers ?? (() => []),
    intervalSeconds: () => 60,
    thresholds: () => ({ failureRatePercent: options.failureRate ?? 20, failuresPerHour: options.failuresPerHour ?? 50 }),
    events,
    log: new LogSystem({ dir: null }).logger('monitor'),
    hostId: 'host-1',
  })
  listeners.push(() => monitor.pushLive())
  const items = <T>(channel: string): T[] => {
    events.flush()
    return pushed.filter((batch) => batch.channel === channel).flatMap((batch) => batch.items as T[])
  }
  return { db: real, monitor, slots, gologin, items, health }
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

/**
 * Advances the fake clock, then lets a run it started finish its reads. Only timeouts are faked, so this
 * waits on real I/O turns (PostgreSQL answers over a socket; SQLite reads before the first turn).
 */
async function advance(monitor: MonitorWorker, ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  while (monitor.status().busy) await new Promise((resolve) => setImmediate(resolve))
}

async function seedFinished(db: TestDb, status: 'completed' | 'failed' | 'timeout', count: number, minutes = 10) {
  for (let i = 0; i < count; i++) {
    await seedSession(db, { profileId: `${status}-${i}-${minutes}`, status, createdAt: minutesAgo(minutes + 1), completedAt: minutesAgo(minutes) })
  }
}

describe('MonitorWorker', () => {
  it('reports queue, running, failures in the last hour, failure rate and tokens expiring within the hour', async () => {
    const { db, monitor, slots } = await setup()
    await seedSession(db, { profileId: 'q1', status: 'pending' })
    await seedSession(db, { profileId: 'q2', status: 'pending' })
    await seedSession(db, { profileId: 'r1', status: 'in_progress' })
    await seedFinished(db, 'completed', 6)
    await seedFinished(db, 'failed', 1)
    await seedFinished(db, 'timeout', 1)
    await seedFinished(db, 'failed', 3, 90) // more than an hour ago: not counted
    await seedSession(db, { profileId: 'c1', status: 'cancelled', completedAt: minutesAgo(5) })
    const authorized = minutesAgo(180)
    await seedToken(db, { profileId: 't1', twitterUsername: 'soon', completedAt: authorized, expiresAt: new Date(Date.now() + 30 * 60_000) })
    await seedToken(db, { profileId: 't2', twitterUsername: 'later', completedAt: authorized, expiresAt: new Date(Date.now() + 100 * 60_000) })
    await seedToken(db, { profileId: 't3', twitterUsername: 'gone', completedAt: authorized, expiresAt: new Date(Date.now() - 60_000) })
    slots.change({ slotsInUse: 3, running: ['r1', 'x'] })

    const snapshot = await monitor.snapshot()

    expect(snapshot).toMatchObject({
      activeProfiles: 2,
      slotsInUse: 3,
      maxSlots: 10,
      pendingSessions: 2,
      runningSessions: 1,
      failuresLastHour: 2,
      failureRatePercent: 25,
      tokensExpiringNextHour: 1,
      alerts: [],
    })
  })

  it('pushes figures at start and each interval, alerts once when a threshold is crossed, again after it cleared', async () => {
    const { db, monitor, items } = await setup({ failuresPerHour: 3 })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    monitor.start()
    await advance(monitor, 0)
    expect(items<MonitorSnapshot>('monitor')).toHaveLength(1)

    await seedFinished(db, 'failed', 4)
    await advance(monitor, 60_000)
    const second = items<MonitorSnapshot>('monitor').at(-1)!
    expect(second.failuresLastHour).toBe(4)
    // 4 attempts are too few for a rate; 4 failures are above 3 per hour.
    expect(second.alerts.map((a) => a.code)).toEqual(['FAILURES_PER_HOUR'])
    const notices = () => items<{ title: string; level: string; body: string }>('notice')
    expect(notices()).toEqual([
      expect.objectContaining({
        title: 'Many failed authorizations',
        level: 'error',
        body: expect.stringContaining('4 authorizations failed in the last hour'),
        // The same notice goes to the webhook targets, under the fleet's key.
        alert: { kind: 'failure_rate', key: 'FAILURES_PER_HOUR' },
      }),
    ])

    await advance(monitor, 5 * 60_000)
    expect(items<MonitorSnapshot>('monitor').length).toBeGreaterThanOrEqual(3)
    expect(notices()).toHaveLength(1)

    await db.dataSource.query(`UPDATE authorization_sessions SET completed_at = '2000-01-01 00:00:00.000'`)
    await advance(monitor, 60_000)
    expect(items<MonitorSnapshot>('monitor').at(-1)!.alerts).toEqual([])
    await seedFinished(db, 'failed', 4)
    await advance(monitor, 60_000)
    expect(notices()).toHaveLength(2)
    await monitor.stop()
  })

  it('raises one notice (and webhook alert) naming the profiles GoLogin has not confirmed stopped, each once while it lasts', async () => {
    const { monitor, slots, items } = await setup()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    slots.change({ unstopped: ['p-1', 'p-2'] })
    monitor.start()
    await advance(monitor, 0)
    await advance(monitor, 60_000)
    slots.change({ unstopped: ['p-1', 'p-2', 'p-3'] })
    await advance(monitor, 60_000)
    const notices = items<{ title: string; body: string; alert?: { kind: string; key: string } }>('notice')
    expect(notices.map((n) => [n.title, n.alert])).toEqual([
      ['Profiles not stopped', { kind: 'profiles_not_stopped', key: 'profiles-not-stopped:host-1:p-1,p-2' }],
      ['Profiles not stopped', { kind: 'profiles_not_stopped', key: 'profiles-not-stopped:host-1:p-3' }],
    ])
    expect(notices[0].body).toContain('2 profiles on host host-1 stopped (p-1, p-2)')
    await monitor.stop()
  })

  it('retries a failed reading after a back-off and keeps running', async () => {
    const { monitor, items, health } = await setup()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    health.broken = true
    monitor.start()
    await advance(monitor, 0)
    expect(monitor.status()).toMatchObject({ running: true, consecutiveFailures: 1, lastError: 'database is locked' })
    expect(items('monitor')).toHaveLength(0)
    await advance(monitor, 10_000)
    expect(monitor.status().consecutiveFailures).toBe(2)
    health.broken = false
    await advance(monitor, 20_000)
    expect(monitor.status()).toMatchObject({ consecutiveFailures: 0, lastError: null })
    expect(items('monitor')).toHaveLength(1)
    await advance(monitor, 60_000)
    expect(items('monitor')).toHaveLength(2)
    await monitor.stop()
    await advance(monitor, 10 * 60_000)
    expect(items('monitor')).toHaveLength(2)
  })

  it('does not call a handful of attempts a failure rate', async () => {
    const { db, monitor } = await setup({ failureRate: 20 })
    await seedFinished(db, 'failed', 2)
    await seedFinished(db, 'completed', 1)
    const snapshot = await monitor.snapshot()
    expect(snapshot.failureRatePercent).toBeCloseTo(66.7)
    expect(snapshot.alerts).toEqual([])
    await seedFinished(db, 'failed', 1, 20)
    await seedFinished(db, 'completed', 6, 20)
    // 3 of 10: 30 % > 20 %.
    expect((await monitor.snapshot()).alerts.map((a) => a.code)).toEqual(['FAILURE_RATE'])
  })

  it('pushes the slot figures live when the slots change, without waiting for the next run', async () => {
    const { monitor, slots, items } = await setup()
    await monitor.snapshot()
    slots.change({ slotsInUse: 4, running: ['a', 'b', 'c'] })
    expect(items<MonitorSnapshot>('monitor').at(-1)).toMatchObject({ slotsInUse: 4, activeProfiles: 3, maxSlots: 10 })
    slots.change({ slotsInUse: 0, running: [], maxConcurrent: 12 })
    expect(items<MonitorSnapshot>('monitor').at(-1)).toMatchObject({ slotsInUse: 0, activeProfiles: 0, maxSlots: 12 })
  })

  it('counts again moments after sessions change status, and drops a failure from Failed/h when it leaves the hour', async () => {
    const { db, monitor, items } = await setup()
    monitor.start()
    await vi.waitFor(() => expect(items<MonitorSnapshot>('monitor')).toHaveLength(1))
    await seedSession(db, { profileId: 'q1', status: 'pending' })
    await seedSession(db, { profileId: 'f1', status: 'failed', createdAt: minutesAgo(61), completedAt: new Date(Date.now() - 3_600_000 + 1_500) })
    monitor.sessionsChanged()
    await vi.waitFor(() => expect(items<MonitorSnapshot>('monitor').at(-1)).toMatchObject({ pendingSessions: 1, failuresLastHour: 1 }), { timeout: 1_000 })
    // Moments later the failure is more than an hour old: Failed/h drops then, not at the next minute's run.
    await vi.waitFor(() => expect(items<MonitorSnapshot>('monitor').at(-1)).toMatchObject({ pendingSessions: 1, failuresLastHour: 0 }), { timeout: 4_000 })
    expect(items<MonitorSnapshot>('monitor').length).toBeLessThanOrEqual(4)
    await monitor.stop()
  })

  it('reports a revoked GoLogin token and a failing worker as alerts', async () => {
    const failing: WorkerStatusDto = {
      name: 'token-refresh', running: true, busy: false, intervalMs: 300_000, lastRunAt: null, lastDurationMs: null,
      nextRunAt: null, lastError: 'X unreachable', consecutiveFailures: 3,
    }
    const { monitor, gologin, items } = await setup({ workers: () => [failing] })
    gologin.revoked = true
    const snapshot = await monitor.snapshot()
    expect(snapshot.alerts).toEqual([
      expect.objectContaining({ code: 'GOLOGIN_TOKEN_REVOKED', level: 'error' }),
      expect.objectContaining({ code: 'WORKER_FAILING', message: 'Token refresh failed 3 times in a row: X unreachable' }),
    ])
    expect(snapshot.workers).toEqual([failing])
    // The GoLogin runtime raises its own notice when the token is revoked: only the worker one here.
    expect(items<{ title: string }>('notice').map((n) => n.title)).toEqual(['Background task failing'])
  })

  it('warns about tokens that expire within the hour and cannot be refreshed', async () => {
    const { db, monitor } = await setup()
    await seedToken(db, { profileId: 't1', twitterUsername: 'norefresh', refreshToken: null, expiresAt: new Date(Date.now() + 20 * 60_000) })
    const [alert] = (await monitor.snapshot()).alerts
    expect(alert).toMatchObject({ code: 'TOKENS_EXPIRING', level: 'warn' })
    expect(alert.message).toContain('1 token expires within the hour without a refresh token')
  })
})
