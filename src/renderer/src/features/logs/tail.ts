import type { LogEntry } from '../../../../shared/contract/logs'

/** How many of `previous`'s first lines are gone from `next` (both sorted by seq). */
export function droppedFromTop(previous: LogEntry[], next: LogEntry[]): number {
  if (previous.length === 0 || next.length === 0 || previous[0].seq >= next[0].seq) return 0
  const firstKept = next[0].seq
  let low = 0
  let high = previous.length
  while (low < high) {
    const mid = (low + high) >> 1
    if (previous[mid].seq < firstKept) low = mid + 1
    else high = mid
  }
  return low
}

/** Lines are in sequence order, so count from the end. */
export function countNewerThan(entries: LogEntry[], seq: number): number {
  let count = 0
  for (let i = entries.length - 1; i >= 0 && entries[i].seq > seq; i--) count++
  return count
}
