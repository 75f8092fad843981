/**
 * The panel's memory with 40,000 profiles (issue 25, target `panel.memory40k_mb` < 400): browser mode
 * (`node out/main/web.js`) synced from a GoLogin sandbox of 40,000 profiles, the UI open in real Chromium
 * (Playwright) with all 40,000 rows loaded in the Profiles grid, and a small batch (20 accounts, 10 slots)
 * run through it. Then:
 *
 * - `panel.memory40k_mb`: the panel process's RSS + the page's renderer RSS (what the operator's machine
 *   holds for the panel: in the desktop app, main process + window renderer);
 * - `panel.memory40k.main_rss_mb` / `.main_pss_mb`: the panel process (RSS and PSS from /proc);
 *   `.main_rss_after_sync_mb`: its RSS once synced, before the page opened;
 * - `panel.memory40k.renderer_rss_mb` / `.renderer_pss_mb` / `.renderer_js_heap_mb`: the page's renderer
 *   (VmRSS and PSS from /proc; PSS shares Chromium's mapped binary with the browser's other processes),
 *   and its JS heap in use (CDP `Runtime.getHeapUsage`); `.other_renderers_rss_mb`: Playwright's Chromium's other
 *   renderers (a spare one), not counted.
 *
 * The figure moves with V8's garbage collection timing (heap grown by the load and not yet given back): on
 * the same code, single runs differed by 100–150 MB. `MEMORY_BENCH_PROFILES` changes the profile count.
 *
 * The sandbox (its simulated GoLogin holding the 40,000 profiles, X, the profile browsers) runs in this
 * process, not in the panel's: the figure is the panel's own, as with a real GoLogin account.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, CDPSession } from 'playwright-core'
import type { BatchProgress } from '../../src/shared/contract/batches'
import type { SyncProgress } from '../../src/shared/contract/profiles'
import type { WsServerMessage } from '../../src/shared/ws-protocol'
import { startSandboxMode, type SandboxMode } from '../../src/main/sandbox'
import { panelSocket, startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { benchmark, round, type Metrics } from './harness'

const PROFILES = Number(process.env.MEMORY_BENCH_PROFILES ?? 40_000)
const BATCH = 20
const SLOTS = 10
const TARGET_MB = 400

/** The panel's WebSocket as a small RPC client that keeps the batches' progress it is pushed. */
async function connect(panel: BrowserModeProcess) {
  const socket = panelSocket(panel.baseUrl, panel.token)
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const results = new Map<number, (message: WsServerMessage) => void>()
  const progress = new Map<string, BatchProgress>()
  const watchers: Array<() => void> = []
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsServerMessage
    if (message.type === 'result') results.get(message.id)?.(message)
    if (message.type === 'events') {
      for (const batch of message.batches) if (batch.channel === 'progress') for (const item of batch.items as BatchProgress[]) progress.set(item.id, item)
    }
    for (const wake of watchers.splice(0)) wake()
  })
  let next = 0
  const call = async <T>(channel: string, payload?: unknown): Promise<T> => {
    const id = ++next
    const answer = await new Promise<WsServerMessage>((resolve) => {
      results.set(id, resolve)
      socket.send(JSON.stringify({ type: 'invoke', id, channel, payload }))
    })
    results.delete(id)
    if (answer.type !== 'result' || !answer.envelope.success) throw new Error(`${channel} failed: ${JSON.stringify(answer)}`)
    return answer.envelope.data as T
  }
  const until = async (test: () => boolean): Promise<void> => {
    while (!test()) await new Promise<void>((resolve) => watchers.push(resolve))
  }
  return { call, until, progress, close: () => socket.close() }
}

type Rpc = Awaited<ReturnType<typeof connect>>

