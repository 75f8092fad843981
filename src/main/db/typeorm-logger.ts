import type { Logger as TypeOrmLogger } from 'typeorm'
import type { Logger } from '../logging/logger'

/**
 * Routes TypeORM's messages to the panel's log. Query parameters are never logged (they can hold
 * ciphertext or personal data); failed queries are logged by whoever handles the error.
 */
export class TypeOrmLogAdapter implements TypeOrmLogger {
  constructor(private readonly out: Logger) {}

  logQuery(): void {}

  logQueryError(): void {}

  logQuerySlow(time: number, query: string): void {
    this.out.warn('db.slow_query', { ms: time, sql: query.slice(0, 300) })
  }

  logSchemaBuild(message: string): void {
    this.out.debug('db.schema', { message })
  }

  logMigration(message: string): void {
    this.out.info('db.migration', { message })
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.out.warn('db.warning', { message: String(message) })
    else this.out.debug('db.message', { message: String(message) })
  }
}
