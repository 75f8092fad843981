import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { panelSocket, startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { startFakePanel, type FakePanel } from './support/fake-panel'
import { panelPage } from './support/panel-page'
import type { WsClientMessage, WsServerMessage } from '../../src/shared/ws-protocol'

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-artifacts/screenshots')

let panel: BrowserModeProcess | null = null
let browser: Browser | null = null
let fake: FakePanel | null = null
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await browser?.close()
  browser = null
  await fake?.close()
  fake = null
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

/** The text of what an element's aria-describedby points at (the note beside a field). */
async function description(field: ReturnType<Page['locator']>): Promise<string> {
  const ids = (await field.getAttribute('aria-describedby')) ?? ''
  const texts = await Promise.all(ids.split(/\s+/).filter(Boolean).map((id) => field.page().locator(`[id="${id}"]`).textContent()))
  return texts.join(' ').trim()
}

/** Whether `item` is inside the visible part of the scrolling `container`. */
async function isInView(item: ReturnType<Page['locator']>, container: ReturnType<Page['locator']>): Promise<boolean> {
  const [a, b] = await Promise.all([item.boundingBox(), container.boundingBox()])
  return !!a && !!b && a.y >= b.y - 1 && a.y + a.height <= b.y + b.height + 1
}

describe('browser mode: app frame and Logs page', () => {
  it('shows the frame (no test hook on the Logs page), follows a line main writes, filters by minimum level, copies and survives a reload', async () => {
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

    // The operator page has no test hook; a line main writes (a client's ping) arrives through the event stream.
    expect(await page.getByRole('button', { name: /test line/i }).count()).toBe(0)
    const other = await otherClient(panel!)
    await other.ping('Test line from the Logs page (1)')
    const testLine = log.getByText(/^Test line from the Logs page/)
    await testLine.waitFor()
    const row = log.locator('.log-row', { has: page.getByText(/^Test line from the Logs page/) }).first()
    expect(await row.locator('.log-event').textContent()).toBe('system.ping')
    expect(await row.locator('.log-level').textContent()).toBe('info')
    // Written at connect time, so both in the first snapshot and in the first pushed batch: shown once (per client).
    expect(await log.getByText('ws.connected', { exact: true }).count()).toBe(2)

    // Expanding the line shows its JSON.
    await row.getByRole('button', { name: 'Show details' }).click()
    await row.locator('pre').getByText('"event": "system.ping"').waitFor()
    await other.ping('Test line from the Logs page (2)')
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

    // A minimum level: "Warnings and errors" shows exactly those (info lines go); the choice says what it shows.
    const levels = page.getByRole('radiogroup', { name: 'Levels shown' })
    expect(await levels.getByRole('radio', { name: /^All levels/ }).getAttribute('aria-checked')).toBe('true')
    await levels.getByRole('radio', { name: /^Warnings and errors/ }).click()
    expect(await levels.getByRole('radio', { name: /^Warnings and errors/ }).getAttribute('aria-checked')).toBe('true')
    expect(await levels.getByRole('radio', { name: /^All levels/ }).getAttribute('aria-checked')).toBe('false')
    await log.getByText('Panel started (browser mode)').waitFor({ state: 'detached' })
    expect(await log.locator('.log-row.log-info').count()).toBe(0)
    await levels.getByRole('radio', { name: /^Errors only/ }).click()
    expect(await log.locator('.log-row.log-warn').count()).toBe(0)
    await levels.getByRole('radio', { name: /^All levels/ }).click()
    await log.getByText('Panel started (browser mode)').waitFor()

    // Copy puts the visible lines on the clipboard as JSON lines.
    await page.getByRole('button', { name: 'Copy' }).click()
    await page.getByText(/^Copied \d+ lines as JSON lines$/).waitFor()
    const copied = String(await page.evaluate('navigator.clipboard.readText()'))
    const events = copied.split('\n').map((line) => (JSON.parse(line) as { event: string }).event)
    expect(events).toContain('system.ping')

    // A session link narrows the list to that session's lines, and says so in words (not a bare id).
    await page.goto(`${panel!.baseUrl}#/logs?session=no-such-session`)
    const sessionFilter = page.getByRole('group', { name: 'Session filter' })
    await sessionFilter.getByText('not known to this panel').waitFor()
    await log.getByText('No lines match the filters.').waitFor()

    // That navigation was a reload without #token=: the token this tab remembers (sessionStorage) still connects.
    await connectionStatus(page, 'Connected').waitFor()
    await sessionFilter.getByRole('button', { name: 'Show all sessions' }).click()
    await sessionFilter.waitFor({ state: 'detached' })
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
    await other.ping('Test line from the Logs page')
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

  it('readable and operable: resizable Sessions columns kept across a reload, whole-header sorting, a focus ring, reasons beside fields, scope warnings', async () => {
    const LONG_ERROR = 'The consent page showed no “Authorize app” button within 30 s: X may be showing this account another page (a challenge or a notice); open the screenshot to see it.'
    fake = await startFakePanel({ profiles: 30, dataDir: tempDir('panel-e2e-readable-') })
    fake.backend.addApp('AIOTT1')
    fake.backend.setToken()
    const sessions = fake.backend.addFinishedSessions(12, { code: 'CONSENT_BUTTON_NOT_FOUND', message: LONG_ERROR })
    browser = await launchPlaywright()
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    const ui = panelPage(page)
    await page.goto(fake.url)
    await page.getByText('30 profiles', { exact: true }).waitFor()

    // A click on the right part of a header cell (well past its label) sorts, and the header shows it.
    const nameHeader = ui.profileGrid().getByRole('columnheader', { name: 'Name', exact: true })
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending')
    const box = (await nameHeader.boundingBox())!
    const label = (await nameHeader.locator('.grid-header-label').boundingBox())!
    const x = box.x + box.width - 14
    expect(x).toBeGreaterThan(label.x + label.width + 20)
    await page.mouse.click(x, box.y + box.height / 2)
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending')
    expect(await nameHeader.locator('.grid-sort-mark').textContent()).toBe('▼')
    await ui.profileGrid().getByRole('row').nth(1).getByText('Profile 00029').waitFor()

    // An invalid inline username says why as text right under the field (its description), not only a red border.
    const row = ui.profileRow('Profile 00028')
    await row.hover()
    await row.getByRole('button', { name: 'Edit X username of Profile 00028' }).click()
    const username = row.getByRole('textbox', { name: 'X username of Profile 00028' })
    await username.fill('bad name!')
    await row.getByRole('alert').getByText('An X username has 1–15 letters, digits or _').waitFor()
    expect(await description(username)).toBe('An X username has 1–15 letters, digits or _')
    const [field, reason] = [(await username.boundingBox())!, (await row.getByRole('alert').boundingBox())!]
    expect(reason.y).toBeGreaterThanOrEqual(field.y + field.height)
    await ui.screenshots('profiles-inline-reason')
    await username.press('Escape')

    // Sessions: every error sentence reads in full (it wraps; the row grows), nothing is clipped.
    await ui.open('Sessions')
    const grid = ui.sessionGrid()
    const failed = sessions.filter((row) => row.status === 'failed')
    const errorCell = ui.sessionRows(failed[0].username).locator('.cell-errorCode')
    await errorCell.getByText(LONG_ERROR).waitFor()
    const fits = await errorCell.evaluate((cell) => ({ height: cell.scrollHeight <= cell.clientHeight + 1, width: cell.scrollWidth <= cell.clientWidth + 1, rowHeight: cell.parentElement!.getBoundingClientRect().height }))
    expect(fits).toMatchObject({ height: true, width: true })
    // …and in view: at 1280 px every column fits the window, the Error column included.
    expect((await errorCell.boundingBox())!.x + (await errorCell.boundingBox())!.width).toBeLessThanOrEqual((await grid.boundingBox())!.x + (await grid.boundingBox())!.width)
    expect(fits.rowHeight).toBeGreaterThan(40)
    // The short columns show their text whole (no "SANDBO…", no "Screensho").
    // Drawn text no wider than the room inside the cell (scrollWidth rounds, and would miss a sub-pixel ellipsis).
    const unclipped = (cell: ReturnType<Page['locator']>) =>
      cell.evaluate((element) => {
        const range = element.ownerDocument.createRange()
        range.selectNodeContents(element)
        const style = element.ownerDocument.defaultView!.getComputedStyle(element)
        const room = element.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)
        return range.getBoundingClientRect().width <= room + 0.5
      })
    const clipped: string[] = []
    for (const column of ['username', 'profileName', 'apiApp', 'status', 'step', 'startedAt', 'durationMs', 'links']) {
      if (!(await unclipped(ui.sessionRows(failed[0].username).locator(`.cell-${column}`)))) clipped.push(column)
    }
    expect(clipped).toEqual([])
    expect(await unclipped(ui.sessionRows(sessions[1].username).locator('.cell-step'))).toBe(true)
    for (const label of await grid.locator('.grid-header-label').all()) expect(await unclipped(label)).toBe(true)
    await ui.screenshots('sessions-readable')

    // Drag the Account column wider; after a reload it keeps its width.
    const account = grid.getByRole('columnheader', { name: 'Account' })
    const before = (await account.boundingBox())!.width
    const handle = (await account.locator('.grid-resizer').boundingBox())!
    await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2)
    await page.mouse.down()
    await page.mouse.move(handle.x + handle.width / 2 + 40, handle.y + handle.height / 2, { steps: 4 })
    await page.mouse.move(handle.x + handle.width / 2 + 80, handle.y + handle.height / 2, { steps: 4 })
    await page.mouse.up()
    const widened = (await account.boundingBox())!.width
    expect(widened).toBeGreaterThan(before + 70)
    await page.waitForFunction(() => Object.keys(localStorage).some((key) => key.includes('columnWidths.sessions')))
    await page.reload()
    await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor()
    await ui.sessionRows(failed[0].username).waitFor()
    expect(Math.abs((await grid.getByRole('columnheader', { name: 'Account' }).boundingBox())!.width - widened)).toBeLessThan(1.5)

    // Keyboard: Tab (from the batch filter) reaches the grid; the grid and its active row show a solid ring of 2px or more.
    const isFocused = () => grid.evaluate((element) => element === element.ownerDocument.activeElement)
    await page.getByRole('combobox', { name: 'Batch' }).focus()
    for (let i = 0; i < 20 && !(await isFocused()); i++) await page.keyboard.press('Tab')
    expect(await isFocused()).toBe(true)
    await page.keyboard.press('ArrowDown')
    type Ring = { style: string; width: number; tag: string }
    const ring = (target: string) =>
      page.evaluate(`(() => { const e = ${target}; const s = getComputedStyle(e); return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), tag: e.tagName } })()`) as Promise<Ring>
    const rowRing = await ring(`document.querySelector('.grid-scroll:focus-visible .grid-row.is-active')`)
    expect(rowRing.style).toBe('solid')
    expect(rowRing.width).toBeGreaterThanOrEqual(2)
    expect(await ring(`document.querySelector('.grid-scroll')`)).toMatchObject({ style: 'solid', width: 2 })
    // Controls too: the control before the grid, reached by Shift+Tab, shows the same ring.
    await page.keyboard.press('Shift+Tab')
    const control = await ring('document.activeElement')
    expect(control).toMatchObject({ style: 'solid', tag: 'BUTTON' })
    expect(control.width).toBeGreaterThanOrEqual(2)
    await grid.focus()
    await ui.screenshots('sessions-focus')

    // The Logs link of a session names its account in the filter, not the session id.
    await ui.sessionRows(failed[0].username).getByRole('link', { name: `Logs of @${failed[0].username}` }).click()
    const sessionFilter = page.getByRole('group', { name: 'Session filter' })
    await sessionFilter.getByText(new RegExp(`^@${failed[0].username} \\(${failed[0].profileName}\\), attempt 1 at .*, failed$`)).waitFor()
    expect(await sessionFilter.textContent()).not.toContain(failed[0].id)
    await ui.screenshots('logs-session-filter')

    // Settings: durations in seconds; a consent wait past the time limit per account is named beside both fields.
    await ui.open('Settings')
    expect(await page.getByLabel('Profile start timeout (seconds)').inputValue()).toBe('60')
    expect(await page.getByLabel('Stale session timeout (seconds)').inputValue()).toBe('7200')
    expect(await page.getByText(/\((ms|minutes|hours)\)$/).count()).toBe(0)
    const limit = page.getByLabel('Time limit per account (seconds)')
    const wait = page.getByLabel('Wait for the “Authorize app” button (seconds)')
    await limit.fill('60')
    await wait.fill('500')
    expect(await description(wait)).toBe('Must be shorter than the time limit per account (60 s): the account would fail on that limit first.')
    expect(await description(limit)).toBe('Must be longer than the wait for the “Authorize app” button (500 s), or leave that field empty.')
    expect(await wait.getAttribute('aria-invalid')).toBe('true')
    await page.getByText('2 fields need fixing before you can save.').waitFor()
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true)
    await wait.scrollIntoViewIfNeeded()
    await ui.screenshots('settings-cross-field')
    await wait.fill('45')
    expect(await description(wait)).not.toContain('Must be')
    await page.getByRole('button', { name: 'Discard' }).click()

    // Adding an API app: scope warnings beside the field (it can still be saved).
    await page.getByRole('button', { name: 'Add API app' }).click()
    const dialog = ui.dialog('Add API app')
    const scopes = dialog.getByLabel('Scopes', { exact: true })
    expect(await dialog.getByRole('status', { name: 'Scopes warnings' }).count()).toBe(0)
    await scopes.fill('tweet.read users.read tweets.write')
    const warnings = dialog.getByRole('status', { name: 'Scopes warnings' })
    await warnings.getByText('Without offline.access there is no refresh token: the token expires in 2 hours and cannot be renewed (the account must be authorized again).').waitFor()
    await warnings.getByText(/^Unknown scope: tweets\.write\./).waitFor()
    expect(await description(scopes)).toContain('no refresh token')
    await ui.screenshots('api-app-scope-warning', dialog)
    await dialog.getByLabel('Name', { exact: true }).fill('AIOTT9')
    await dialog.getByLabel('Client ID', { exact: true }).fill('client-9')
    await dialog.getByLabel('Client secret', { exact: true }).fill('secret-9')
    await dialog.getByLabel('Redirect URI', { exact: true }).fill('https://example.com/callback')
    await dialog.getByRole('button', { name: 'Save API app' }).click()
    await ui.toast('API app AIOTT9 saved.').waitFor()
    await page.getByRole('listitem', { name: 'AIOTT9' }).getByRole('list', { name: 'AIOTT9 warnings' }).getByText(/no refresh token/).waitFor()
    await ui.screenshots('settings-api-apps')

    expect(problems).toEqual([])
  }, 120_000)
})
