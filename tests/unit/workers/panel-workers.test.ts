/**
 * The four workers on fake timers: each runs on its interval (from the settings), retries a failed
 * iteration after a back-off without dying, and `stop()` waits for the iteration that is running.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { SYNC_ELSEWHERE } from '../../../src/main/services/gologin/gologin-service'
import { DomainException } from '../../../src/shared/errors'
import { CleanupWorker } from '../../../src/main/workers/cleanup-worker'
import { ProfileSyncWorker } from '../../../src/main/workers/profile-sync-worker'
import { refreshIntervalMs, TokenRefreshWorker } from '../../../src/main/workers/token-refresh-worker'
import type { Worker } from '../../../src/main/workers/worker'

const MIN = 60_000

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

/** A task whose iterations the test controls: each call records itself, then runs `behaviour`. */
function controllableTask() {
  const calls: AbortSignal[] = []
  const task = {
    behaviour: async (_signal: AbortSignal): Promise<void> => {},
    calls,
    run: (signal?: AbortSignal) => {
      calls.push(signal!)
      return task.behaviour(signal!)
    },
  }
  return task
}

function logs() {
  return new LogSystem({ dir: null, level: 'debug' })
}

interface Case {
  name: string
  /** Builds the worker around the task with the given interval setting. */
  make(task: ReturnType<typeof controllableTask>, log: LogSystem): Worker
  intervalMs: number
  backoffMs: number
  runsAtStart: boolean
}

const cases: Case[] = [
  {
    name: 'ProfileSyncWorker',
    make: (task, log) =>
      new ProfileSyncWorker({
        source: { syncProfiles: (signal) => task.run(signal) },
        gologin: { status: () => ({ hasToken: true, tokenRevoked: false }) },
        intervalMinutes: () => 15,
        log: log.logger('sync'),
      }),
    intervalMs: 15 * MIN,
    backoffMs: MIN,
    runsAtStart: true,
  },
  {
    name: 'CleanupWorker',
    make: (task, log) => new CleanupWorker({ run: (signal) => task.run(signal) }, { intervalMinutes: () => 60, log: log.logger('cleanup') }),
    intervalMs: 60 * MIN,
    backoffMs: MIN,
    runsAtStart: true,
  },
  {
    name: 'TokenRefreshWorker',
    make: (task, log) => new TokenRefreshWorker({ refreshDue: (signal) => task.run(signal) }, { marginMinutes: () => 15, log: log.logger('refresh') }),
    intervalMs: 5 * MIN,
    backoffMs: 30_000,
    runsAtStart: true,
  },
]

