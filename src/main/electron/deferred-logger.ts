import type { LogSystem, Logger } from '../logging/logger'

type Level = 'debug' | 'info' | 'warn' | 'error'
export interface DeferredLine {
  level: Level
  scope: string[]
  event: string
  fields?: Record<string, unknown>
  msg?: string
}

const MAX_BUFFERED = 200

/**
 * Logging for start-up code that runs before the core's log system exists (the key store is built
 * before `createCore`): lines wait here until `attach` hands over the real logger. Meanwhile each line is
 * also written at once to the start-up log file (`writeThrough`), so a start that fails before the core
 * exists (a missing or damaged SQLite addon, an unreadable data folder) leaves its trace on disk before
 * the error box points at it.
 */
export class DeferredLogger {
  private target: Logger | null = null
  private file: LogSystem | null = null
  private readonly buffer: DeferredLine[] = []
  readonly logger: Logger = this.scoped([])

  /** Writes every line from now until `attach` to `file` as well (synchronously: it is on disk when the call returns). */
  writeThrough(file: LogSystem): void {
    this.file = file
  }

  /** The start-up log file, once `writeThrough` was given one. */
  filePath(): string | null {
    return this.file?.filePath ?? null
  }

  attach(target: Logger): void {
    this.target = target
    for (const line of this.buffer.splice(0)) this.write(target, line)
  }

  /** Lines still waiting (printed to stderr if start-up fails before a log system exists). */
  pending(): readonly DeferredLine[] {
    return this.buffer
  }

  private scoped(scope: string[]): Logger {
    const at = (level: Level) => (event: string, fields?: Record<string, unknown>, msg?: string) =>
      this.push({ level, scope, event, fields, msg })
    return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (s) => this.scoped([...scope, s]) }
  }

  private push(line: DeferredLine): void {
    if (this.target) return this.write(this.target, line)
    try {
      this.file?.write(line.level, ['startup', ...line.scope].join('.'), line.event, line.fields, line.msg)
    } catch {
      // An unwritable log folder must not stop the start; the lines still reach stderr if it fails.
    }
    if (this.buffer.length < MAX_BUFFERED) this.buffer.push(line)
  }

  private write(target: Logger, line: DeferredLine): void {
    const logger = line.scope.reduce((l, part) => l.child(part), target)
    logger[line.level](line.event, line.fields, line.msg)
  }
}
