/**
 * `npm run start:web -- --sandbox`: browser mode on the built-in simulators, as a newcomer runs it —
 * the built entry point, the WebSocket the UI speaks, and the sandbox's control endpoint. Then what the
 * operator sees of it (issue 21 row 6): the sandbox banner and Settings' box, and after the panel is killed
 * mid-batch and started again, the banner saying when it stopped and what became of each account.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { SessionPage, SessionPatch } from '../../../src/shared/contract/sessions'
import type { SystemInfo } from '../../../src/shared/contract/system'
import type { WsServerMessage } from '../../../src/shared/ws-protocol'
import { panelSocket, startBrowserMode, stopChild, tokenOf, type BrowserModeProcess } from '../../helpers/browser-mode'
import { launchPlaywright } from '../../helpers/chromium'
import { tempDir } from '../../helpers/temp-dir'
import { chromiumUnder } from '../../integration/authorization/panel-world'

const ENTRY = path.resolve(import.meta.dirname, '../../../out/main/web.js')
let child: ChildProcess | null = null

let panel: BrowserModeProcess | null = null
let browser: Browser | null = null
/** Data folders whose sandbox Chromiums a killed panel may have left behind. */
const killedIn: string[] = []

afterEach(async () => {
  if (child) await stopChild(child)
  child = null
  await browser?.close()
  browser = null
  await panel?.stop()
  panel = null
  for (const dir of killedIn.splice(0)) killChromiumUnder(dir)
})

/** The sandbox's profile browsers a SIGKILLed panel could not stop (its children, orphaned). */
function killChromiumUnder(dir: string): void {
  for (const pid of chromiumUnder(dir)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Gone already.
    }
  }
}

/** The panel's WebSocket as a tiny RPC client plus the pushed session patches. */
async function connect(host: BrowserModeProcess) {
  const socket = panelSocket(host.url, host.token)
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const results = new Map<number, (message: WsServerMessage) => void>()
  const patches: SessionPatch[] = []
  const watchers: Array<() => void> = []
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsServerMessage
    if (message.type === 'result') results.get(message.id)?.(message)
    if (message.type === 'events') for (const batch of message.batches) if (batch.channel === 'sessions') patches.push(...(batch.items as SessionPatch[]))
    for (const wake of watchers.splice(0)) wake()
  })
  let next = 0
  return {
    patches,
    async call<T>(channel: string, payload?: unknown): Promise<T> {
      const id = ++next
      const answer = await new Promise<WsServerMessage>((resolve) => {
        results.set(id, resolve)
        socket.send(JSON.stringify({ type: 'invoke', id, channel, payload }))
      })
      if (answer.type !== 'result' || !answer.envelope.success) throw new Error(`${channel} failed: ${JSON.stringify(answer)}`)
      return answer.envelope.data as T
    },
    async until(test: () => boolean): Promise<void> {
      while (!test()) await new Promise<void>((resolve) => watchers.push(resolve))
    },
    close: () => socket.close(),
  }
}

const SHOTS = '/tmp/shots-account'

/** Starts browser mode and resolves with the lines it printed once both URLs are out. */
function startWeb(dataDir: string, args: string[]): Promise<{ panelUrl: string; sandboxUrl: string }> {
  if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`)
  const started = spawn(process.execPath, [ENTRY, '--data-dir', dataDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  child = started
  let stdout = ''
  let stderr = ''
  started.stderr!.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start in time:\n${stderr}`)), 60_000)
    started.stdout!.on('data', (chunk) => {
      stdout += chunk
      const panel = /^PANEL_URL=(\S+)$/m.exec(stdout)
      const sandbox = /^SANDBOX_URL=(\S+)$/m.exec(stdout)
      if (panel && sandbox) {
        clearTimeout(timer)
        resolve({ panelUrl: panel[1], sandboxUrl: sandbox[1] })
      }
    })
    started.once('exit', (code) => reject(new Error(`browser mode exited with ${code}:\n${stderr}`)))
  })
}

