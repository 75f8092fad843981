/**
 * A token that X has issued is stored or revoked, never dropped: a panel SIGKILLed after X answered the code
 * exchange and before the tokens reached the database leaves them in its journal of issued sets, and its restart
 * on the same data folder revokes them at X before it claims work. Checked from the X sandbox's own records of
 * what it issued, against what the database stored (decrypted with the panel's data key).
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../../../src/main/core'
import { AuthorizationSessionEntity, openDatabase } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import { ISSUED_TOKENS_FILE_NAME } from '../../../src/main/services/lifecycle/issued-tokens-journal'
import { prepareSandboxData, startSandboxMode } from '../../../src/main/sandbox'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { startBrowserMode, stopChild } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { connectPanel, until } from './panel-process'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

/** The batch's stored access tokens, decrypted with the data key in `dataDir` (the panel stopped). */
async function storedAccessTokens(dataDir: string, databaseUrl: string | null, batchId: string): Promise<string[]> {
  const log = new LogSystem({ dir: null, console: false, level: 'warn' }).logger('test')
  const db = await openDatabase({ dataDir, keyStore: new FileKeyStore({ dir: dataDir, log }), log, databaseUrl: databaseUrl ?? undefined, poolSize: 2 })
  try {
    const rows = await db.dataSource.getRepository(AuthorizationSessionEntity).find({ where: { batchId } })
    return rows.flatMap((row) => (row.accessToken ? [row.accessToken] : []))
  } finally {
    await db.close()
  }
}

/**
 * Kills the panel once X has issued a set and the panel waits on /users/me, starts it again on the same folder, and
 * checks the sandbox's records. PostgreSQL: the restart hands the sessions back and they complete with new sets.
 * SQLite: the restart fails them as INTERRUPTED (one machine, nothing to hand back to); its sets are revoked all the same.
 */
async function killBetweenIssueAndStore(kind: 'postgres' | 'sqlite'): Promise<void> {
  const sandbox = await startSandboxMode({
    dataDir: tempDir('issued-sandbox-'),
    behaviours: 'none',
    consentDelayMs: 300,
    sharedBrowser: true,
    // Long enough that the panel certainly sits between the exchange and the store when it is killed.
    slowLink: { usersMeMs: 8_000 },
  })
  cleanups.push(() => sandbox.close())
  const databaseUrl = kind === 'postgres' ? await freshPostgresUrl() : null
  const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 2 }) : null
  if (pool) cleanups.push(() => pool.end())
  const env = { ...sandbox.env, DATABASE_URL: databaseUrl ?? '', PROFILE_SYNC_INTERVAL: '0', GOLOGIN_LAUNCHER: 'cloud', CLAIM_LEASE_SECONDS: '120', MAX_CONCURRENT_PROFILES: '2' }
  const dataDir = tempDir('issued-panel-')
  const journalFile = path.join(dataDir, ISSUED_TOKENS_FILE_NAME)
  const setup = await createCore({ dataDir, mode: 'browser', env, sandbox: null, logLevel: 'warn' })
  await prepareSandboxData(sandbox, { dataSource: setup.db.dataSource, apiApps: setup.apiApps })
  await setup.close()

  const accounts = sandbox.accounts().slice(0, 2)
  for (const account of accounts) sandbox.setBehaviour({ username: account.username }, 'slow_users_me')
  const first = await startBrowserMode({ dataDir, env })
  cleanups.push(() => first.stop())
  const panel = await connectPanel(first)
  const started = await panel.call('batch:start', { profileIds: accounts.map((x) => x.profileId), apiApp: 'SANDBOX1' })
  panel.close()

  // X issued a set (the sandbox's own record) and the panel, holding it, waits on /users/me: kill it now. (A set whose
  // answer is still on its way to the panel is not the panel's to journal: the kill waits until X issued one set per
  // account, so no exchange is under way, and the panel asked users/me about each.)
  const checkingAll = () => sandbox.x.issuedTokens().length === accounts.length && sandbox.x.stats().usersMe >= accounts.length
  await until('X issued a set per account and the panel checks each', checkingAll, 90_000)
  first.child.kill('SIGKILL')
  await stopChild(first.child)
  const issuedBeforeKill = sandbox.x.issuedTokens().map((t) => t.accessToken)
  expect(issuedBeforeKill.length).toBeGreaterThan(0)
  // Sealed with the data key: no token is in the journal as text (whether it is there at all shows below).
  const journal = fs.existsSync(journalFile) ? fs.readFileSync(journalFile, 'utf8') : ''
  for (const token of issuedBeforeKill) expect(journal).not.toContain(token)

  const second = await startBrowserMode({ dataDir, env })
  cleanups.push(() => second.stop())
  if (pool) {
    const rows = async () => (await pool.query<{ status: string }>(`SELECT status FROM authorization_sessions WHERE batch_id = $1`, [started.batchId])).rows
    await until('every session completed', async () => (await rows()).every((r) => r.status === 'completed'), 120_000)
  } else {
    // Its start-up revokes the journal's sets and then removes the journal (a set the killed run stored stays stored).
    await until('the restart went through the journal', () => !fs.existsSync(journalFile), 60_000)
  }
  await second.stop()

  const stored = new Set(await storedAccessTokens(dataDir, databaseUrl, started.batchId))
  const issued = sandbox.x.issuedTokens()
  const dropped = issued.filter((t) => !t.revoked && !stored.has(t.accessToken) && !t.refreshUsed).map((t) => `@${t.username} issued ${t.issuedAt.toISOString()}`)
  expect(dropped).toEqual([])
  // The killed run's sets still waiting on users/me were revoked (PostgreSQL: the requeued sessions got new ones, which are stored).
  const revokedBeforeKill = issuedBeforeKill.filter((token) => issued.find((t) => t.accessToken === token)?.revoked)
  expect(revokedBeforeKill.length).toBeGreaterThan(0)
  for (const token of issuedBeforeKill) expect(revokedBeforeKill.includes(token) || stored.has(token)).toBe(true)
  if (kind === 'postgres') expect(stored.size).toBe(accounts.length)
  expect(fs.existsSync(journalFile)).toBe(false)
}

describe('issued tokens survive a kill', () => {
  it('a panel on PostgreSQL killed between X issuing tokens and storing them revokes that set when it starts again', { timeout: 180_000 }, () => killBetweenIssueAndStore('postgres'))
  it('a panel on SQLite killed between X issuing tokens and storing them revokes that set when it starts again', { timeout: 180_000 }, () => killBetweenIssueAndStore('sqlite'))
})
