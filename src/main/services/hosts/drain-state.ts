/**
 * Whether this host is draining: it finishes what it runs and claims nothing more (before maintenance). One instance
 * per host, created by the core. The claim loop asks `isDraining()` before it claims; readiness (`/ready`) reports a
 * draining host as not ready; the Hosts page shows it. Listeners hear every change (for pushes to panels).
 */
export interface DrainStatus {
  draining: boolean
  /** When the drain began (ISO), or null. */
  since: string | null
  /** Exit the process once nothing runs (workers asked to with `--drain-exit` or the Hosts page). */
  exitWhenEmpty: boolean
}

export class DrainState {
  private status: DrainStatus = { draining: false, since: null, exitWhenEmpty: false }
  private readonly listeners = new Set<(status: DrainStatus) => void>()

  isDraining(): boolean {
    return this.status.draining
  }

  current(): DrainStatus {
    return { ...this.status }
  }

  /** Begin draining (idempotent: a second call keeps the first `since`, and can only turn `exitWhenEmpty` on). */
  start(options: { exitWhenEmpty?: boolean } = {}): DrainStatus {
    const exitWhenEmpty = this.status.exitWhenEmpty || options.exitWhenEmpty === true
    if (this.status.draining && exitWhenEmpty === this.status.exitWhenEmpty) return this.current()
    this.status = { draining: true, since: this.status.since ?? new Date().toISOString(), exitWhenEmpty }
    this.notify()
    return this.current()
  }

  /** Back to claiming work. */
  stop(): DrainStatus {
    if (!this.status.draining) return this.current()
    this.status = { draining: false, since: null, exitWhenEmpty: false }
    this.notify()
    return this.current()
  }

  onChange(listener: (status: DrainStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private notify(): void {
    const status = this.current()
    for (const listener of this.listeners) listener(status)
  }
}
