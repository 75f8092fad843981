import type { LogEntry } from '../../shared/contract/logs'

/** The newest `capacity` log lines in memory, for the UI's Logs view. */
export class LogRing {
  private readonly items: LogEntry[] = []
  private start = 0
  private readonly listeners = new Set<(entry: LogEntry) => void>()

  constructor(private readonly capacity = 5_000) {}

  push(entry: LogEntry): void {
    if (this.items.length < this.capacity) this.items.push(entry)
    else {
      this.items[this.start] = entry
      this.start = (this.start + 1) % this.capacity
    }
    for (const listener of this.listeners) listener(entry)
  }

  /** The newest `limit` lines, oldest first. */
  recent(limit = this.capacity): LogEntry[] {
    const ordered = this.items.length < this.capacity ? this.items : [...this.items.slice(this.start), ...this.items.slice(0, this.start)]
    return ordered.slice(Math.max(0, ordered.length - limit))
  }

  /** The lines logged at `sinceMs` (epoch ms) or later, oldest first; reads back from the newest and copies only those. */
  since(sinceMs: number): LogEntry[] {
    const found: LogEntry[] = []
    for (let n = this.items.length - 1; n >= 0; n--) {
      const entry = this.items[(this.start + n) % this.items.length]
      if (Date.parse(entry.ts) < sinceMs) break
      found.push(entry)
    }
    return found.reverse()
  }

  get size(): number {
    return this.items.length
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
