/**
 * A panel keeps its host id per data folder (the `host-id` file): killed in the middle of a batch and started again
 * on the same folder, it is the same host, so its start-up recovery hands back the sessions it held at once (long
 * before their lease would lapse) and the batch completes; the Hosts table holds one row for it, not two.
 */
import fs from 'node:fs'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../../../src/main/core'
import { hostIdPath } from '../../../src/main/host-id'
import { prepareSandboxData, startSandboxMode } from '../../../src/main/sandbox'
import { startBrowserMode, stopChild } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { connectPanel, until } from '../lifecycle/panel-process'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

describe('a host keeps its identity', () => {
  it('a panel restarted on its data folder is the same host and frees the sessions its killed run held before their lease lapses', { timeout: 180_000 }, async () => {
    const sandbox = await startSandboxMode({ dataDir: tempDir('identity-sandbox-'), behaviours: 'none', consentDelayMs: 1_500, sharedBrowser: true })
    cleanups.push(() => sandbox.close())
    const databaseUrl = await freshPostgresUrl()
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
    cleanups.push(() => db.end())
    // A lease far longer than the test waits: only the restarted host itself can hand its sessions back in time.
    const env = { ...sandbox.env, DATABASE_URL: databaseUrl, PROFILE_SYNC_INTERVAL: '0', GOLOGIN_LAUNCHER: 'cloud', CLAIM_LEASE_SECONDS: '120', MAX_CONCURRENT_PROFILES: '2' }
    const dataDir = tempDir('identity-panel-')
    const setup = await createCore({ dataDir, mode: 'browser', env, sandbox: null, logLevel: 'warn' })
    await prepareSandboxData(sandbox, { dataSource: setup.db.dataSource, apiApps: setup.apiApps })
    await setup.close()

    const first = await startBrowserMode({ dataDir, env })
    cleanups.push(() => first.stop())
    const panel = await connectPanel(first)
    const accounts = sandbox.accounts().slice(0, 4)
    const started = await panel.call('batch:start', { profileIds: accounts.map((x) => x.profileId), apiApp: 'SANDBOX1' })
    panel.close()
    const rows = async () =>
      (await db.query<{ session_id: string; status: string; step: string | null; claimed_by: string | null; requeues: number }>(
        `SELECT session_id, status, step, claimed_by, requeues FROM authorization_sessions WHERE batch_id = $1`,
        [started.batchId],
      )).rows
    await until('the panel runs two attempts on the consent page', async () => (await rows()).filter((r) => r.step === 'consent').length === 2)
    const held = (await rows()).filter((r) => r.status === 'in_progress')
    const hostId = held[0].claimed_by
    first.child.kill('SIGKILL')
    await stopChild(first.child)
    const killedAt = Date.now()

    const second = await startBrowserMode({ dataDir, env })
    cleanups.push(() => second.stop())
    await until('every session completed', async () => (await rows()).every((r) => r.status === 'completed'), 90_000)
    // Long before the 120 s lease: the restart handed them back itself.
    expect(Date.now() - killedAt).toBeLessThan(100_000)
    const final = await rows()
    for (const row of final) expect(row.requeues).toBe(held.some((h) => h.session_id === row.session_id) ? 1 : 0)
    expect(fs.readFileSync(hostIdPath(dataDir), 'utf8').trim()).toBe(hostId)
    const hosts = await db.query<{ host_id: string }>(`SELECT host_id FROM hosts`)
    expect(hosts.rows.map((row) => row.host_id)).toEqual([hostId])
    // A session is completed as soon as its tokens are stored; its profile's stop finishes just after.
    await until('every profile is released', async () => (await db.query(`SELECT profile_id FROM profiles WHERE in_use = TRUE`)).rows.length === 0, 30_000)
  })
})