/** Starts a sync and resolves when it ended (its status is asked every 500 ms). */
async function sync(rpc: Rpc): Promise<SyncProgress> {
  let status = await rpc.call<SyncProgress>('profiles:sync')
  const deadline = Date.now() + 10 * 60_000
  while (status.running) {
    if (Date.now() > deadline) throw new Error(`memory bench: the sync did not end: ${JSON.stringify(status)}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    status = await rpc.call<SyncProgress>('profiles:syncStatus')
  }
  if (status.error) throw new Error(`memory bench: the sync failed: ${status.error}`)
  return status
}

/** Resident and proportional set sizes of a process, MB. */
function memoryOf(pid: number): { rss: number; pss: number } {
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN)
  return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 }
}

/** The renderer processes of the Playwright browser (CDP `SystemInfo.getProcessInfo`). */
async function rendererPids(browser: Browser): Promise<number[]> {
  const session = await browser.newBrowserCDPSession()
  try {
    const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: Array<{ type: string; id: number }> }
    return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id)
  } finally {
    await session.detach()
  }
}

export async function run(): Promise<Metrics> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'))
  let sandbox: SandboxMode | null = null
  let panel: BrowserModeProcess | null = null
  let browser: Browser | null = null
  try {
    sandbox = await startSandboxMode({ dataDir: path.join(root, 'sandbox'), profiles: PROFILES, behaviours: 'none', sharedBrowser: true })
    // No automatic sync: the one below starts once the request rate is raised to the panel's highest setting, on
    // GoLogin's paid plan (1,200/min): 1,334 pages of 30 profiles at the default 120/min would take 11 minutes.
    sandbox.gologin.setRateLimit({ max: 1_200 })
    panel = await startBrowserMode({ dataDir: path.join(root, 'panel'), env: { ...sandbox.env, PROFILE_SYNC_INTERVAL: '0' }, timeoutMs: 120_000 })
    const rpc = await connect(panel)
    await rpc.call('settings:update', { maxConcurrentProfiles: SLOTS, gologinRequestsPerMinute: 1_000 })
    const synced = await sync(rpc)
    if (synced.fetched !== PROFILES) throw new Error(`memory bench: the sync fetched ${synced.fetched} of ${PROFILES} profiles`)
    const afterSync = memoryOf(panel.child.pid!)

    browser = await launchPlaywright()
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(panel.url)
    const allLoaded = `${PROFILES.toLocaleString('en-US')} profiles`
    await page.getByText(allLoaded, { exact: true }).waitFor({ timeout: 180_000 })

    // A small batch while the grid is open: its sessions' updates and progress reach the page.
    const ids = sandbox.accounts().slice(0, BATCH).map((a) => a.profileId)
    const { batchId } = await rpc.call<{ batchId: string }>('batch:start', { profileIds: ids, apiApp: 'SANDBOX1' })
    await rpc.until(() => ['finished', 'cancelled'].includes(rpc.progress.get(batchId)?.state ?? ''))
    const done = rpc.progress.get(batchId)!
    if (done.succeeded !== BATCH) throw new Error(`memory bench: only ${done.succeeded}/${BATCH} accounts succeeded`)
    // The page shows the batch's end (its notice), so every update it was pushed has been applied.
    await page.getByText('Authorization batch finished', { exact: false }).first().waitFor({ timeout: 60_000 })
    rpc.close()

    const cdp: CDPSession = await page.context().newCDPSession(page)
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number }
    await cdp.detach()
    // Playwright's Chromium keeps other renderers beside the page's (a spare one for the next navigation): the
    // page's is the largest (40,000 rows loaded); the others are reported apart.
    const renderers = (await rendererPids(browser)).map((pid) => ({ pid, ...memoryOf(pid) })).sort((a, b) => b.rss - a.rss)
    const rendererMemory = renderers[0]
    const others = renderers.slice(1).reduce((sum, m) => sum + m.rss, 0)
    const main = memoryOf(panel.child.pid!)
    const total = main.rss + rendererMemory.rss
    console.log(`[bench] memory: main ${round(main.rss)} MB + renderer ${round(rendererMemory.rss)} MB (the page's; ${renderers.length - 1} other renderer(s) ${round(others)} MB) = ${round(total)} MB (target < ${TARGET_MB})`)
    return {
      'panel.memory40k_mb': { value: round(total), unit: 'MB' },
      'panel.memory40k.main_rss_mb': { value: round(main.rss), unit: 'MB' },
      'panel.memory40k.main_pss_mb': { value: round(main.pss), unit: 'MB' },
      'panel.memory40k.main_rss_after_sync_mb': { value: round(afterSync.rss), unit: 'MB' },
      'panel.memory40k.renderer_rss_mb': { value: round(rendererMemory.rss), unit: 'MB' },
      'panel.memory40k.renderer_pss_mb': { value: round(rendererMemory.pss), unit: 'MB' },
      'panel.memory40k.renderer_js_heap_mb': { value: round(heap.usedSize / 2 ** 20), unit: 'MB' },
      'panel.memory40k.other_renderers_rss_mb': { value: round(others), unit: 'MB' },
    }
  } finally {
    await browser?.close()
    await panel?.stop()
    await sandbox?.close()
    fs.rmSync(root, { recursive: true, force: true })
  }
}

benchmark('memory', run)
