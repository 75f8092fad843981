import type { LogEntry, LogLevel } from '../../../../shared/contract/logs'

/** In severity order (the contract's list, kept here so the page does not pull zod into the bundle). */
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[]

/** "Minimum level": what each choice shows, in the operator's words. */
export const MIN_LEVEL_LABELS: Record<LogLevel, string> = {
  debug: 'All levels',
  info: 'Info and above',
  warn: 'Warnings and errors',
  error: 'Errors only',
}

/** The level switches a minimum level means: that level and every more severe one. */
export function levelsFrom(min: LogLevel): Record<LogLevel, boolean> {
  const at = LEVELS.indexOf(min)
  return Object.fromEntries(LEVELS.map((level, i) => [level, i >= at])) as Record<LogLevel, boolean>
}

/** The minimum level the switches amount to; null when they are not "this level and above". */
export function minLevelOf(levels: Record<LogLevel, boolean>): LogLevel | null {
  const min = LEVELS.find((level) => levels[level])
  return min && LEVELS.every((level) => levels[level] === levels[min] || LEVELS.indexOf(level) < LEVELS.indexOf(min)) ? min : null
}

/** How many lines a minimum level would show, from the per-level counts. */
export function countFrom(levelCounts: Record<LogLevel, number>, min: LogLevel): number {
  return LEVELS.slice(LEVELS.indexOf(min)).reduce((sum, level) => sum + (levelCounts[level] ?? 0), 0)
}

export interface LogFilter {
  levels: Record<LogLevel, boolean>
  /** Whitespace-separated words; a line must contain every one (case-insensitive). */
  search: string
  /** Part of a session id; lines of other sessions (and lines without one) are hidden. */
  session: string
  /** Lines at or before this ISO time are hidden ("Clear view"). */
  hiddenBefore: string | null
}

export interface FilteredLogs {
  /** The lines to show, oldest first. */
  visible: LogEntry[]
  /** Per level, how many lines pass every filter except the level toggles. */
  levelCounts: Record<LogLevel, number>
}

const searchTextCache = new WeakMap<LogEntry, string>()

/** Lower-cased text a search runs over: message, event, scope, correlation ids and the fields as JSON. */
export function searchableText(entry: LogEntry): string {
  let text = searchTextCache.get(entry)
  if (text === undefined) {
    const parts = [entry.msg ?? '', entry.event, entry.scope, entry.sessionId ?? '', entry.batchId ?? '', entry.requestId ?? '']
    if (entry.fields) parts.push(safeJson(entry.fields))
    text = parts.join('\n').toLowerCase()
    searchTextCache.set(entry, text)
  }
  return text
}

export function searchTerms(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter(Boolean)
}

export function filterLogs(entries: readonly LogEntry[], filter: LogFilter): FilteredLogs {
  const terms = searchTerms(filter.search)
  const session = filter.session.trim()
  const { hiddenBefore, levels } = filter
  const levelCounts: Record<LogLevel, number> = { debug: 0, info: 0, warn: 0, error: 0 }
  const visible: LogEntry[] = []
  for (const entry of entries) {
    if (hiddenBefore !== null && entry.ts <= hiddenBefore) continue
    if (session && !entry.sessionId?.includes(session)) continue
    if (terms.length) {
      const text = searchableText(entry)
      if (!terms.every((term) => text.includes(term))) continue
    }
    levelCounts[entry.level] = (levelCounts[entry.level] ?? 0) + 1
    if (levels[entry.level] !== false) visible.push(entry)
  }
  return { visible, levelCounts }
}

/** One JSON object per line, as the log file holds them. */
export function toJsonLines(entries: readonly LogEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry)).join('\n')
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    return ''
  }
}
