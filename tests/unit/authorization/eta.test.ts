import { describe, expect, it } from 'vitest'
import { ETA_WINDOW, estimateEtaMs, pushDuration } from '../../../src/main/services/automation/eta'

describe('batch ETA', () => {
  it('has no estimate until an attempt finished, and none needed once nothing is left', () => {
    expect(estimateEtaMs({ queued: 8, running: 2, maxSlots: 10, recentDurationsMs: [] })).toBeNull()
    expect(estimateEtaMs({ queued: 0, running: 0, maxSlots: 10, recentDurationsMs: [] })).toBe(0)
  })

  it('spreads the accounts still to run over the slots', () => {
    // 100 left, 10 slots, 2 s each: ten more rounds of 2 s.
    expect(estimateEtaMs({ queued: 90, running: 10, maxSlots: 10, recentDurationsMs: [1_000, 3_000] })).toBe(20_000)
    // Fewer left than slots: they all run at once.
    expect(estimateEtaMs({ queued: 0, running: 3, maxSlots: 10, recentDurationsMs: [2_000] })).toBe(2_000)
    // Nothing of the batch running yet (just resumed): the slot limit.
    expect(estimateEtaMs({ queued: 20, running: 0, maxSlots: 10, recentDurationsMs: [2_000] })).toBe(4_000)
  })

  it('counts down while the running accounts run, and is unknown once they all run longer than usual', () => {
    const base = { queued: 0, running: 1, maxSlots: 10, recentDurationsMs: [12_000] }
    expect(estimateEtaMs({ ...base, runningElapsedMs: [1_000] })).toBe(11_000)
    expect(estimateEtaMs({ ...base, runningElapsedMs: [7_000] })).toBe(5_000)
    expect(estimateEtaMs({ ...base, runningElapsedMs: [9_000] })).toBe(3_000)
    // Waiting 30 s on X's consent page: no time can be promised, rather than a frozen "3 s".
    expect(estimateEtaMs({ ...base, runningElapsedMs: [30_000] })).toBeNull()
    // Queued accounts still need their time, even while the running one is late.
    expect(estimateEtaMs({ ...base, queued: 1, runningElapsedMs: [30_000] })).toBe(6_000)
    // The longest-running account of the batch is never promised less than its expected rest.
    expect(estimateEtaMs({ queued: 0, running: 3, maxSlots: 3, recentDurationsMs: [10_000], runningElapsedMs: [9_000, 9_000, 0] })).toBe(10_000)
  })

  it('follows the recent pace only', () => {
    const durations: number[] = []
    for (let i = 0; i < 100; i++) pushDuration(durations, 60_000)
    for (let i = 0; i < ETA_WINDOW; i++) pushDuration(durations, 1_000)
    expect(durations).toHaveLength(ETA_WINDOW)
    expect(estimateEtaMs({ queued: 0, running: 10, maxSlots: 10, recentDurationsMs: durations })).toBe(1_000)
  })
})
