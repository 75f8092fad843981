import { describe, expect, it } from 'vitest'
import { allowancesFor, sizeFixedWindows, windowsMet, type WindowSizingInput } from '../../../src/main/services/gologin/window-sizing'

/** Most arrivals in any sliding window (t − windowMs, t], the way GoLogin counts them. */
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

function random(seed: number): () => number {
  let state = seed
  return () => (state = (state * 48_271) % 2_147_483_647) / 2_147_483_647
}

/**
 * What a fixed-window store can let GoLogin see: windows of `durationMs` as the store keeps them, each cut
 * short by up to `skewMs` (another host's clock runs ahead), `points` permits each, placed anywhere in the
 * window (`place`), each arriving up to `latencyMs` later (`delay`). Returns the arrival times.
 */
function arrivals(input: WindowSizingInput, sizing: { durationMs: number; points: number }, rnd: () => number, mode: 'random' | 'edges'): number[] {
  const times: number[] = []
  let start = 0
  for (let w = 0; w < 60; w++) {
    const length = sizing.durationMs - (mode === 'edges' ? input.skewMs : rnd() * input.skewMs)
    for (let p = 0; p < sizing.points; p++) {
      // Edges: odd windows grant at their very end and arrive as late as allowed, even ones at their start at once.
      const at = mode === 'edges' ? (w % 2 ? start + length - 1e-6 : start) : start + rnd() * length
      const delay = mode === 'edges' ? (w % 2 ? 0 : input.latencyMs) : rnd() * input.latencyMs
      times.push(at + delay)
    }
    // A window starts at the first request after the previous one ended: sometimes right away, sometimes later.
    start += length + (mode === 'edges' ? 0 : rnd() < 0.5 ? 0 : rnd() * sizing.durationMs)
  }
  return times
}

/** Windows back to back, each cut short by the whole skew; the first grants at its very end, the others at their start. */
function dense(input: WindowSizingInput, sizing: { durationMs: number; points: number }): number[] {
  const times: number[] = []
  const length = sizing.durationMs - input.skewMs
  for (let w = 0; w < 40; w++) for (let p = 0; p < sizing.points; p++) times.push(w === 0 ? length - 1e-6 : w * length)
  return times
}

describe('sizing the shared GoLogin budget’s fixed windows', () => {
  const rates = [2, 3, 10, 20, 60, 120, 250, 300, 1_000, 1_200, 10_000]

  it('keeps every sliding window at GoLogin within the rate for any rate, window and allowances', () => {
    for (const windowMs of [2_000, 3_000, 60_000]) {
      for (const R of rates) {
        const input = { requestsPerWindow: R, windowMs, ...allowancesFor(windowMs) }
        const sizing = sizeFixedWindows(input)
        expect(sizing.points, `${R}/${windowMs}`).toBeGreaterThanOrEqual(1)
        expect(sizing.bound, `${R}/${windowMs}`).toBeLessThanOrEqual(R)
        expect(sizing.bound).toBe(windowsMet(windowMs + input.latencyMs, sizing.durationMs, input.skewMs) * sizing.points)
        // The store keeps seconds: the length must come back as the same whole number of milliseconds.
        expect(Number.isInteger(sizing.durationMs) && (sizing.durationMs / 1000) * 1000 === sizing.durationMs).toBe(true)
      }
    }
  })

  it('at the real window (60 s, 5 s latency, 2 s of clock skew) sustains about two thirds of the rate', () => {
    expect(allowancesFor(60_000)).toEqual({ latencyMs: 5_000, skewMs: 2_000 })
    const at120 = sizeFixedWindows({ requestsPerWindow: 120, windowMs: 60_000, latencyMs: 5_000, skewMs: 2_000 })
    expect(at120).toMatchObject({ durationMs: 11_300, points: 15, bound: 120 })
    for (const R of [120, 300, 1_200]) {
      const { sustainedPerWindow } = sizeFixedWindows({ requestsPerWindow: R, windowMs: 60_000, ...allowancesFor(60_000) })
      expect(sustainedPerWindow / R, `${R}/min`).toBeGreaterThan(0.64)
    }
  })

  it('no placement of permits, latency or skew within the allowances puts more than the rate in a window; the naive sizing puts twice', () => {
    for (const R of [10, 20, 120, 300]) {
      const input = { requestsPerWindow: R, windowMs: 60_000, ...allowancesFor(60_000) }
      const sizing = sizeFixedWindows(input)
      const rnd = random(R)
      for (let trial = 0; trial < 40; trial++) expect(maxInWindow(arrivals(input, sizing, rnd, 'random'), input.windowMs)).toBeLessThanOrEqual(R)
      expect(maxInWindow(arrivals(input, sizing, rnd, 'edges'), input.windowMs)).toBeLessThanOrEqual(R)
      // R points per 60 s window, as a plain fixed-window counter would be set up: twice the rate at the edges.
      expect(maxInWindow(arrivals(input, { durationMs: 60_000, points: R }, rnd, 'edges'), input.windowMs)).toBe(2 * R)
    }
  })

  it('is tight: the densest placement reaches the bound, and one more point per window goes over the rate', () => {
    for (const R of [10, 20, 120, 300]) {
      const input = { requestsPerWindow: R, windowMs: 60_000, ...allowancesFor(60_000) }
      const sizing = sizeFixedWindows(input)
      expect(maxInWindow(dense(input, sizing), input.windowMs)).toBeLessThanOrEqual(R)
      expect(maxInWindow(dense(input, { ...sizing, points: sizing.points + 1 }), input.windowMs)).toBeGreaterThan(R)
    }
  })

  it('says when a rate cannot be kept by fixed windows at all (1 per window: two can meet at an edge)', () => {
    const sizing = sizeFixedWindows({ requestsPerWindow: 1, windowMs: 60_000, ...allowancesFor(60_000) })
    expect(sizing.points).toBe(1)
    expect(sizing.bound).toBe(2)
    expect(sizing.durationMs).toBeGreaterThan(60_000 + 5_000 + 2_000)
    expect(() => sizeFixedWindows({ requestsPerWindow: 0, windowMs: 60_000, latencyMs: 0, skewMs: 0 })).toThrow(RangeError)
  })
})
