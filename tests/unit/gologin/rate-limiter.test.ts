import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ValidationException } from '../../../src/shared/errors'
import { RequestRateLimiter } from '../../../src/main/services/gologin/rate-limiter'

/** Most events in any sliding window (t - windowMs, t], the way a server counts arrivals. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b)
  let max = 0
  let left = 0
  for (let right = 0; right < sorted.length; right++) {
    while (sorted[left] <= sorted[right] - windowMs) left++
    max = Math.max(max, right - left + 1)
  }
  return max
}

/** Deterministic latencies from 0 to 400 ms. */
function latencies(count: number): number[] {
  let seed = 7
  return Array.from({ length: count }, () => (seed = (seed * 48_271) % 2_147_483_647) % 401)
}

describe('RequestRateLimiter (fake time)', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('never lets a server see more than the rate in any window, whatever the latency of each request', async () => {
    const limiter = new RequestRateLimiter({ requestsPerWindow: 5, windowMs: 1_000 })
    const start = Date.now()
    const delays = latencies(60)
    const arrivals: number[] = []
    let next = 0
    // Four workers sending requests back to back, each taking its own time to arrive and be answered.
    const worker = async () => {
      while (next < delays.length) {
        const latency = delays[next++]
        const answered = await limiter.acquire()
        await new Promise((resolve) => setTimeout(resolve, latency * 0.8))
        arrivals.push(Date.now() - start)
        await new Promise((resolve) => setTimeout(resolve, latency * 0.2))
        answered()
      }
    }
    const all = Promise.all([worker(), worker(), worker(), worker()])
    await vi.advanceTimersByTimeAsync(60_000)
    await all

    expect(arrivals).toHaveLength(60)
    expect(maxInWindow(arrivals, 1_000)).toBeLessThanOrEqual(5)
    expect(limiter.figures()).toMatchObject({ granted: 60, waiting: 0 })
  })

  it('returns a permit one window after the answer, not before', async () => {
    const limiter = new RequestRateLimiter({ requestsPerWindow: 2, windowMs: 1_000 })
    const first = await limiter.acquire()
    await limiter.acquire()
    let third = false
    const pending = limiter.acquire().then(() => (third = true))
    expect(limiter.figures()).toMatchObject({ held: 2, waiting: 1 })
    await vi.advanceTimersByTimeAsync(5_000)
    expect(third).toBe(false) // nobody reported an answer yet
    first()
    first()
    await vi.advanceTimersByTimeAsync(999)
    expect(third).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await pending
    expect(third).toBe(true)
  })

  it('a lower rate applies at once (held permits still count); a higher one frees permits at once', async () => {
    const limiter = new RequestRateLimiter({ requestsPerWindow: 4, windowMs: 1_000 })
    const held = await Promise.all([limiter.acquire(), limiter.acquire(), limiter.acquire()])
    limiter.setRequestsPerWindow(2)
    let granted = false
    const pending = limiter.acquire().then((done) => ((granted = true), done))
    held[0]()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(granted).toBe(false) // two still held = the new rate
    limiter.setRequestsPerWindow(10)
    await vi.advanceTimersByTimeAsync(0)
    expect(granted).toBe(true)
    ;(await pending)()
    expect(limiter.figures()).toMatchObject({ requestsPerWindow: 10, held: 3 })
  })

  it('an aborted wait gives its place up', async () => {
    const limiter = new RequestRateLimiter({ requestsPerWindow: 1, windowMs: 1_000 })
    const done = await limiter.acquire()
    const controller = new AbortController()
    const aborted = limiter.acquire(controller.signal)
    const abortedResult = expect(aborted).rejects.toThrow('stop waiting')
    let nextGranted = false
    const next = limiter.acquire().then(() => (nextGranted = true))
    controller.abort(new Error('stop waiting'))
    await abortedResult
    done()
    await vi.advanceTimersByTimeAsync(1_000)
    await next
    expect(nextGranted).toBe(true)
    expect(limiter.figures()).toMatchObject({ waiting: 0, held: 1 })
  })

  it('takes a permit back from a request that never reports its answer', async () => {
    const limiter = new RequestRateLimiter({ requestsPerWindow: 1, windowMs: 1_000, maxHoldMs: 5_000 })
    await limiter.acquire() // never answered
    let granted = false
    const next = limiter.acquire().then(() => (granted = true))
    await vi.advanceTimersByTimeAsync(5_999)
    expect(granted).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await next
    expect(granted).toBe(true)
  })

  it('refuses a rate that is not a whole number in range', () => {
    expect(() => new RequestRateLimiter({ requestsPerWindow: 0 })).toThrow(ValidationException)
    expect(() => new RequestRateLimiter({ requestsPerWindow: 1.5 })).toThrow(/whole number/)
  })
})
