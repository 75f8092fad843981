import type { Logger } from '../logging/logger'

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
 * before `createCore`): lines wait here until `attach` hands over the real logger.
 */
export class DeferredLogger {
  private target: Logger | null = null
  private readonly buffer: DeferredLine[] = []
  readonly logger: Logger = this.scoped([])

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
    if (this.target) this.write(this.target, line)
    else if (this.buffer.length < MAX_BUFFERED) this.buffer.push(line)
  }

  private write(target: Logger, line: DeferredLine): void {
    const logger = line.scope.reduce((l, part) => l.child(part), target)
    logger[line.level](line.event, line.fields, line.msg)
  }
}
