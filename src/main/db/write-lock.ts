/**
 * The one write lock of the panel's SQLite connection. TypeORM runs every statement of a better-sqlite3
 * data source on one shared connection, so a statement issued while another caller's transaction is open
 * becomes part of that transaction — and is silently undone when it rolls back (a rotated refresh token,
 * an `in_use` flag). The guard below makes that impossible instead of relying on every caller to remember:
 * each statement outside a transaction waits for the lock and runs alone, and every transaction (explicit,
 * or the implicit one of `save`/`remove`) holds the lock from BEGIN to COMMIT.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { Mutex } from 'async-mutex'
import type { DataSource, QueryRunner } from 'typeorm'

export interface WriteLock {
  /** Runs `work` holding the lock (at once if the caller already holds it). */
  exclusive<T>(work: () => Promise<T> | T): Promise<T>
  /** Resolves once nobody holds the lock (in-flight writes done). */
  idle(): Promise<void>
}

const locks = new WeakMap<DataSource, WriteLock>()

/** The lock of a data source opened by `openDatabase`; bulk writers on the raw connection take it per chunk. */
export function writeLockOf(dataSource: DataSource): WriteLock {
  const lock = locks.get(dataSource)
  if (!lock) throw new Error('This data source has no write lock: open it with openDatabase()')
  return lock
}

/** Installs the lock on the data source's shared query runner (after migrations, before anything else). */
export function guardConnection(dataSource: DataSource): WriteLock {
  const mutex = new Mutex()
  const holder = new AsyncLocalStorage<true>()
  const lock: WriteLock = {
    exclusive: (work) => (holder.getStore() ? Promise.resolve().then(work) : mutex.runExclusive(() => holder.run(true, work))),
    idle: () => mutex.waitForUnlock(),
  }
  // better-sqlite3: every caller gets this same runner, the EntityManager and `dataSource.query` included.
  const runner: QueryRunner = dataSource.createQueryRunner()
  const query = runner.query.bind(runner) as QueryRunner['query']
  const startTransaction = runner.startTransaction.bind(runner)
  runner.query = ((sql: string, parameters?: unknown[], structured?: boolean) =>
    lock.exclusive(() => query(sql, parameters, structured as true))) as QueryRunner['query']
  runner.startTransaction = (isolationLevel) => {
    if (!holder.getStore()) return Promise.reject(new Error('A transaction was opened outside the write lock; use Database.transaction'))
    return startTransaction(isolationLevel)
  }
  // What opens a transaction on the shared runner: explicit ones, and the implicit ones of save/remove.
  const manager = dataSource.manager as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
  for (const method of ['transaction', 'save', 'remove', 'softRemove', 'recover']) {
    const original = manager[method].bind(manager)
    manager[method] = (...args: unknown[]) => lock.exclusive(() => original(...args))
  }
  locks.set(dataSource, lock)
  return lock
}
