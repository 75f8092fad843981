/**
 * PostgreSQL ending a connection (a restart, a failover, an administrator's pg_terminate_backend) while the panel
 * holds it must never bring the panel down: pg reports it as an 'error' event on the connection, and an 'error' nobody
 * listens to is an uncaught exception — the desktop app's main process, or a worker, would exit mid-batch. Every
 * connection of the panel's pools, held in a transaction or idle, ends with a failed statement and the next one
 * reconnects.
 */
import type pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { sidePool } from '../../../src/main/db/postgres'
import { openTestDb } from './test-db'

const opened: Array<{ close(): Promise<void> }> = []
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => void uncaught.push(error)
afterEach(async () => {
  process.off('uncaughtException', onUncaught)
  for (const db of opened.splice(0).reverse()) await db.close().catch(() => undefined)
})

describe('connections PostgreSQL terminates', () => {
  it('fail the statements that held them, raise nothing uncaught, and the next statement reconnects', async () => {
    process.on('uncaughtException', onUncaught)
    const db = await openTestDb()
    opened.push(db)
    // Three connections held open (transactions between statements) and the rest idle in the pool.
    const runners = await Promise.all([0, 1, 2].map(async () => {
      const runner = db.dataSource.createQueryRunner()
      await runner.connect()
      await runner.startTransaction()
      await runner.query('SELECT 1')
      return runner
    }))
    await db.dataSource.query('SELECT 1')
    const pids = (await db.dataSource.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gologin-panel%' AND pid <> pg_backend_pid()`,
    )) as Array<{ pid: number }>
    expect(pids.length).toBeGreaterThanOrEqual(3)
    const admin = db.dataSource.createQueryRunner()
    await admin.connect()
    const own = (await admin.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gologin-panel%' AND pid <> $1`, [own[0].pid])
    await admin.release()
    // Each held connection learns it is gone: its next statement fails instead of hanging.
    for (const runner of runners) {
      await expect(runner.query('SELECT 1')).rejects.toThrow()
      await runner.release().catch(() => undefined)
    }
    // The pool's idle connections were ended too: a statement may still meet one before the pool has dropped it; then
    // the next reconnects.
    expect(await answered(() => db.dataSource.query('SELECT 2 AS two'))).toEqual([{ two: 2 }])
    expect(uncaught.map(String)).toEqual([])
  })

  // The statements sleep 60 s (they are ended long before): on a loaded machine the six could take seconds to be under way together.
  it('in the middle of statements, on the panel’s pool and on a side pool: the statements fail, nothing is uncaught', { timeout: 120_000 }, async () => {
    process.on('uncaughtException', onUncaught)
    const db = await openTestDb()
    opened.push(db)
    const side = sidePool(db.dataSource, { max: 3, applicationName: 'gologin-panel/test-side', onError: () => undefined })
    opened.push({ close: () => side.end() })
    for (let round = 0; round < 3; round++) {
      const running = [
        ...[0, 1, 2].map(() => db.dataSource.query('SELECT pg_sleep(60)')),
        ...[0, 1, 2].map(() => side.query('SELECT pg_sleep(60)')),
      ].map((statement) => statement.then(() => 'answered', () => 'failed'))
      // The panel's pool has a fourth connection (poolSize 4) to watch and to terminate the others from.
      await until(async () => Number(((await db.dataSource.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(60)' AND state = 'active'`)) as Array<{ n: string }>)[0].n) === 6)
      await db.dataSource.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gologin-panel%' AND pid <> pg_backend_pid()`)
      expect(await Promise.all(running)).toEqual(Array(6).fill('failed'))
      expect(await answered(() => db.dataSource.query('SELECT 2 AS two'))).toEqual([{ two: 2 }])
      expect((await answered(() => side.query('SELECT 2 AS two'))).rows).toEqual([{ two: 2 }])
    }
    expect(uncaught.map(String)).toEqual([])
  })
})

describe('a connection held with no listener of its own', () => {
  it('ended by the server raises nothing uncaught, on the panel’s pool and on a side pool', async () => {
    process.on('uncaughtException', onUncaught)
    const db = await openTestDb()
    opened.push(db)
    const side = sidePool(db.dataSource, { max: 2, applicationName: 'gologin-panel/test-side', onError: () => undefined })
    opened.push({ close: () => side.end() })
    const master = (db.dataSource.driver as unknown as { master: pg.Pool }).master
    // Checked out: pg-pool's idle listener is gone, and the holder has not added its own yet (or has just removed it).
    for (const pool of [master, side]) {
      const client = await pool.connect()
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      const ended = new Promise((resolve) => client.once('end', resolve))
      await db.dataSource.query('SELECT pg_terminate_backend(?)', [rows[0].pid])
      await ended
      client.release(true)
    }
    expect(uncaught.map(String)).toEqual([])
    expect(await answered(() => db.dataSource.query('SELECT 2 AS two'))).toEqual([{ two: 2 }])
  })
})

/** The pool may hand out a connection the server ended before the pool has dropped it: the statement fails once per such connection. */
async function answered<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement()
    } catch (error) {
      if (attempt >= 5) throw error
    }
  }
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the statements never ran')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
