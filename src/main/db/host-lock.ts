/**
 * Work that one host of a database does at a time, the others skipping it rather than waiting: a profile sync
 * (two hosts syncing at once would each mark the other's freshly written profiles as gone from GoLogin, and spend
 * the shared GoLogin budget twice). PostgreSQL: a session-level advisory lock, tried once, held on its own
 * connection for the whole work and released by the server if the host dies. SQLite: one process, always free.
 */
import type { DataSource, QueryRunner } from 'typeorm'
import { databaseKind } from './dialect'

/** Names of the host locks; each maps to a fixed second key under the panel's own first key. */
export const HOST_LOCKS = { profileSync: 1 } as const
export type HostLockName = keyof typeof HOST_LOCKS

/** The first key of every host lock (two-key advisory locks never collide with the one-key start-up lock). */
const PANEL_LOCK_SPACE = 0x676c_706e

export type HostLockOutcome<T> = { ran: true; value: T } | { ran: false }

export async function withHostLock<T>(dataSource: DataSource, name: HostLockName, work: () => Promise<T>): Promise<HostLockOutcome<T>> {
  if (databaseKind(dataSource) === 'sqlite') return { ran: true, value: await work() }
  const holder: QueryRunner = dataSource.createQueryRunner()
  try {
    const [{ locked }] = (await holder.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [PANEL_LOCK_SPACE, HOST_LOCKS[name]])) as Array<{ locked: boolean }>
    if (!locked) return { ran: false }
    try {
      return { ran: true, value: await work() }
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1, $2)', [PANEL_LOCK_SPACE, HOST_LOCKS[name]]).catch(() => undefined)
    }
  } finally {
    await holder.release()
  }
}
