import type { LogEntry, LogLevel } from '../../../src/shared/contract/logs'

/** A log line as main would push it; `seq` also sets the time (one second apart). */
export function logLine(seq: number, overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    seq,
    ts: new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seq * 1000).toISOString(),
    level: 'info' as LogLevel,
    scope: 'core',
    event: 'core.tick',
    msg: `line ${seq}`,
    ...overrides,
  }
}

export function logLines(from: number, count: number): LogEntry[] {
  return Array.from({ length: count }, (_, i) => logLine(from + i))
}
