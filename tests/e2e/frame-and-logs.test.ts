import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { panelSocket, startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import type { WsClientMessage, WsServerMessage } from '../../src/shared/ws-protocol'

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots')

let panel: BrowserModeProcess | null = null
let browser: Browser | null = null
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await browser?.close()
  browser = null
  await panel?.stop()
  panel = null
})

async function openPanel(dataDir = tempDir('panel-e2e-logs-')): Promise<{ page: Page; problems: string[] }> {
  panel = await startBrowserMode({ dataDir })
  browser = await launchPlaywright()
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(panel.baseUrl).origin })
  const page = await context.newPage()
  // Script errors and CSP violations show up here; the page must produce none.
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  await page.goto(panel.url)
  return { page, problems }
}

/** Another client of the same panel over its WebSocket, as a second browser tab would be. */
async function otherClient(target: BrowserModeProcess): Promise<{ ping(message: string): Promise<void> }> {
  const socket = panelSocket(target.baseUrl, target.token)
  sockets.push(socket)
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
  const waiting = new Map<number, () => void>()
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsServerMessage
    if (message.type === 'result') waiting.get(message.id)?.()
  })
  let nextId = 1
  return {
    ping: (message) =>
      new Promise<void>((resolve) => {
        const id = nextId++
        waiting.set(id, resolve)
        socket.send(JSON.stringify({ type: 'invoke', id, channel: 'system:ping', payload: { message } } satisfies WsClientMessage))
      }),
  }
}

async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) })
}

function connectionStatus(page: Page, text: string) {
  return page.getByRole('status', { name: 'Connection' }).getByText(text, { exact: true })
}

/** Whether `item` is inside the visible part of the scrolling `container`. */
async function isInView(item: ReturnType<Page['locator']>, container: ReturnType<Page['locator']>): Promise<boolean> {
  const [a, b] = await Promise.all([item.boundingBox(), container.boundingBox()])
  return !!a && !!b && a.y >= b.y - 1 && a.y + a.height <= b.y + b.height + 1
}

