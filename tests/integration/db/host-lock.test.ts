/**
 * No silent loss of a lock (issue 24, row 7): work held under a host lock (the profile sync) learns at once when the
 * connection that holds the lock dies — PostgreSQL has released the lock then, and another host may take it — and a
 * `wait` (which asks again and again instead of blocking one statement, so no statement timeout cuts it short) gets
 * the lock once its holder lets go.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { hostLockKey, withAdvisoryLock, withHostLock } from '../../../src/main/db/host-lock'
import { openTestDb } from './test-db'

const opened: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const db of opened.splice(0).reverse()) await db.close().catch(() => undefined)
})

describe('host locks on PostgreSQL', () => {
  it('tell the work under the lock when the connection holding it dies, and another host can take the lock then', async () => {
    const db = await openTestDb()
    opened.push(db)
    const outcome = await withHostLock(db.dataSource, 'profileSync', async (lost) => {
      // pg_locks spans the whole server: only this test's own database (other test files run beside this one).
      const [{ pid }] = (await db.dataSource.query(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      )) as Array<{ pid: number }>
      await db.dataSource.query(`SELECT pg_terminate_backend(?)`, [pid])
      await new Promise<void>((resolve) => (lost.aborted ? resolve() : lost.addEventListener('abort', () => resolve(), { once: true })))
      // Released by the server with its connection: another holder gets it. The backend reports its termination before
      // it releases its locks, so the other holder waits its turn (a single try can still find it held on a busy machine).
      const again = await withAdvisoryLock(db.dataSource, hostLockKey('profileSync'), 'wait', async () => 'taken elsewhere')
      return { lost: lost.aborted, again }
    })
    expect(outcome).toEqual({ ran: true, value: { lost: true, again: { ran: true, value: 'taken elsewhere' } } })
  })

  it('a wait queues behind the holder and gets the lock once it is released', async () => {
    const db = await openTestDb()
    opened.push(db)
    let release!: () => void
    let holding!: () => void
    const taken = new Promise<void>((resolve) => (holding = resolve))
    const held = withAdvisoryLock(db.dataSource, [4242], 'wait', () => new Promise<void>((resolve) => ((release = resolve), holding())))
    await taken
    const order: string[] = []
    const waiting = withAdvisoryLock(db.dataSource, [4242], 'wait', async () => void order.push('second'))
    // The second holder is refused while the first holds it.
    expect((await withAdvisoryLock(db.dataSource, [4242], 'try', async () => 'ran')).ran).toBe(false)
    order.push('first released')
    release()
    await Promise.all([held, waiting])
    expect(order).toEqual(['first released', 'second'])
  })
})
