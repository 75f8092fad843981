import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { Worker, type WorkerOptions } from '../../../src/main/workers/worker'

class TestWorker extends Worker {
  runs = 0
  behaviour: (signal: AbortSignal) => Promise<void> = async () => {}
  constructor(options: Partial<WorkerOptions> = {}) {
    super({ name: 'test', intervalMs: () => 60_000, log: new LogSystem({ dir: null }).logger('w'), ...options })
  }
  protected async runOnce(signal: AbortSignal): Promise<void> {
    this.runs++
    await this.behaviour(signal)
  }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('Worker', () => {
  it('runs on its interval, and once at start when asked', async () => {
    const worker = new TestWorker({ runOnStart: true })
    worker.start()
    await vi.advanceTimersByTimeAsync(0)
    expect(worker.runs).toBe(1)
    await vi.advanceTimersByTimeAsync(59_999)
    expect(worker.runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(worker.runs).toBe(2)
    await vi.advanceTimersByTimeAsync(120_000)
    expect(worker.runs).toBe(4)
    expect(worker.status()).toMatchObject({ running: true, busy: false, lastError: null })
    await worker.stop()
  })

  it('picks up a changed interval from the next run on', async () => {
    let interval = 60_000
    const worker = new TestWorker({ intervalMs: () => interval })
    worker.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(worker.runs).toBe(1)
    interval = 10_000
    await vi.advanceTimersByTimeAsync(60_000) // the run scheduled before the change
    expect(worker.runs).toBe(2)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(worker.runs).toBe(3)
    await worker.stop()
  })

  it('logs a failed iteration, retries after a growing back-off and never dies', async () => {
    const worker = new TestWorker({ minBackoffMs: 1_000 })
    worker.behaviour = async () => {
      throw new Error('GoLogin unreachable')
    }
    worker.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(worker.runs).toBe(1)
    expect(worker.status()).toMatchObject({ lastError: 'GoLogin unreachable', consecutiveFailures: 1, running: true })
    await vi.advanceTimersByTimeAsync(1_000)
    expect(worker.runs).toBe(2)
    await vi.advanceTimersByTimeAsync(1_999)
    expect(worker.runs).toBe(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(worker.runs).toBe(3)
    worker.behaviour = async () => {}
    await vi.advanceTimersByTimeAsync(4_000)
    expect(worker.runs).toBe(4)
    expect(worker.status()).toMatchObject({ lastError: null, consecutiveFailures: 0 })
    await vi.advanceTimersByTimeAsync(60_000)
    expect(worker.runs).toBe(5)
    await worker.stop()
  })

  it('stop waits for the running iteration, aborts its signal, and schedules nothing after', async () => {
    const worker = new TestWorker()
    let finish!: () => void
    let aborted = false
    worker.behaviour = (signal) =>
      new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => (aborted = true))
        finish = resolve
      })
    worker.start()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(worker.status().busy).toBe(true)
    let stopped = false
    const stopping = worker.stop().then(() => (stopped = true))
    await vi.advanceTimersByTimeAsync(0)
    expect(aborted).toBe(true)
    expect(stopped).toBe(false)
    finish()
    await stopping
    expect(stopped).toBe(true)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(worker.runs).toBe(1)
    expect(worker.status()).toMatchObject({ running: false, busy: false, nextRunAt: null })
  })

  it('runNow joins a running iteration instead of overlapping it', async () => {
    const worker = new TestWorker()
    let finish!: () => void
    worker.behaviour = () => new Promise<void>((resolve) => (finish = resolve))
    worker.start()
    const first = worker.runNow()
    const second = worker.runNow()
    expect(worker.runs).toBe(1)
    finish()
    await Promise.all([first, second])
    expect(worker.runs).toBe(1)
    expect(worker.status().nextRunAt).not.toBeNull()
    await worker.stop()
  })
})

describe('Worker interval changes', () => {
  it('an interval of 0 means no automatic runs, not even at start; runNow still runs', async () => {
    let interval = 0
    const worker = new TestWorker({ intervalMs: () => interval, runOnStart: true })
    worker.start()
    await vi.advanceTimersByTimeAsync(24 * 3_600_000)
    expect(worker.runs).toBe(0)
    expect(worker.status()).toMatchObject({ running: true, nextRunAt: null, intervalMs: 0 })
    await worker.runNow()
    expect(worker.runs).toBe(1)
    expect(worker.status().nextRunAt).toBeNull()
    interval = 60_000
    worker.reschedule()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(worker.runs).toBe(2)
    await worker.stop()
  })

  it('reschedule applies a new interval at once, counted from the last run', async () => {
    let interval = 15 * 60_000
    const worker = new TestWorker({ intervalMs: () => interval })
    worker.start()
    await vi.advanceTimersByTimeAsync(15 * 60_000)
    expect(worker.runs).toBe(1)
    await vi.advanceTimersByTimeAsync(5 * 60_000)
    interval = 6 * 60_000
    worker.reschedule()
    await vi.advanceTimersByTimeAsync(60_000 - 1)
    expect(worker.runs).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(worker.runs).toBe(2)
    interval = 0
    worker.reschedule()
    await vi.advanceTimersByTimeAsync(3_600_000)
    expect(worker.runs).toBe(2)
    await worker.stop()
  })

  it('runNow after stop runs with a live signal', async () => {
    const worker = new TestWorker()
    let seen: boolean | null = null
    worker.behaviour = async (signal) => void (seen = signal.aborted)
    worker.start()
    await worker.stop()
    await worker.runNow()
    expect(seen).toBe(false)
    expect(worker.status()).toMatchObject({ running: false, nextRunAt: null })
  })
})
