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

  get size(): number {
    return this.items.length
  }

  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}
