import { eventContract, type EventBatch, type EventChannel, type EventItem } from '../../shared/ipc-contract'

export type EventSink = (batches: EventBatch[]) => void

const DEFAULT_WINDOW_MS = 150

/**
 * Collects high-volume pushes (session status, progress, log lines) and sends them to every
 * connected window or socket once per window (100–250 ms): one message per window holding every
 * channel that changed. `keyed` channels merge partial updates by `id`, `latest` keeps the newest
 * value, `append` keeps every item in order.
 */
export class EventHub {
  private readonly pending = new Map<EventChannel, { keyed?: Map<unknown, Record<string, unknown>>; list?: unknown[] }>()
  private readonly sinks = new Set<EventSink>()
  private timer: NodeJS.Timeout | null = null
  private closed = false

  constructor(private readonly windowMs = DEFAULT_WINDOW_MS) {}

  emit<E extends EventChannel>(channel: E, item: EventItem<E>): void {
    if (this.closed) return
    const mode = eventContract[channel].mode
    let slot = this.pending.get(channel)
    if (!slot) {
      slot = mode === 'keyed' ? { keyed: new Map() } : { list: [] }
      this.pending.set(channel, slot)
    }
    if (mode === 'keyed') {
      const patch = item as unknown as Record<string, unknown>
      const previous = slot.keyed!.get(patch.id)
      slot.keyed!.set(patch.id, previous ? { ...previous, ...patch } : { ...patch })
    } else if (mode === 'latest') {
      slot.list = [item]
    } else {
      slot.list!.push(item)
    }
    this.schedule()
  }

  /** Adds a receiver; returns the function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink)
    return () => this.sinks.delete(sink)
  }

  /** Sends what is pending now (also used on shutdown so nothing is lost). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = null
    }
    if (this.pending.size === 0) return
    const batches: EventBatch[] = []
    for (const [channel, slot] of this.pending) {
      const items = slot.keyed ? [...slot.keyed.values()] : slot.list!
      if (items.length) batches.push({ channel, items } as EventBatch)
    }
    this.pending.clear()
    for (const sink of this.sinks) sink(batches)
  }

  close(): void {
    this.flush()
    this.closed = true
    this.sinks.clear()
  }

  private schedule(): void {
    if (this.timer) return
    this.timer = setTimeout(() => this.flush(), this.windowMs)
    this.timer.unref?.()
  }
}
