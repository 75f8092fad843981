/**
 * Counts the requests a sandbox API receives: per endpoint, per status, per fixed window, and the
 * most seen in any sliding window (what a rate limiter on the server side would see).
 */
import { performance } from 'node:perf_hooks'

export interface RequestCounts {
  total: number
  byEndpoint: Record<string, number>
  byStatus: Record<string, number>
  /** Requests per consecutive window of `windowMs` since the sandbox started. */
  perWindow: number[]
  /** Most requests seen in any sliding window of `windowMs`. */
  maxInWindow: number
  windowMs: number
}

export class RequestLog {
  private readonly started = performance.now()
  private readonly times: number[] = []
  private readonly byEndpoint = new Map<string, number>()
  private readonly byStatus = new Map<string, number>()
  /** Start of the sliding window used by `countInLastWindow` (index into `times`). */
  private windowStart = 0

  constructor(public windowMs: number) {}

  /** Records one request; returns how many arrived in the last `windowMs`, this one included. */
  record(endpoint: string): number {
    const now = performance.now()
    this.times.push(now)
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1)
    while (this.windowStart < this.times.length && this.times[this.windowStart] <= now - this.windowMs) this.windowStart++
    return this.times.length - this.windowStart
  }

  recordStatus(status: number): void {
    this.byStatus.set(String(status), (this.byStatus.get(String(status)) ?? 0) + 1)
  }

  /** Most requests in any sliding window of `windowMs` (two pointers over the sorted arrival times). */
  maxInWindow(windowMs = this.windowMs): number {
    let max = 0
    let left = 0
    for (let right = 0; right < this.times.length; right++) {
      while (this.times[left] <= this.times[right] - windowMs) left++
      max = Math.max(max, right - left + 1)
    }
    return max
  }

  counts(): RequestCounts {
    const perWindow: number[] = []
    for (const t of this.times) {
      const index = Math.floor((t - this.started) / this.windowMs)
      while (perWindow.length <= index) perWindow.push(0)
      perWindow[index]++
    }
    return {
      total: this.times.length,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byStatus: Object.fromEntries(this.byStatus),
      perWindow,
      maxInWindow: this.maxInWindow(),
      windowMs: this.windowMs,
    }
  }
}
