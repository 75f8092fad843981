/**
 * Hosts as real processes (browser mode, `out/main/web.js`) on one PostgreSQL database and one sandbox, each
 * reaching GoLogin's cloud by an entrance of its own (the sandbox counts which host runs which profile):
 * one is SIGKILLed in the middle of a batch; its sessions come back after the lease, its started profiles
 * stay its own until its next start stops them (its journal), and every session ends completed exactly once.
 * (The lead's `npm run worker` runs the same core; these processes are browser-mode panels, i.e. hosts too.)
 */
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore } from '../../../src/main/core'
import { hostIdPath } from '../../../src/main/host-id'
import { prepareSandboxData, startSandboxMode, type SandboxMode } from '../../../src/main/sandbox'
import { startBrowserMode, stopChild, type BrowserModeProcess } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { connectPanel } from '../lifecycle/panel-process'

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']
const SLOTS = 2

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

interface Row {
  session_id: string
  status: string
  step: string | null
  claimed_by: string | null
  claims: number
  requeues: number
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('worker processes on one database', () => {
  it('a host SIGKILLed mid-batch: its sessions return after the lease, its profiles stay its own until its next start stops them, then everything completes once', { timeout: 240_000 }, async () => {
    const sandbox: SandboxMode = await startSandboxMode({ dataDir: tempDir('procs-sandbox-'), behaviours: 'none', consentDelayMs: 1_500, sharedBrowser: true })
    cleanups.push(() => sandbox.close())
    const databaseUrl = await freshPostgresUrl()
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
    cleanups.push(() => db.end())

    // The API apps and mapped profiles, written once; the data key every host gets (as an imported key would be).
    const setupDir = tempDir('procs-setup-')
    const env = { ...sandbox.env, DATABASE_URL: databaseUrl, PROFILE_SYNC_INTERVAL: '0', GOLOGIN_LAUNCHER: 'cloud', CLAIM_LEASE_SECONDS: '5', CLAIM_CAPTURE_GRACE_SECONDS: '2', MAX_CONCURRENT_PROFILES: String(SLOTS) }
    const setup = await createCore({ dataDir: setupDir, mode: 'browser', env, sandbox: null, logLevel: 'warn' })
    await prepareSandboxData(sandbox, { dataSource: setup.db.dataSource, apiApps: setup.apiApps })
    await setup.close()

    const start = async (label: string, dataDir: string): Promise<BrowserModeProcess> => {
      if (!fs.existsSync(path.join(dataDir, 'data.key'))) {
        fs.mkdirSync(dataDir, { recursive: true })
        fs.copyFileSync(path.join(setupDir, 'data.key'), path.join(dataDir, 'data.key'))
      }
      const entrance = entrances.get(label) ?? (await sandbox.gologin.openEntrance(label))
      entrances.set(label, entrance)
      const host = await startBrowserMode({ dataDir, env: { ...env, GOLOGIN_API_URL: entrance.apiUrl, GOLOGIN_CLOUD_BROWSER_URL: entrance.cloudBrowserUrl } })
      cleanups.push(() => host.stop())
      return host
    }
    const entrances = new Map<string, Awaited<ReturnType<SandboxMode['gologin']['openEntrance']>>>()
    const dirs = { a: tempDir('proc-a-'), b: tempDir('proc-b-'), c: tempDir('proc-c-') }
    const a = await start('a', dirs.a)
    const b = await start('b', dirs.b)

    const accounts = sandbox.accounts().slice(0, 8)
    const panel = await connectPanel(a)
    cleanups.push(async () => panel.close())
    const started = await panel.call('batch:start', { profileIds: accounts.map((x) => x.profileId), apiApp: 'SANDBOX1' })
    expect(started.queued).toBe(8)
    const rows = async () => (await db.query<Row>(`SELECT session_id, status, step, claimed_by, claims, requeues FROM authorization_sessions WHERE batch_id = $1`, [started.batchId])).rows
    // Each host's id, kept in its data folder.
    const idOf = (dir: string) => fs.readFileSync(hostIdPath(dir), 'utf8').trim()

    // B dies while two of its accounts are on X's consent page (their cloud browsers running).
    await until('B runs two attempts on the consent page', async () => (await rows()).filter((r) => r.step === 'consent' && r.claimed_by === idOf(dirs.b)).length === SLOTS)
    const heldByB = (await rows()).filter((r) => r.claimed_by === idOf(dirs.b) && r.status === 'in_progress').map((r) => r.session_id)
    b.child.kill('SIGKILL')
    await stopChild(b.child)
    // A third host joins meanwhile: B's profiles stay B's until B's next start, whoever else is around.
    await start('c', dirs.c)

    await until('B’s sessions are back in the queue', async () => (await rows()).filter((r) => heldByB.includes(r.session_id)).every((r) => r.requeues >= 1))
    await until('everything else ended', async () => (await rows()).filter((r) => !heldByB.includes(r.session_id)).every((r) => TERMINAL.includes(r.status)), 120_000)
    // Nobody took B's profiles over while B's browsers might still run.
    expect(sandbox.gologin.stats().cloud.hosting.runningByEntrance.b).toBe(SLOTS)
    expect((await rows()).filter((r) => heldByB.includes(r.session_id)).every((r) => r.status === 'pending')).toBe(true)

    // B starts again (same data folder): its journal stops its profiles, then the sessions complete.
    await start('b', dirs.b)
    await until('every session ended', async () => (await rows()).every((r) => TERMINAL.includes(r.status)), 120_000)
    const final = await rows()
    expect(final.map((r) => r.status)).toEqual(Array(8).fill('completed'))
    for (const row of final) expect(row.requeues).toBe(heldByB.includes(row.session_id) ? 1 : 0)
    expect(sandbox.issuedTokens().length).toBe(8)

    const hosting = sandbox.gologin.stats().cloud.hosting
    expect(hosting.maxEntrancesPerProfile).toBe(1)
    for (const peak of Object.values(hosting.peakByEntrance)) expect(peak).toBeLessThanOrEqual(SLOTS)
    await until('no cloud browser left running', () => Object.values(sandbox.gologin.stats().cloud.hosting.runningByEntrance).every((n) => n === 0), 30_000)
    await until('the batch is finished', async () => (await db.query<{ state: string }>(`SELECT state FROM batches WHERE id = $1`, [started.batchId])).rows[0]?.state === 'finished')
  })
})
