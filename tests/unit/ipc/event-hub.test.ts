import { afterEach, describe, expect, it, vi } from 'vitest'
import { EventHub } from '../../../src/main/ipc/event-hub'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import type { LogEntry } from '../../../src/shared/contract/logs'

const line = (seq: number): LogEntry => ({ seq, ts: 't', level: 'info', scope: 's', event: `e${seq}` })

afterEach(() => vi.useRealTimers())

describe('EventHub batching', () => {
  it('sends one message per window holding every item in order', () => {
    vi.useFakeTimers()
    const hub = new EventHub(150)
    const received: EventBatch[][] = []
    hub.subscribe((batches) => received.push(batches))
    for (let i = 1; i <= 500; i++) hub.emit('logs', line(i))
    expect(received).toHaveLength(0)
    vi.advanceTimersByTime(149)
    expect(received).toHaveLength(0)
    vi.advanceTimersByTime(1)
    expect(received).toHaveLength(1)
    expect(received[0]).toHaveLength(1)
    expect(received[0][0].channel).toBe('logs')
    expect((received[0][0].items as LogEntry[]).map((e) => e.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
    hub.emit('logs', line(501))
    vi.advanceTimersByTime(150)
    expect(received).toHaveLength(2)
  })

  it('sends nothing when nothing happened, and flushes what is pending on close', () => {
    vi.useFakeTimers()
    const hub = new EventHub(100)
    const sink = vi.fn()
    hub.subscribe(sink)
    vi.advanceTimersByTime(1000)
    expect(sink).not.toHaveBeenCalled()
    hub.emit('logs', line(1))
    hub.close()
    expect(sink).toHaveBeenCalledTimes(1)
    hub.emit('logs', line(2))
    vi.advanceTimersByTime(1000)
    expect(sink).toHaveBeenCalledTimes(1)
  })
})