describe('browser mode with --sandbox', () => {
  it('runs the whole flow on the simulators and leaves nothing behind when stopped', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('web-sandbox-')
    const { panelUrl, sandboxUrl } = await startWeb(dataDir, ['--sandbox', '--sandbox-profiles', '6'])
    const accounts = (await (await fetch(`${sandboxUrl}/__sandbox/accounts`)).json()) as Array<{ profileId: string; username: string }>
    expect(accounts).toHaveLength(6)

    const socket = panelSocket(panelUrl, tokenOf(panelUrl))
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    const messages: WsServerMessage[] = []
    const waiters: Array<() => void> = []
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as WsServerMessage)
      for (const wake of waiters.splice(0)) wake()
    })
    const until = async <T>(find: () => T | undefined): Promise<T> => {
      for (;;) {
        const found = find()
        if (found !== undefined) return found
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    }
    socket.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'batch:start', payload: { profileIds: accounts.slice(0, 2).map((a) => a.profileId), apiApp: 'SANDBOX2' } }))
    const answer = await until(() => messages.find((m) => m.type === 'result' && m.id === 1))
    if (answer.type !== 'result' || !answer.envelope.success) throw new Error(`batch:start failed: ${JSON.stringify(answer)}`)
    const { batchId } = answer.envelope.data as { batchId: string }
    const done = await until(() =>
      messages
        .flatMap((m) => (m.type === 'events' ? m.batches : []))
        .filter((b) => b.channel === 'progress')
        .flatMap((b) => b.items as BatchProgress[])
        .find((p) => p.id === batchId && p.state === 'finished'),
    )
    expect(done).toMatchObject({ succeeded: 2, failed: 0 })
    expect(await (await fetch(`${sandboxUrl}/__sandbox/stats`)).json()).toMatchObject({ tokens: { issued: 2, revoked: 0 }, callbackHits: { total: 0 }, runningBrowsers: 0 })
    socket.close()

    expect(await stopChild(child!)).toBe(0)
    child = null
    await expect(fetch(`${sandboxUrl}/__sandbox/stats`)).rejects.toThrow()
    expect(chromiumUnder(dataDir)).toEqual([])
  })

  it('shows sandbox mode (banner, Settings box on and locked); after a kill mid-batch, says when the panel stopped and what became of each account', { timeout: 300_000 }, async () => {
    fs.mkdirSync(SHOTS, { recursive: true })
    const dataDir = tempDir('web-restart-')
    const args = ['--sandbox', '--sandbox-profiles', '30']
    panel = await startBrowserMode({ dataDir, args, timeoutMs: 60_000 })
    browser = await launchPlaywright()
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    await page.goto(panel.url)

    // Sandbox mode is said, on every page, and Settings shows its box on and why it cannot be changed here.
    const sandboxBanner = page.getByRole('status', { name: 'Sandbox mode' })
    await sandboxBanner.getByText('GoLogin and X are simulated').waitFor()
    await expect(sandboxBanner.textContent()).resolves.toContain('Started with --sandbox')
    await page.screenshot({ path: `${SHOTS}/sandbox-banner.png` })
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    const box = page.getByRole('checkbox', { name: 'Sandbox mode' })
    await box.waitFor()
    expect(await box.isChecked()).toBe(true)
    expect(await box.isDisabled()).toBe(true)
    await page.getByText('On for this run: the panel was started with').waitFor()
    await page.getByRole('region', { name: 'Sandbox' }).scrollIntoViewIfNeeded()
    await page.getByRole('region', { name: 'Sandbox' }).screenshot({ path: `${SHOTS}/settings-sandbox.png` })

    // A batch of 30 on 10 slots; the panel is killed once accounts are running (the rest still queued).
    const rpc = await connect(panel)
    const accounts = (await (await fetch(`${panel.sandboxUrl}/__sandbox/accounts`)).json()) as Array<{ profileId: string }>
    const { batchId } = await rpc.call<{ batchId: string }>('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX2' })
    await rpc.until(() => rpc.patches.filter((p) => p.status === 'in_progress').length >= 2)
    killedIn.push(dataDir)
    panel.child.kill('SIGKILL')
    await panel.stop()
    rpc.close()
    killChromiumUnder(dataDir)
    const killedAt = Date.now()

    panel = await startBrowserMode({ dataDir, args, timeoutMs: 60_000 })
    const after = await connect(panel)
    const sessions = await after.call<SessionPage>('sessions:list', { batchId, limit: 100 })
    const interrupted = sessions.rows.filter((row) => row.errorCode === 'INTERRUPTED')
    const failed = interrupted.filter((row) => row.status === 'failed')
    const notStarted = interrupted.filter((row) => row.status === 'cancelled')
    expect(failed.length).toBeGreaterThanOrEqual(2)
    expect(notStarted.length).toBeGreaterThan(0)
    const info = await after.call<SystemInfo>('system:info')
    after.close()
    expect(info.restart).toMatchObject({ failed: failed.length, notStarted: notStarted.length, resumed: 0, stoppedAtSource: 'log' })
    // The last log line of the killed run: before the kill, after the batch began.
    expect(Date.parse(info.restart!.stoppedAt!)).toBeLessThanOrEqual(killedAt)
    expect(info.restart!.accounts.filter((a) => a.outcome === 'failed').map((a) => a.sessionId).sort()).toEqual(failed.map((row) => row.id).sort())

    await page.goto(panel.url)
    await page.reload()
    const banner = page.getByRole('alert', { name: 'The panel stopped unexpectedly' })
    await banner.getByText('The panel stopped without shutting down at').waitFor()
    const text = (await banner.textContent()) ?? ''
    expect(text).toContain(`${failed.length} accounts failed as interrupted`)
    expect(text).toContain(`${notStarted.length} account${notStarted.length === 1 ? '' : 's'} not started (cancelled)`)
    expect(text).toContain('its last log line')
    for (const row of failed) expect(text).toContain(`@${row.username}`)
    await page.screenshot({ path: `${SHOTS}/restart-banner.png` })
    await banner.screenshot({ path: `${SHOTS}/restart-banner-only.png` })

    // Its link opens Sessions filtered to them; dismissed, it stays away on reload (this run).
    await banner.getByRole('button', { name: 'Show them in Sessions' }).click()
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor()
    await expect.poll(() => page.getByRole('combobox', { name: 'Batch' }).inputValue()).toBe(batchId)
    await page.screenshot({ path: `${SHOTS}/restart-sessions.png` })
    await banner.getByRole('button', { name: 'Dismiss the restart notice' }).click()
    await banner.waitFor({ state: 'detached' })
    await page.reload()
    await sandboxBanner.waitFor()
    expect(await banner.count()).toBe(0)
    expect(problems).toEqual([])
  })
})
