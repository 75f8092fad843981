import { describe, expect, it } from 'vitest'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { createAppStore } from '../../../src/renderer/src/stores/app-store'
import { createEventDispatcher } from '../../../src/renderer/src/stores/event-dispatcher'
import { mergeById } from '../../../src/renderer/src/stores/keyed'
import { appendLogLines, mergeRecentLogs } from '../../../src/renderer/src/stores/logs-slice'
import { logLine, logLines } from './log-fixtures'

const logsBatch = (items: ReturnType<typeof logLines>): EventBatch => ({ channel: 'logs', items }) as EventBatch

describe('event dispatcher', () => {
  it('applies a whole pushed message in one store update, whatever the number of items', () => {
    const store = createAppStore()
    let updates = 0
    store.subscribe(() => updates++)
    const dispatch = createEventDispatcher(store)

    dispatch([logsBatch(logLines(1, 500)), logsBatch(logLines(501, 250))])
    expect(updates).toBe(1)
    expect(store.getState().logEntries.map((entry) => entry.seq)).toEqual(Array.from({ length: 750 }, (_, i) => i + 1))

    dispatch([logsBatch(logLines(751, 3))])
    expect(updates).toBe(2)
  })

  it('gives the log list a new array on every append, so selectors notice', () => {
    const store = createAppStore()
    const dispatch = createEventDispatcher(store)
    dispatch([logsBatch(logLines(1, 2))])
    const before = store.getState().logEntries
    dispatch([logsBatch(logLines(3, 1))])
    const after = store.getState().logEntries
    expect(after).not.toBe(before)
    expect(before).toHaveLength(2)
    expect(after).toHaveLength(3)
  })

  it('keeps only the newest lines once the cap is reached', () => {
    const store = createAppStore()
    store.setState({ logCap: 1_000 })
    const dispatch = createEventDispatcher(store)
    for (let from = 1; from <= 2_500; from += 100) dispatch([logsBatch(logLines(from, 100))])
    const seqs = store.getState().logEntries.map((entry) => entry.seq)
    expect(seqs).toHaveLength(1_000)
    expect(seqs[0]).toBe(1_501)
    expect(seqs.at(-1)).toBe(2_500)
  })

  it('ignores channels it does not know and empty messages without touching the store', () => {
    const store = createAppStore()
    let updates = 0
    store.subscribe(() => updates++)
    const dispatch = createEventDispatcher(store)
    dispatch([{ channel: 'from-a-newer-panel', items: [{ id: 1 }] } as unknown as EventBatch])
    dispatch([])
    dispatch([logsBatch([])])
    expect(updates).toBe(0)
  })
})

describe('log list helpers', () => {
  it('appendLogLines keeps the newest `cap` lines even when one batch alone exceeds it', () => {
    expect(appendLogLines(logLines(1, 3), logLines(4, 10), 5).map((e) => e.seq)).toEqual([9, 10, 11, 12, 13])
    expect(appendLogLines(logLines(1, 3), logLines(4, 1), 5).map((e) => e.seq)).toEqual([1, 2, 3, 4])
  })

  it('mergeRecentLogs fills in lines missed while disconnected and keeps lines already held', () => {
    const held = [logLine(1), logLine(2), logLine(6)]
    const recent = logLines(1, 5)
    expect(mergeRecentLogs(held, recent, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    const unchanged = logLines(1, 3)
    expect(mergeRecentLogs(unchanged, logLines(2, 2), 100)).toBe(unchanged)
  })

  it('mergeRecentLogs replaces the list after a panel restart (sequence numbers start again)', () => {
    const held = logLines(500, 3)
    expect(mergeRecentLogs(held, logLines(1, 2), 100, true).map((e) => e.seq)).toEqual([1, 2])
  })

  it('mergeById returns a new Map with patches merged into existing items', () => {
    const current = new Map([[1, { id: 1, status: 'pending', step: null as string | null }]])
    const next = mergeById(current, [
      { id: 1, status: 'in_progress' },
      { id: 2, status: 'pending', step: null },
    ])
    expect(next).not.toBe(current)
    expect(next.get(1)).toEqual({ id: 1, status: 'in_progress', step: null })
    expect(next.get(2)).toEqual({ id: 2, status: 'pending', step: null })
    expect(current.get(1)?.status).toBe('pending')
    expect(mergeById(current, [])).toBe(current)
  })
})

describe('event dispatcher and the recent-lines snapshot', () => {
  it('does not show a line twice when it is both in the snapshot and in the next pushed batch', () => {
    const store = createAppStore()
    store.getState().syncRecentLogs(logLines(1, 3))
    createEventDispatcher(store)([logsBatch(logLines(3, 3))])
    expect(store.getState().logEntries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5])
  })

  it('keeps this host’s newest drain state from a pushed batch (the status bar’s "Draining")', () => {
    const store = createAppStore()
    const dispatch = createEventDispatcher(store)
    const since = '2026-12-07T18:00:00.000Z'
    dispatch([{ channel: 'drain', items: [{ draining: true, since, exitWhenEmpty: false }, { draining: false, since: null, exitWhenEmpty: false }, { draining: true, since, exitWhenEmpty: true }] }])
    expect(store.getState().drain).toEqual({ draining: true, since, exitWhenEmpty: true })
  })
})
