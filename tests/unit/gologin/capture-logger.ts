import type { Logger } from '../../../src/main/logging/logger'

/** A logger that keeps every line raw (no redaction), so a test can prove nothing secret was handed to it. */
export function captureLogger(lines: string[] = []): Logger & { lines: string[] } {
  const write = (level: string) => (event: string, fields?: Record<string, unknown>, msg?: string) =>
    lines.push(JSON.stringify({ level, event, msg, fields }, expandErrors))
  const logger = {
    lines,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: () => logger,
  }
  return logger
}

/** Everything an error carries: message, stack, cause chain and own fields. */
export function expandErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value
  return { ...value, name: value.name, message: value.message, stack: value.stack, cause: value.cause }
}
