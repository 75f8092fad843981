import { z } from 'zod'
import { event, request, returns } from './define'

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/** One structured log line, already redacted by main. */
export interface LogEntry {
  /** Monotonic per run; the key of the line in the UI. */
  seq: number
  /** ISO 8601. */
  ts: string
  level: LogLevel
  /** The part of the panel that wrote it, e.g. `gologin`, `batch`, `ipc`. */
  scope: string
  /** A short machine-friendly name, e.g. `profile.started`. */
  event: string
  /** A human sentence, when there is one. */
  msg?: string
  requestId?: string
  batchId?: string
  sessionId?: string
  fields?: Record<string, unknown>
}

export const logsContract = {
  /** The newest lines of the in-memory ring buffer, oldest first. */
  'logs:recent': request(
    z.object({ limit: z.number().int().min(1).max(10_000).default(2_000) }).strict().default({ limit: 2_000 }),
    returns<LogEntry[]>(),
  ),
}

export const logsEvents = {
  /** New log lines, in order. */
  logs: event<LogEntry>('append'),
}
