import { describe, expect, it } from 'vitest'
import { LogRing } from '../../../src/main/logging/ring-buffer'
import type { LogEntry } from '../../../src/shared/contract/logs'

const line = (seq: number, ts: number): LogEntry => ({ seq, ts: new Date(ts).toISOString(), level: 'info', scope: 'test', event: `e${seq}` })

describe('log ring', () => {
  it('gives the lines since a time, oldest first, before and after it wrapped around', () => {
    const ring = new LogRing(4)
    for (let seq = 1; seq <= 3; seq++) ring.push(line(seq, seq * 1_000))
    expect(ring.since(2_000).map((e) => e.seq)).toEqual([2, 3])
    for (let seq = 4; seq <= 6; seq++) ring.push(line(seq, seq * 1_000))
    expect(ring.recent().map((e) => e.seq)).toEqual([3, 4, 5, 6])
    expect(ring.since(4_500).map((e) => e.seq)).toEqual([5, 6])
    expect(ring.since(0).map((e) => e.seq)).toEqual([3, 4, 5, 6])
    expect(ring.since(7_000)).toEqual([])
  })
})
