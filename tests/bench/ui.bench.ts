/**
 * The operator UI with 40,000 profiles, in real Chromium (Playwright) against browser mode:
 * - `ui.grid40k.interactive_ms`: page load → first grid rows painted and the main thread free;
 *   `ui.grid40k.loaded_ms`: → all 40,000 rows loaded (pages arrive progressively);
 * - `ui.filter40k.ms`: a keystroke in search → the filtered grid painted (median of 5 keystrokes;
 *   `ui.filter40k.max_ms` the slowest);
 * - `ui.select_all40k.ms`: Ctrl+A → "40,000 selected" painted;
 * - `ui.stream.longest_task_ms`: the longest main-thread task (PerformanceObserver 'longtask', which
 *   reports tasks over 50 ms; 0 = none) while 200 session updates/s stream in, on the Profiles grid
 *   and on the live Sessions table; `ui.stream.max_lag_ms` is the worst event-loop delay seen by a
 *   10 ms probe (catches shorter stalls too).
 *
 * Grid figures: browser mode `--sandbox --sandbox-profiles 40000` (the real database, router and
 * WebSocket). Stream figures: the fake backend (tests/e2e/support) behind the real web host, router,
 * event hub and WebSocket transport — the sandbox cannot produce 200 updates/s through 10 GoLogin
 * slots. `UI_BENCH_PROFILES` changes the row count (the sandbox takes at most 40,000).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { startFakePanel } from '../e2e/support/fake-panel'
import { benchmark, median, type Metrics } from './harness'

const PROFILES = Number(process.env.UI_BENCH_PROFILES ?? 40_000)
const STREAM_PER_SECOND = 200
const STREAM_SECONDS = 6

interface PageElement {
  textContent: string | null
  dataset: Record<string, string | undefined>
}
/**
 * The browser globals the in-page functions use (this file is compiled with Node's types).
 * Those functions are serialised into the page: they reach everything through `globalThis` and
 * never through this module's scope. The page's CSP forbids eval, so no string expressions either.
 */
interface Page$ {
  __bench: { longTasks: number[]; firstRowsAt: number | null; maxLag: number }
  __t0?: number
  __t?: Promise<number>
  __probe?: ReturnType<typeof setInterval>
  document: {
    body: unknown
    querySelector(selector: string): PageElement | null
    addEventListener(type: string, listener: () => void): void
  }
  addEventListener(type: string, listener: (event: { timeStamp: number }) => void, options: object): void
  requestAnimationFrame(callback: () => void): number
  MutationObserver: new (callback: () => void) => { observe(target: unknown, options: object): void; disconnect(): void }
  PerformanceObserver: new (callback: (list: { getEntries(): { duration: number }[] }) => void) => { observe(options: object): void }
}

/** Installed before the app loads: records long tasks and when the grid first shows rows. */
function probe(): void {
  const win = globalThis as unknown as Page$
  win.__bench = { longTasks: [], firstRowsAt: null, maxLag: 0 }
  new win.PerformanceObserver((list) => {
    for (const entry of list.getEntries()) win.__bench.longTasks.push(entry.duration)
  }).observe({ type: 'longtask', buffered: true })
  const seen = new win.MutationObserver(() => {
    if (win.__bench.firstRowsAt === null && win.document.querySelector('[role=grid][aria-label=Profiles] [role=row][aria-rowindex="2"]')) {
      seen.disconnect()
      win.requestAnimationFrame(() => setTimeout(() => (win.__bench.firstRowsAt = performance.now()), 0))
    }
  })
  win.document.addEventListener('DOMContentLoaded', () => seen.observe(win.document.body, { childList: true, subtree: true }))
}

type Condition = { kind: 'filter'; value: string } | { kind: 'selected'; prefix: string }

/** Time from the marked input event to the first paint after `condition` holds. */
async function timeUntilPainted(page: Page, action: () => Promise<void>, condition: Condition): Promise<number> {
  await page.evaluate((cond) => {
    const win = globalThis as unknown as Page$
    const check = () =>
      cond.kind === 'filter'
        ? win.document.querySelector('[role=grid][aria-label=Profiles]')?.dataset.filter === cond.value
        : Boolean(win.document.querySelector('[aria-label=Selection]')?.textContent?.startsWith(cond.prefix))
    win.__t = new Promise<number>((resolve) => {
      const start = performance.now()
      const finish = () => win.requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - (win.__t0 ?? start)), 0))
      const observer = new win.MutationObserver(() => {
        if (check()) {
          observer.disconnect()
          finish()
        }
      })
      observer.observe(win.document.body, { childList: true, subtree: true, attributes: true, characterData: true })
    })
  }, condition)
  await action()
  return page.evaluate(() => (globalThis as unknown as Page$).__t!)
}

/** Marks the time of the next key event the page receives (its timestamp is when it was delivered). */
async function markNextKey(page: Page, type: 'keydown' | 'input'): Promise<void> {
  await page.evaluate((eventType) => {
    const win = globalThis as unknown as Page$
    win.__t0 = undefined
    win.addEventListener(eventType, (event) => (win.__t0 ??= event.timeStamp), { once: true, capture: true })
  }, type)
}

