import type { StateCreator } from 'zustand/vanilla'
import type { LogEntry } from '../../../shared/contract/logs'
import type { AppState } from './app-store'

/** How many log lines the renderer keeps; older ones fall off (the log file keeps everything). */
export const LOG_LINE_CAP = 20_000

export interface LogsSlice {
  logEntries: LogEntry[]
  logCap: number
  /** True once `logs:recent` has answered. */
  logsLoaded: boolean
  /** Replaces or completes the list with the panel's recent lines (start-up and after a reconnect). */
  syncRecentLogs(recent: LogEntry[], options?: { restarted?: boolean }): void
}

/** A new array with `items` after `entries`, keeping only the newest `cap`. */
export function appendLogLines(entries: LogEntry[], items: readonly LogEntry[], cap: number): LogEntry[] {
  if (items.length === 0) return entries
  const total = entries.length + items.length
  if (total <= cap) return entries.concat(items)
  if (items.length >= cap) return items.slice(items.length - cap)
  return entries.slice(total - cap).concat(items)
}

/**
 * Merges the panel's ring buffer (`recent`, oldest first) with what we already hold: lines we have
 * are kept, lines we missed (before the page loaded, or while disconnected) are added in order.
 * After a panel restart the sequence numbers start again, so the list is replaced.
 */
export function mergeRecentLogs(entries: LogEntry[], recent: readonly LogEntry[], cap: number, restarted = false): LogEntry[] {
  if (restarted || entries.length === 0) return appendLogLines([], recent, cap)
  const held = new Set(entries.map((entry) => entry.seq))
  const missing = recent.filter((entry) => !held.has(entry.seq))
  if (missing.length === 0) return entries
  return appendLogLines([], [...entries, ...missing].sort((a, b) => a.seq - b.seq), cap)
}

export const createLogsSlice: StateCreator<AppState, [], [], LogsSlice> = (set) => ({
  logEntries: [],
  logCap: LOG_LINE_CAP,
  logsLoaded: false,
  syncRecentLogs: (recent, options) =>
    set((state) => ({ logEntries: mergeRecentLogs(state.logEntries, recent, state.logCap, options?.restarted), logsLoaded: true })),
})
