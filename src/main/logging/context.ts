import { AsyncLocalStorage } from 'node:async_hooks'

/** Correlation ids carried by every log line written inside a context. */
export interface LogContext {
  requestId?: string
  batchId?: string
  sessionId?: string
}

const storage = new AsyncLocalStorage<LogContext>()

/** Runs `fn` with the given ids added to the current log context (nested contexts inherit). */
export function withLogContext<T>(ids: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...ids }, fn)
}

export function currentLogContext(): LogContext {
  return storage.getStore() ?? {}
}
