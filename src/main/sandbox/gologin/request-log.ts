/**
 * Counts the requests a sandbox API receives: per endpoint, per status, per entrance (the port it came
 * in by, which tells hosts apart), per fixed window, and the most seen in any sliding window (what a
 * rate limiter on the server side would see).
 */
import { performance } from 'node:perf_hooks'

export interface RequestCounts {
  total: number
  byEndpoint: Record<string, number>
  byStatus: Record<string, number>
  /** Requests per entrance (`main`, or the label of an extra port: `GoLoginSandbox.openEntrance`). */
  byEntrance: Record<string, number>
  /** Requests per consecutive window of `windowMs` since the sandbox started. */
  perWindow: number[]
  /** Most requests seen in any sliding window of `windowMs`. */
  maxInWindow: number
  windowMs: number
}

/** One request as it arrived: when (ms since the sandbox started), where, by which entrance, and what it was answered. */
export interface RequestEntry {
  at: number
  endpoint: string
  entrance: string
  status: number | null
}

export class RequestLog {
  private readonly started = performance.now()
  private readonly times: number[] = []
  private readonly byEndpoint = new Map<string, number>()
  private readonly byStatus = new Map<string, number>()
  private readonly log: RequestEntry[] = []
  /** Start of the sliding window used by `countInLastWindow` (index into `times`). */
  private windowStart = 0

  constructor(public windowMs: number) {}

  /** Records one request; answers how many arrived in the last `windowMs`, this one included, and its entry. */
  record(endpoint: string, entrance = 'main'): { inWindow: number; entry: RequestEntry } {
    const now = performance.now()
    this.times.push(now)
    this.byEndpoint.set(endpoint, (this.byEndpoint.get(endpoint) ?? 0) + 1)
    const entry: RequestEntry = { at: now - this.started, endpoint, entrance, status: null }
    this.log.push(entry)
    while (this.windowStart < this.times.length && this.times[this.windowStart] <= now - this.windowMs) this.windowStart++
    return { inWindow: this.times.length - this.windowStart, entry }
  }

  recordStatus(status: number, entry?: RequestEntry): void {
    this.byStatus.set(String(status), (this.byStatus.get(String(status)) ?? 0) + 1)
    if (entry) entry.status = status
  }

  /** Every request so far, in order of arrival. */
  entries(): RequestEntry[] {
    return this.log.map((entry) => ({ ...entry }))
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
    const byEntrance: Record<string, number> = {}
    for (const entry of this.log) byEntrance[entry.entrance] = (byEntrance[entry.entrance] ?? 0) + 1
    return {
      total: this.times.length,
      byEndpoint: Object.fromEntries(this.byEndpoint),
      byStatus: Object.fromEntries(this.byStatus),
      byEntrance,
      perWindow,
      maxInWindow: this.maxInWindow(),
      windowMs: this.windowMs,
    }
  }
}