describe('browser mode: app frame and Logs page', () => {
  it('shows the frame, follows a log line written from the Logs page, and filters, copies and survives a reload', async () => {
    const { page, problems } = await openPanel()

    const nav = page.getByRole('navigation', { name: 'Main' })
    for (const name of ['Profiles', 'Sessions', 'Logs', 'Settings']) await nav.getByRole('link', { name }).waitFor()
    await connectionStatus(page, 'Connected').waitFor()
    await page.getByText(/Browser mode/).waitFor()
    // The landing page is Profiles.
    expect(await nav.getByRole('link', { name: 'Profiles' }).getAttribute('aria-current')).toBe('page')
    await page.getByRole('heading', { name: 'Profiles', level: 1 }).waitFor()
    // The access token does not linger in the address bar, and no cookie carries it.
    expect(page.url()).not.toContain('token=')
    expect(await page.context().cookies()).toEqual([])
    await screenshot(page, 'frame-profiles-light')

    await nav.getByRole('link', { name: 'Logs' }).click()
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
    expect(await nav.getByRole('link', { name: 'Logs' }).getAttribute('aria-current')).toBe('page')
    expect(await nav.getByRole('link', { name: 'Profiles' }).getAttribute('aria-current')).toBeNull()
    const log = page.getByRole('log', { name: 'Log lines' })
    await log.getByText('Panel started (browser mode)').waitFor()

    // A line written by main at the operator's request arrives through the event stream.
    await page.getByRole('button', { name: 'Write test line' }).click()
    const testLine = log.getByText(/^Test line from the Logs page/)
    await testLine.waitFor()
    const row = log.locator('.log-row', { has: page.getByText(/^Test line from the Logs page/) }).first()
    expect(await row.locator('.log-event').textContent()).toBe('system.ping')
    expect(await row.locator('.log-level').textContent()).toBe('info')
    // Written at connect time, so both in the first snapshot and in the first pushed batch: shown once.
    expect(await log.getByText('ws.connected', { exact: true }).count()).toBe(1)

    // Expanding the line shows its JSON.
    await row.getByRole('button', { name: 'Show details' }).click()
    await row.locator('pre').getByText('"event": "system.ping"').waitFor()
    await page.getByRole('button', { name: 'Write test line' }).click()
    await log.getByText(/^Test line from the Logs page/).nth(1).waitFor()
    await screenshot(page, 'logs-light')
    await page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(page, 'logs-dark')
    await page.emulateMedia({ colorScheme: 'light' })

    // Ctrl+F focuses the search; it narrows the list; Esc clears it.
    await page.keyboard.press('Control+f')
    const search = page.getByRole('searchbox', { name: 'Search logs' })
    expect(await search.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true)
    await search.fill('panel started')
    await log.getByText(/^Test line from the Logs page/).first().waitFor({ state: 'detached' })
    await log.getByText('Panel started (browser mode)').waitFor()
    await search.press('Escape')
    expect(await search.inputValue()).toBe('')
    await log.getByText(/^Test line from the Logs page/).first().waitFor()

    // Turning "Info" off hides info lines (warnings, if any, stay).
    await page.getByRole('group', { name: 'Levels' }).getByRole('button', { name: /^Info/ }).click()
    await log.getByText('Panel started (browser mode)').waitFor({ state: 'detached' })
    expect(await log.locator('.log-row.log-info').count()).toBe(0)
    await page.getByRole('group', { name: 'Levels' }).getByRole('button', { name: /^Info/ }).click()

    // Copy puts the visible lines on the clipboard as JSON lines.
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByText(/^Copied \d+ lines as JSON lines$/).waitFor()
    const copied = String(await page.evaluate('navigator.clipboard.readText()'))
    const events = copied.split('\n').map((line) => (JSON.parse(line) as { event: string }).event)
    expect(events).toContain('system.ping')

    // A session link narrows the list to that session's lines.
    await page.goto(`${panel!.baseUrl}#/logs?session=no-such-session`)
    expect(await page.getByRole('textbox', { name: 'Session id' }).inputValue()).toBe('no-such-session')
    await log.getByText('No lines match the filters.').waitFor()

    // That navigation was a reload without #token=: the token this tab remembers (sessionStorage) still connects.
    await connectionStatus(page, 'Connected').waitFor()
    await page.getByRole('textbox', { name: 'Session id' }).fill('')
    await log.getByText(/^Test line from the Logs page/).first().waitFor()

    // Settings shows where the data lives.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()
    await page.getByText('Data folder', { exact: true }).waitFor()
    const about = page.getByRole('region', { name: 'About and security' })
    expect(await about.getByText('Data key protected by', { exact: true }).locator('xpath=following-sibling::dd[1]').textContent()).toBe('a file readable only by you')
    await page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(page, 'settings-dark')

    expect(problems).toEqual([])
  }, 120_000)

  it('follows the newest line, pauses when scrolled up, and jumps back on request', async () => {
    const { page, problems } = await openPanel()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click()
    const log = page.getByRole('log', { name: 'Log lines' })
    const write = page.getByRole('button', { name: 'Write test line' })
    await log.getByText('Panel started (browser mode)').waitFor()

    // More lines than fit: the list keeps the newest one in view.
    // A second client of the same panel writes the lines quickly (each ping logs exactly one line).
    const other = await otherClient(panel!)
    await log.getByText('ws.connected', { exact: true }).nth(1).waitFor()
    let total = Number.parseInt((await page.locator('.page-subtitle').textContent()) ?? '', 10)
    const writeLines = async (count: number) => {
      for (let i = 0; i < count; i++) await other.ping(`Bulk line ${total + i + 1}`)
      total += count
      await page.getByText(`${total} lines`, { exact: true }).waitFor()
    }
    await writeLines(40)
    const newest = () => log.locator('.log-row').last()
    expect(await isInView(newest(), log)).toBe(true)

    expect(await log.getByText(`Bulk line ${total}`, { exact: true }).count()).toBe(1)

    // Scrolling up pauses the tail; new lines are counted instead of scrolled to.
    await log.hover()
    await page.mouse.wheel(0, -400)
    await page.getByRole('button', { name: /^Jump to newest/ }).waitFor()
    await writeLines(2)
    await page.getByRole('button', { name: 'Jump to newest (2 new)' }).waitFor()
    await screenshot(page, 'logs-paused-light')

    await page.getByRole('button', { name: 'Jump to newest (2 new)' }).click()
    await page.getByRole('button', { name: /^Jump to newest/ }).waitFor({ state: 'detached' })
    await write.click()
    const last = log.getByText(/^Test line from the Logs page/)
    await last.waitFor()
    expect(await isInView(last, log)).toBe(true)
    expect(problems).toEqual([])
  }, 120_000)

  it('a tab left from an earlier run says to open the new address instead of reconnecting for ever', async () => {
    const dataDir = tempDir('panel-e2e-restart-')
    const { page, problems } = await openPanel(dataDir)
    await connectionStatus(page, 'Connected').waitFor()
    // The panel restarts where the tab expects it (same port), with a new token.
    const port = Number(new URL(panel!.baseUrl).port)
    await panel!.stop()
    panel = await startBrowserMode({ dataDir, port })
    const refused = page.getByRole('alert', { name: 'Access refused' })
    await refused.getByText('This panel was restarted — open the new address it printed').waitFor()
    await connectionStatus(page, 'Panel restarted').waitFor()
    expect(await page.getByText('Reconnecting…').count()).toBe(0)
    await screenshot(page, 'panel-restarted-light')

    // The new address connects (and the tab forgets the old token).
    await page.goto(panel.url)
    await connectionStatus(page, 'Connected').waitFor()
    await refused.waitFor({ state: 'detached' })
    expect(problems.filter((p) => !p.includes('WebSocket'))).toEqual([])
  }, 120_000)

  it('without the printed address the page asks for it, and a socket with another token or origin is refused', async () => {
    panel = await startBrowserMode({ dataDir: tempDir('panel-e2e-auth-') })
    browser = await launchPlaywright()
    const page = await browser.newPage()
    await page.goto(panel.baseUrl)
    await page.getByRole('alert', { name: 'Access refused' }).getByText('Open the address browser mode printed').waitFor()

    const outcome = (socket: WebSocket) =>
      new Promise<string>((resolve) => {
        socket.on('unexpected-response', (_request, response) => resolve(`http ${response.statusCode}`))
        socket.on('close', (code) => resolve(`close ${code}`))
        socket.on('error', () => {})
      })
    expect(await outcome(panelSocket(panel.baseUrl, 'not-the-token'))).toBe('close 4401')
    expect(await outcome(panelSocket(panel.baseUrl, panel.token, { origin: 'http://127.0.0.1:9' }))).toBe('http 403')
  }, 60_000)
})