describe.each(cases)('$name', ({ make, intervalMs, backoffMs, runsAtStart }) => {
  it('runs at start-up and then on its interval', async () => {
    const task = controllableTask()
    const worker = make(task, logs())
    worker.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(task.calls).toHaveLength(runsAtStart ? 1 : 0)
    await vi.advanceTimersByTimeAsync(intervalMs - 1)
    expect(task.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(task.calls).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(2 * intervalMs)
    expect(task.calls).toHaveLength(4)
    expect(worker.status()).toMatchObject({ running: true, busy: false, lastError: null, intervalMs })
    await worker.stop()
  })

  it('logs a failed iteration, retries it after a back-off, and keeps running', async () => {
    const task = controllableTask()
    const log = logs()
    const worker = make(task, log)
    task.behaviour = async () => {
      throw new Error('service unreachable')
    }
    worker.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(task.calls).toHaveLength(1)
    expect(worker.status()).toMatchObject({ lastError: 'service unreachable', consecutiveFailures: 1, running: true })
    expect(log.ring.recent().some((e) => e.event === 'worker.iteration_failed' && e.level === 'error')).toBe(true)
    await vi.advanceTimersByTimeAsync(backoffMs - 1)
    expect(task.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(task.calls).toHaveLength(2)
    task.behaviour = async () => {}
    await vi.advanceTimersByTimeAsync(2 * backoffMs)
    expect(task.calls).toHaveLength(3)
    expect(worker.status()).toMatchObject({ lastError: null, consecutiveFailures: 0 })
    await vi.advanceTimersByTimeAsync(intervalMs)
    expect(task.calls).toHaveLength(4)
    await worker.stop()
  })

  it('stop aborts the running iteration’s signal, waits for it, and schedules nothing after', async () => {
    const task = controllableTask()
    const worker = make(task, logs())
    let finish!: () => void
    task.behaviour = () => new Promise<void>((resolve) => (finish = resolve))
    worker.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(worker.status().busy).toBe(true)
    let stopped = false
    const stopping = worker.stop().then(() => (stopped = true))
    await vi.advanceTimersByTimeAsync(1_000)
    expect(task.calls[0].aborted).toBe(true)
    expect(stopped).toBe(false)
    finish()
    await stopping
    await vi.advanceTimersByTimeAsync(10 * intervalMs)
    expect(task.calls).toHaveLength(1)
    expect(worker.status()).toMatchObject({ running: false, busy: false, nextRunAt: null })
  })
})

describe('ProfileSyncWorker without a usable GoLogin token', () => {
  it('does not sync and says so once, then syncs once a token is set', async () => {
    const task = controllableTask()
    const log = logs()
    const state = { hasToken: false, tokenRevoked: false }
    const worker = new ProfileSyncWorker({
      source: { syncProfiles: (signal) => task.run(signal) },
      gologin: { status: () => state },
      intervalMinutes: () => 15,
      log: log.logger('sync'),
    })
    worker.start()
    await vi.advanceTimersByTimeAsync(3 * 15 * MIN)
    expect(task.calls).toHaveLength(0)
    expect(worker.status()).toMatchObject({ lastError: null, consecutiveFailures: 0 })
    expect(log.ring.recent().filter((e) => e.event === 'sync.skipped')).toHaveLength(1)
    state.hasToken = true
    await vi.advanceTimersByTimeAsync(15 * MIN)
    expect(task.calls).toHaveLength(1)
    state.tokenRevoked = true
    await vi.advanceTimersByTimeAsync(2 * 15 * MIN)
    expect(task.calls).toHaveLength(1)
    expect(log.ring.recent().filter((e) => e.event === 'sync.skipped').map((e) => e.fields?.reason)).toEqual(['no_token', 'token_revoked'])
    await worker.stop()
  })

  it('syncIntervalMinutes 0 turns automatic sync off, start-up sync included', async () => {
    const task = controllableTask()
    const worker = new ProfileSyncWorker({
      source: { syncProfiles: (signal) => task.run(signal) },
      gologin: { status: () => ({ hasToken: true, tokenRevoked: false }) },
      intervalMinutes: () => 0,
      log: logs().logger('sync'),
    })
    worker.start()
    await vi.advanceTimersByTimeAsync(24 * 60 * MIN)
    expect(task.calls).toHaveLength(0)
    expect(worker.status()).toMatchObject({ intervalMs: 0, nextRunAt: null })
    await worker.stop()
  })
})

describe('TokenRefreshWorker interval', () => {
  it('looks at tokens every third of the margin, between 1 and 5 minutes', () => {
    expect(refreshIntervalMs(15)).toBe(5 * MIN)
    expect(refreshIntervalMs(6)).toBe(2 * MIN)
    expect(refreshIntervalMs(1)).toBe(MIN)
    expect(refreshIntervalMs(110)).toBe(5 * MIN)
  })
})

describe('ProfileSyncWorker on a database shared by several hosts', () => {
  it('skips its run when another host synced within the interval, and runs once that sync is old enough', async () => {
    const task = controllableTask()
    const log = logs()
    let lastSyncedAt: Date | null = new Date(Date.now() - 2 * MIN)
    const worker = new ProfileSyncWorker({
      source: { syncProfiles: (signal) => task.run(signal), lastSyncedAt: async () => lastSyncedAt },
      gologin: { status: () => ({ hasToken: true, tokenRevoked: false }) },
      intervalMinutes: () => 15,
      sharedDatabase: true,
      log: log.logger('sync'),
    })
    worker.start()
    await vi.advanceTimersByTimeAsync(MIN)
    // Start-up: another host synced two minutes ago.
    expect(task.calls).toHaveLength(0)
    expect(log.ring.recent().find((e) => e.event === 'sync.recent')?.msg).toMatch(/another host synced at/)
    // Its next run finds that sync 17 minutes old: it syncs, and its own sync does not stop the run after.
    task.behaviour = async () => void (lastSyncedAt = new Date())
    await vi.advanceTimersByTimeAsync(15 * MIN)
    expect(task.calls).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(15 * MIN)
    expect(task.calls).toHaveLength(2)
    await worker.stop()
  })

  it('takes another host’s running sync for its own run: no error, no back-off', async () => {
    const log = logs()
    const syncElsewhere = new DomainException('CONFLICT', 'Another host of this database is syncing the profiles right now.', { details: { reason: SYNC_ELSEWHERE } })
    const worker = new ProfileSyncWorker({
      source: { syncProfiles: async () => Promise.reject(syncElsewhere), lastSyncedAt: async () => null },
      gologin: { status: () => ({ hasToken: true, tokenRevoked: false }) },
      intervalMinutes: () => 15,
      sharedDatabase: true,
      log: log.logger('sync'),
    })
    worker.start()
    await vi.advanceTimersByTimeAsync(MIN)
    expect(worker.status()).toMatchObject({ lastError: null, consecutiveFailures: 0 })
    await worker.stop()
  })
})
