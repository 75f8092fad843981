/**
 * The Hosts page in browser mode (the built panel, Playwright + Chromium): on a shared PostgreSQL database it lists
 * this panel and a headless worker (`npm run worker`, a real process) with its slots, drains and resumes either (the
 * worker through the database, this panel at once, its status bar saying so), stops the worker with "Drain and stop"
 * and shows it offline then; on SQLite it says the machine runs alone. (PostgreSQL project: the shared database is a server.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import type { Browser, Page } from 'playwright-core'
import { afterAll, afterEach, describe, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { freshPostgresUrl } from '../helpers/test-database'
import { tempDir } from '../helpers/temp-dir'
import { panelPage } from './support/panel-page'

const ROOT = path.resolve(import.meta.dirname, '../..')
const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots')
const panels: BrowserModeProcess[] = []
const workers: ChildProcess[] = []
let browser: Browser | null = null

// One browser for the file; each case's pages closed after it.
afterAll(async () => {
  await browser?.close()
  browser = null
})

afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close()
  for (const worker of workers.splice(0)) {
    if (worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGKILL')
      await new Promise((resolve) => worker.once('exit', resolve))
    }
  }
  for (const panel of panels.splice(0)) await panel.stop()
})

async function openHosts(dataDir: string, env: NodeJS.ProcessEnv): Promise<Page> {
  const panel = await startBrowserMode({ dataDir, env })
  panels.push(panel)
  browser ??= await launchPlaywright()
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  await page.goto(panel.url)
  await panelPage(page).open('Hosts')
  return page
}

/** `node out/main/worker.js`, resolved once it printed WORKER_READY. */
async function startWorker(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'out/main/worker.js'), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  workers.push(child)
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  await new Promise<void>((resolve, reject) => {
    let stdout = ''
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      if (stdout.includes('WORKER_READY ')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready:\n${stderr}`)))
  })
  return child
}

describe('Hosts page (browser mode)', () => {
  it('lists this panel and a worker with its slots, drains and resumes both, and shows the worker offline once drained and stopped', { timeout: 180_000 }, async () => {
    const databaseUrl = await freshPostgresUrl()
    const panelDir = tempDir('panel-e2e-hosts-')
    const page = await openHosts(panelDir, { DATABASE_URL: databaseUrl, PROFILE_SYNC_INTERVAL: '0', CLAIM_LEASE_SECONDS: '2' })
    const table = page.getByRole('table', { name: 'Hosts' })
    await table.getByRole('row').filter({ hasText: '(this panel)' }).getByText('online').waitFor()

    // A worker with the panel's data key (as an imported key file would give it) and 3 slots of its own.
    const workerDir = tempDir('worker-e2e-hosts-')
    fs.copyFileSync(path.join(panelDir, 'data.key'), path.join(workerDir, 'data.key'))
    const worker = await startWorker(['--data-dir', workerDir, '--database-url', databaseUrl, '--slots', '3', '--host-id', 'rack-7'])
    const row = table.getByRole('row', { name: 'rack-7' })
    // No GoLogin desktop app answers on this machine: the worker is up but says it takes no work, and why.
    await row.getByText('online · takes no work').waitFor()
    await row.getByText(/^GoLogin unreachable \(the GoLogin desktop app at http:\/\/127\.0\.0\.1:36912 does not answer\) since \d\d:\d\d/).waitFor()
    await panelPage(page).screenshots('hosts-takes-no-work')
    await row.getByRole('cell', { name: '0 of 3', exact: true }).waitFor()
    // Its heartbeat carries its log's summary of the last 15 minutes.
    await row.getByText('0 errors, 0 warnings').waitFor()
    await page.getByText(/^2 hosts online · /).waitFor()

    // Drain the worker from this panel (through its hosts row, taken with its next heartbeat) and this panel itself (at once).
    await row.getByRole('button', { name: 'Drain', exact: true }).click()
    await page.getByRole('status').filter({ hasText: /^Asked rack-7 to drain: it finishes what it runs and claims nothing more/ }).waitFor()
    await row.getByRole('note').filter({ hasText: /^draining since \d\d:\d\d.* · nothing left to finish$/ }).waitFor()
    const own = table.getByRole('row').filter({ hasText: '(this panel)' })
    await own.getByRole('button', { name: 'Drain', exact: true }).click()
    await own.getByRole('note').filter({ hasText: /^draining since \d\d:\d\d.* · nothing left to finish$/ }).waitFor()
    const statusDrain = page.getByRole('status', { name: 'Drain' })
    await statusDrain.getByText(/^Draining since \d\d:\d\d/).waitFor()
    await panelPage(page).screenshots('hosts-draining')

    // Resume both: the worker's row and the status bar go back to claiming.
    await row.getByRole('button', { name: 'Resume' }).click()
    await own.getByRole('button', { name: 'Resume' }).click()
    await statusDrain.waitFor({ state: 'detached' })
    await row.getByRole('button', { name: 'Drain', exact: true }).waitFor({ timeout: 10_000 })
    await row.getByRole('note').filter({ hasText: /draining|requested/ }).waitFor({ state: 'detached' })

    // "Drain and stop" (workers only): with nothing running it stops cleanly, exit code 0, and shows offline.
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)))
    await own.getByRole('button', { name: 'Drain and stop' }).waitFor({ state: 'detached' })
    await row.getByRole('button', { name: 'Drain and stop' }).click()
    if ((await exited) !== 0) throw new Error('the drained worker did not exit with code 0')
    await row.getByText(/^offline since \d\d:\d\d/).waitFor({ timeout: 30_000 })
    await page.getByText(/^1 host online · /).waitFor()
  })

  it('offers to release the profiles an offline host still holds, after a confirmation', { timeout: 120_000 }, async () => {
    const databaseUrl = await freshPostgresUrl()
    const panelDir = tempDir('panel-e2e-release-')
    // "Host is dead after" far away: only the operator's release frees the profiles here.
    const page = await openHosts(panelDir, { DATABASE_URL: databaseUrl, PROFILE_SYNC_INTERVAL: '0', CLAIM_LEASE_SECONDS: '2', HOST_DEAD_AFTER_SECONDS: '3600' })
    const table = page.getByRole('table', { name: 'Hosts' })
    await table.getByRole('row').filter({ hasText: '(this panel)' }).getByText('online').waitFor()
    // A worker that died holding two profiles (its desktop launcher's browsers may still be open there).
    const db = new pg.Client({ connectionString: databaseUrl })
    await db.connect()
    try {
      await db.query(`INSERT INTO hosts (host_id, started_at, heartbeat_at, slots, launcher, running, summary) VALUES ('w2', now() - interval '1 hour', now() - interval '20 minutes', 4, 'desktop', 2, '{}')`)
      await db.query(`INSERT INTO profiles (profile_id, profile_name, in_use, in_use_by) VALUES ('p-1', 'one', TRUE, 'w2'), ('p-2', 'two', TRUE, 'w2')`)
      const row = table.getByRole('row', { name: 'w2' })
      await row.getByText(/^offline since \d\d:\d\d.* — holds 2 profiles$/).waitFor()
      const button = row.getByRole('button', { name: 'Release this host’s profiles' })
      await button.waitFor()
      fs.mkdirSync(SCREENSHOTS, { recursive: true })
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hosts-offline-release.png') })

      await button.click()
      const dialog = page.getByRole('dialog', { name: 'Release the profiles of w2?' })
      await dialog.getByText(/may still be open on that machine/).waitFor()
      await page.screenshot({ path: path.join(SCREENSHOTS, 'hosts-release-confirm.png') })
      await dialog.getByRole('button', { name: 'Release profiles' }).click()
      await page.getByRole('status').filter({ hasText: '2 profile(s) released' }).waitFor()
      await row.getByText(/— 2 profiles released$/).waitFor()
      await row.getByRole('button', { name: 'Release this host’s profiles' }).waitFor({ state: 'detached' })
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM profiles WHERE in_use = TRUE`)
      if (rows[0].n !== 0) throw new Error(`${rows[0].n} profile(s) still held after the release`)
    } finally {
      await db.end()
    }
  })

  it('on SQLite says this machine runs every authorization itself', { timeout: 60_000 }, async () => {
    const page = await openHosts(tempDir('panel-e2e-solo-'), { PROFILE_SYNC_INTERVAL: '0' })
    await page.getByRole('region', { name: 'This machine only' }).getByText(/keeps its data in SQLite on this machine/).waitFor()
  })
})
