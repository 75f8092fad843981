/**
 * Work that one host of a database does at a time. PostgreSQL: a session-level advisory lock held on a connection
 * of its own for the whole work (the server releases it if the host dies); SQLite: one process, always free.
 * - `withHostLock`: tried once, the others skip the work — a profile sync (two hosts syncing at once would each
 *   mark the other's freshly written profiles as gone from GoLogin, and spend the shared GoLogin budget twice).
 * - `withAdvisoryLock(…, 'wait')`: the others wait their turn — start-up (migrations, the data-key check).
 */
import type { DataSource, QueryRunner } from 'typeorm'
import { databaseKind } from './dialect'

/** Names of the host locks; each maps to a fixed second key under the panel's own first key. */
export const HOST_LOCKS = { profileSync: 1, alertSender: 2 } as const
export type HostLockName = keyof typeof HOST_LOCKS

/** The first key of every host lock (two-key advisory locks never collide with the one-key start-up lock). */
const PANEL_LOCK_SPACE = 0x676c_706e

export type HostLockOutcome<T> = { ran: true; value: T } | { ran: false }

/** One advisory lock: one bigint key or two int keys (PostgreSQL keeps the two kinds apart). */
export type AdvisoryKey = readonly [number] | readonly [number, number]

/** The two keys of a host lock, for a holder that keeps it on a connection of its own (the alerts' sender). */
export function hostLockKey(name: HostLockName): readonly [number, number] {
  return [PANEL_LOCK_SPACE, HOST_LOCKS[name]]
}

export function withHostLock<T>(dataSource: DataSource, name: HostLockName, work: (lost: AbortSignal) => Promise<T>): Promise<HostLockOutcome<T>> {
  return withAdvisoryLock(dataSource, [PANEL_LOCK_SPACE, HOST_LOCKS[name]], 'try', work)
}

/** The pg client under the runner: it tells when the connection fails. */
interface LockConnection {
  on(event: string, listener: (error?: Error) => void): void
  removeListener(event: string, listener: (error?: Error) => void): void
}

/** How often a `wait` asks for the lock again (a blocking wait would run into the statement timeout). */
const WAIT_POLL_MS = 250

/**
 * Runs `work` holding the lock: `wait` queues behind another holder, `try` gives up at once (`ran: false`).
 * `lost` aborts when the connection holding the lock fails (the server has released the lock then): work that
 * must not go on beside another holder checks it between its steps.
 */
export function withAdvisoryLock<T>(dataSource: DataSource, key: AdvisoryKey, mode: 'wait', work: (lost: AbortSignal) => Promise<T>): Promise<{ ran: true; value: T }>
export function withAdvisoryLock<T>(dataSource: DataSource, key: AdvisoryKey, mode: 'try', work: (lost: AbortSignal) => Promise<T>): Promise<HostLockOutcome<T>>
export async function withAdvisoryLock<T>(dataSource: DataSource, key: AdvisoryKey, mode: 'wait' | 'try', work: (lost: AbortSignal) => Promise<T>): Promise<HostLockOutcome<T>> {
  const lost = new AbortController()
  if (databaseKind(dataSource) === 'sqlite') return { ran: true, value: await work(lost.signal) }
  const placeholders = key.map((_, i) => `$${i + 1}`).join(', ')
  const holder: QueryRunner = dataSource.createQueryRunner()
  const tryLock = async () => ((await holder.query(`SELECT pg_try_advisory_lock(${placeholders}) AS locked`, [...key])) as Array<{ locked: boolean }>)[0].locked
  let connection: LockConnection | null = null
  const onLost = (error?: Error) => lost.abort(new Error(`The database connection holding the lock was lost${error ? ` (${error.message})` : ''}`))
  try {
    let locked = await tryLock()
    while (!locked && mode === 'wait') {
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS))
      locked = await tryLock()
    }
    if (!locked) return { ran: false }
    connection = (await holder.connect()) as LockConnection
    connection?.on('error', onLost)
    connection?.on('end', onLost)
    try {
      return { ran: true, value: await work(lost.signal) }
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(${placeholders})`, [...key]).catch(() => undefined)
    }
  } finally {
    const held = connection as LockConnection | null
    held?.removeListener('error', onLost)
    held?.removeListener('end', onLost)
    await holder.release()
  }
}
