import { describe, expect, it } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import { barSegments, formatEta, pickBatch, waitNote } from '../../../src/renderer/src/features/batches/batch-view'

function batch(id: string, overrides: Partial<BatchProgress> = {}): BatchProgress {
  return { id, apiApp: 'AIOTT1', state: 'running', total: 20, queued: 10, running: 10, done: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0, slotsInUse: 10, maxSlots: 10, etaMs: null, startedAt: '2025-01-01T00:00:00.000Z', finishedAt: null, retryOf: null, ...overrides }
}

describe('batch progress bar', () => {
  it('shows the newest live batch and counts the other live ones', () => {
    const picked = pickBatch([batch('old', { startedAt: '2025-01-01T00:00:00.000Z' }), batch('new', { startedAt: '2025-01-02T00:00:00.000Z', state: 'paused' }), batch('done', { state: 'finished', startedAt: '2025-01-03T00:00:00.000Z' })], new Set())
    expect(picked.batch?.id).toBe('new')
    expect(picked.others).toBe(1)
  })

  it('otherwise shows the newest finished batch until it is dismissed', () => {
    const batches = [batch('a', { state: 'finished', startedAt: '2025-01-01T00:00:00.000Z' }), batch('b', { state: 'cancelled', startedAt: '2025-01-02T00:00:00.000Z' })]
    expect(pickBatch(batches, new Set()).batch?.id).toBe('b')
    expect(pickBatch(batches, new Set(['b'])).batch?.id).toBe('a')
    expect(pickBatch(batches, new Set(['a', 'b'])).batch).toBeNull()
  })

  it('formats the ETA and splits the bar into succeeded and failed shares', () => {
    expect(formatEta(null)).toBeNull()
    expect(formatEta(42_000)).toBe('42 s')
    expect(formatEta(150_000)).toBe('3 min')
    expect(formatEta(3_900_000)).toBe('1 h 05 min')
    expect(barSegments(batch('x', { total: 20, succeeded: 10, failed: 3, cancelled: 1, skipped: 1 }))).toEqual({ succeeded: 50, failed: 15, other: 10 })
  })

  it('says which offline host accounts wait for, and nothing once none wait or the batch ended', () => {
    const clock = (iso: string) => iso.slice(11, 16)
    const waiting = batch('w', { waitsFor: [{ hostId: 'w2', accounts: 2, offlineSince: '2025-01-01T13:02:10.000Z' }] })
    expect(waitNote(waiting, clock)).toBe('2 accounts wait for host w2, offline since 13:02')
    const two = batch('w', { waitsFor: [{ hostId: 'w2', accounts: 1, offlineSince: '2025-01-01T13:02:10.000Z' }, { hostId: 'w3', accounts: 3, offlineSince: '2025-01-01T12:40:00.000Z' }] })
    expect(waitNote(two, clock)).toBe('1 account waits for host w2, offline since 13:02; 3 accounts wait for host w3, offline since 12:40')
    expect(waitNote(batch('none'), clock)).toBeNull()
    expect(waitNote(batch('ended', { state: 'finished', waitsFor: waiting.waitsFor }), clock)).toBeNull()
  })
})
