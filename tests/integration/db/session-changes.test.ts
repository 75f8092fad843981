/**
 * PostgreSQL only: a host hears of every session change any host commits (migration 0012's trigger + LISTEN), a
 * change made while its listening connection was down arrives once it is back (the catch-up from `updated_at`),
 * and a lease renewal, which changes nothing a panel shows, is not announced.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database } from '../../../src/main/db'
import { SessionChanges } from '../../../src/main/db/session-changes'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { until } from '../hosts/claims-world'
import { fixedKeyStore, testLog } from './test-db'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

async function listening(options: { backoffMs: number }) {
  const db: Database = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), databaseUrl: await freshPostgresUrl() })
  open.push(db)
  const received: string[] = []
  const changes = new SessionChanges({
    dataSource: db.dataSource,
    onChanged: (ids) => received.push(...ids),
    log: testLog(),
    heartbeatMs: 200,
    backoff: { firstMs: options.backoffMs, maxMs: options.backoffMs },
  })
  await changes.start()
  open.push(changes)
  const sql = (text: string, params: unknown[] = []) => db.dataSource.query(text, params)
  const insert = (id: string, username: string) =>
    sql(`INSERT INTO authorization_sessions (session_id, profile_id, twitter_username, api_app, status, attempt) VALUES (?, ?, ?, 'APP', 'pending', 1)`, [id, `p-${id}`, username])
  return { db, received, sql, insert }
}

describe('session changes (PostgreSQL)', () => {
  it('announces inserts and shown changes, not lease renewals', async () => {
    const { received, sql, insert } = await listening({ backoffMs: 250 })
    await insert('s-1', 'alice')
    await until('the insert is heard', () => received.includes('s-1'), 5_000)
    received.length = 0
    await sql(`UPDATE authorization_sessions SET lease_until = clock_timestamp() + interval '1 minute', claimed_by = 'h', claims = claims + 1 WHERE session_id = 's-1'`)
    await insert('s-2', 'bob')
    // Notifications come in commit order: once s-2 is heard, a renewal of s-1 would have been heard before it.
    await until('the second insert is heard', () => received.includes('s-2'), 5_000)
    expect(received).toEqual(['s-2'])
    await sql(`UPDATE authorization_sessions SET status = 'in_progress', step = 'consent' WHERE session_id = 's-1'`)
    await until('the status change is heard', () => received.includes('s-1'), 5_000)
  })

  it('a change made while the listening connection was down arrives once it is back', async () => {
    const { received, sql, insert } = await listening({ backoffMs: 2_000 })
    await insert('s-1', 'alice')
    await until('the insert is heard', () => received.includes('s-1'), 5_000)
    const listeners = `SELECT pid FROM pg_stat_activity WHERE application_name = 'gologin-panel/session-changes' AND datname = current_database()`
    await sql(`SELECT pg_terminate_backend(pid) FROM (${listeners}) AS l`)
    await until('the listening connection is gone', async () => (await sql(listeners)).length === 0, 5_000)
    received.length = 0
    // Nobody listens now: this change is only found by the catch-up after the reconnect.
    await sql(`UPDATE authorization_sessions SET status = 'failed', error_code = 'AUTH_TIMEOUT' WHERE session_id = 's-1'`)
    await until('the change is caught up', () => received.includes('s-1'), 10_000)
    // And it listens again.
    await insert('s-2', 'bob')
    await until('a later change is heard live', () => received.includes('s-2'), 5_000)
  })
})
