import { describe, expect, it } from 'vitest'
import { ETA_WINDOW, estimateEtaMs, pushDuration } from '../../../src/main/services/automation/eta'

describe('batch ETA', () => {
  it('has no estimate until an attempt finished, and none needed once nothing is left', () => {
    expect(estimateEtaMs({ remaining: 10, running: 2, maxSlots: 10, recentDurationsMs: [] })).toBeNull()
    expect(estimateEtaMs({ remaining: 0, running: 0, maxSlots: 10, recentDurationsMs: [] })).toBe(0)
  })

  it('spreads the remaining attempts over the accounts running in parallel', () => {
    // 100 left, 10 at a time, 2 s each: ten more rounds of 2 s.
    expect(estimateEtaMs({ remaining: 100, running: 10, maxSlots: 10, recentDurationsMs: [1_000, 3_000] })).toBe(20_000)
    // Fewer left than slots: they all run at once.
    expect(estimateEtaMs({ remaining: 3, running: 3, maxSlots: 10, recentDurationsMs: [2_000] })).toBe(2_000)
    // Paused (nothing of the batch running): assume the slot limit once it resumes.
    expect(estimateEtaMs({ remaining: 20, running: 0, maxSlots: 10, recentDurationsMs: [2_000] })).toBe(4_000)
  })

  it('follows the recent pace only', () => {
    const durations: number[] = []
    for (let i = 0; i < 100; i++) pushDuration(durations, 60_000)
    for (let i = 0; i < ETA_WINDOW; i++) pushDuration(durations, 1_000)
    expect(durations).toHaveLength(ETA_WINDOW)
    expect(estimateEtaMs({ remaining: 10, running: 10, maxSlots: 10, recentDurationsMs: durations })).toBe(1_000)
  })
})