async function streamWindow(page: Page, start: () => void, stop: () => void): Promise<{ longest: number; lag: number; count: number }> {
  await page.evaluate(() => {
    const win = globalThis as unknown as Page$
    win.__bench.longTasks = []
    win.__bench.maxLag = 0
    let last = performance.now()
    win.__probe = setInterval(() => {
      const now = performance.now()
      win.__bench.maxLag = Math.max(win.__bench.maxLag, now - last - 10)
      last = now
    }, 10)
  })
  start()
  await page.waitForTimeout(STREAM_SECONDS * 1_000)
  stop()
  const result = await page.evaluate(() => {
    const win = globalThis as unknown as Page$
    clearInterval(win.__probe)
    return { tasks: win.__bench.longTasks, lag: win.__bench.maxLag }
  })
  return { longest: Math.max(0, ...result.tasks), lag: result.lag, count: result.tasks.length }
}

/** Load, filter and select-all on the Profiles grid of `url`; `profiles` rows are expected. */
async function gridMetrics(browser: Browser, url: string, profiles: number): Promise<Metrics> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  try {
    await page.addInitScript(probe)
    await page.goto(url)
    const grid = page.getByRole('grid', { name: 'Profiles' })
    await page.waitForFunction(() => (globalThis as unknown as Page$).__bench.firstRowsAt !== null, undefined, { timeout: 60_000 })
    const interactive = (await page.evaluate(() => (globalThis as unknown as Page$).__bench.firstRowsAt))!
    const allLoaded = `${profiles.toLocaleString('en-US')} profiles`
    await page.getByText(allLoaded, { exact: true }).waitFor({ timeout: 120_000 })
    const loaded = await page.evaluate(() => performance.now())

    // Each keystroke narrows the rows ("3" → "39" → … → "39999"): time to the painted result.
    const search = page.getByRole('searchbox', { name: 'Search profiles' })
    await search.click()
    const keystrokes: number[] = []
    let typed = ''
    for (const key of '39999') {
      typed += key
      await markNextKey(page, 'input')
      keystrokes.push(await timeUntilPainted(page, () => page.keyboard.type(key), { kind: 'filter', value: typed }))
    }
    await search.fill('')
    await page.getByText(allLoaded, { exact: true }).waitFor()

    // Ctrl+A on the grid selects all matching rows.
    await grid.focus()
    await markNextKey(page, 'keydown')
    const selectAll = await timeUntilPainted(page, () => page.keyboard.press('Control+a'), { kind: 'selected', prefix: `${profiles.toLocaleString('en-US')} selected` })
    return {
      'ui.grid40k.interactive_ms': { value: Math.round(interactive), unit: 'ms' },
      'ui.grid40k.loaded_ms': { value: Math.round(loaded), unit: 'ms' },
      'ui.filter40k.ms': { value: Math.round(median(keystrokes)), unit: 'ms' },
      'ui.filter40k.max_ms': { value: Math.round(Math.max(...keystrokes)), unit: 'ms' },
      'ui.select_all40k.ms': { value: Math.round(selectAll), unit: 'ms' },
    }
  } finally {
    await page.close()
  }
}

/** The longest main-thread task while 200 session updates/s stream in, on the Profiles grid and on the Sessions table. */
async function streamMetrics(browser: Browser, profiles: number): Promise<Metrics> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ui-stream-'))
  const panel = await startFakePanel({ profiles, dataDir })
  panel.backend.addApp('AIOTT1')
  panel.backend.setToken()
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  try {
    await page.addInitScript(probe)
    await page.goto(panel.url)
    await page.getByText(`${profiles.toLocaleString('en-US')} profiles`, { exact: true }).waitFor({ timeout: 120_000 })
    const onProfiles = await streamWindow(page, () => panel.backend.streamSessions(STREAM_PER_SECOND), () => panel.backend.stopStream())
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click()
    await page.getByRole('grid', { name: 'Sessions' }).getByRole('row').nth(5).waitFor()
    const onSessions = await streamWindow(page, () => panel.backend.streamSessions(STREAM_PER_SECOND, 200), () => panel.backend.stopStream())
    return {
      'ui.stream.longest_task_ms': { value: Math.round(Math.max(onProfiles.longest, onSessions.longest)), unit: 'ms' },
      'ui.stream.long_tasks': { value: onProfiles.count + onSessions.count, unit: 'count' },
      'ui.stream.max_lag_ms': { value: Math.round(Math.max(onProfiles.lag, onSessions.lag)), unit: 'ms' },
    }
  } finally {
    await page.close()
    await panel.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function run(): Promise<Metrics> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ui-'))
  const browser = await launchPlaywright()
  let panel: BrowserModeProcess | null = null
  try {
    panel = await startBrowserMode({ dataDir, args: ['--sandbox', '--sandbox-profiles', String(PROFILES)], timeoutMs: 120_000 })
    const grid = await gridMetrics(browser, panel.url, PROFILES)
    await panel.stop()
    panel = null
    return { ...grid, ...(await streamMetrics(browser, PROFILES)) }
  } finally {
    await panel?.stop()
    await browser.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

benchmark('ui', run)
