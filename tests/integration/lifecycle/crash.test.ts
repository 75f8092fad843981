/**
 * Crash recovery end to end (issue 6): a panel process running a batch on the sandbox is killed with
 * SIGKILL mid-batch; a panel started again on the same data folder leaves every session in a terminal
 * state, no profile marked in use, and the sandbox with no running browser. The sandbox lives in this
 * test's process, so the kill cannot take it (or its browsers) down with the panel.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../../../src/main/core'
import { startSandboxMode } from '../../../src/main/sandbox'
import { startBrowserMode, stopChild } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'
import { chromiumUnder } from '../authorization/panel-world'
import { connectPanel, until } from './panel-process'

const teardown: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const step of teardown.splice(0).reverse()) await step()
})

const PROFILES = 8
const SLOTS = 3

describe('crash recovery', () => {
  it('after SIGKILL mid-batch, the restarted panel ends every session, clears in-use flags and stops the orphaned browsers', async () => {
    const sandboxDir = tempDir('panel-crash-sandbox-')
    // The consent page never finishes loading: every started account sits on it until the kill.
    const sandbox = await startSandboxMode({ dataDir: sandboxDir, profiles: PROFILES, behaviours: 'none', consentDelayMs: 10 * 60_000, headless: true })
    teardown.push(() => sandbox.close())
    const dataDir = tempDir('panel-crash-data-')
    const panel = await startBrowserMode({ dataDir, env: { ...sandbox.env, MAX_CONCURRENT_PROFILES: String(SLOTS) } })
    teardown.push(() => stopChild(panel.child, 'SIGKILL'))
    const client = await connectPanel(panel)
    teardown.push(() => client.close())

    // The start-up sync (GoLogin token set) brings the profiles in; then "Authorize selected" on all.
    await until('the profiles are synced', async () => (await client.call('profiles:list', {})).total === PROFILES)
    const { rows } = await client.call('profiles:list', {})
    const started = await client.call('batch:start', { profileIds: rows.map((row) => row.id), apiApp: 'SANDBOX1' })
    expect(started).toMatchObject({ queued: PROFILES, skipped: [] })
    const inProgress = async () => (await client.call('sessions:list', { batchId: started.batchId, statuses: ['in_progress'] })).total
    await until('three accounts are on the consent page with their browsers open', async () => sandbox.gologin.browsers().length === SLOTS && (await inProgress()) === SLOTS)

    panel.child.kill('SIGKILL')
    await new Promise((resolve) => panel.child.once('exit', resolve))
    // What the crash left: browsers nobody will stop, written down in the journal before they started.
    const running = sandbox.gologin.browsers().map((browser) => browser.profileId).sort()
    expect(running).toHaveLength(SLOTS)
    const journal = path.join(dataDir, 'started-profiles.json')
    expect(JSON.parse(fs.readFileSync(journal, 'utf8')).profileIds).toEqual(running)

    const core = await createCore({ dataDir, mode: 'browser', env: { ...sandbox.env, MAX_CONCURRENT_PROFILES: String(SLOTS) }, logLevel: 'warn' })
    teardown.push(() => core.close())

    expect(core.recovery).toMatchObject({ interrupted: SLOTS, cancelled: PROFILES - SLOTS, profilesNotStopped: [] })
    expect(core.recovery.profilesStopped.sort()).toEqual(running)
    expect(fs.existsSync(journal)).toBe(false)
    const statuses: Array<{ status: string; error_code: string; n: number }> = await core.db.dataSource.query(
      `SELECT status, error_code, COUNT(*) AS n FROM authorization_sessions GROUP BY status, error_code ORDER BY status`,
    )
    expect(statuses).toEqual([
      { status: 'cancelled', error_code: 'INTERRUPTED', n: PROFILES - SLOTS },
      { status: 'failed', error_code: 'INTERRUPTED', n: SLOTS },
    ])
    expect(await core.db.dataSource.query(`SELECT COUNT(*) AS n FROM profiles WHERE in_use = TRUE`)).toEqual([{ n: 0 }])
    expect(sandbox.gologin.browsers()).toEqual([])
    await until('no Chromium of the sandbox is left', () => chromiumUnder(sandboxDir).length === 0, 15_000)

    // The interrupted attempts are retryable, as the operator would do next.
    const failed = await core.router.dispatch('sessions:list', { batchId: started.batchId, statuses: ['failed'] }, { transport: 'test' })
    expect(failed).toMatchObject({ success: true, data: { total: SLOTS } })
  }, 120_000)
})
