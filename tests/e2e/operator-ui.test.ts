/**
 * The operator's day in the UI, end to end: browser mode (the built panel) against the GoLogin and X
 * sandboxes with a real Chromium per profile, driven through Playwright by role and accessible name.
 * The token and the API app are entered in Settings (nothing comes from the environment but the
 * service endpoints), profiles arrive by Sync, and the export is checked byte for byte.
 */
import fs from 'node:fs'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { parse } from 'csv-parse/sync'
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startSandboxMode, type SandboxMode } from '../../src/main/sandbox'
import { TOKEN_CSV_COLUMNS } from '../../src/shared/contract/tokens'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { chromiumUnder } from '../integration/authorization/panel-world'
import { panelPage } from './support/panel-page'

let sandbox: SandboxMode | null = null
let panel: BrowserModeProcess | null = null
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  await panel?.stop()
  panel = null
  await sandbox?.close()
  sandbox = null
})

/** A profile whose name needs CSV quoting (a comma and double quotes), sorted right after Profile 00000. */
const QUOTED_NAME = 'Profile 00000 "Q", x'
/** The endpoint variables only: the token and the API app are entered in Settings by the test. */
const ENDPOINT_VARIABLES = ['GOLOGIN_API_URL', 'GOLOGIN_LOCAL_API_URL', 'GOLOGIN_LAUNCHER', 'X_AUTHORIZE_URL', 'X_API_URL']

describe('operator UI on the sandbox', () => {
  it('settings → sync → filter → authorize 20 → live sessions and progress → CSV export → triage the failures → fix one account → retry failed completes it', { timeout: 420_000 }, async () => {
    const dataDir = tempDir('panel-e2e-ui-')
    // Slow accounts (none in the demo mix) wait at X's consent page until the batch they are in is cancelled.
    sandbox = await startSandboxMode({ dataDir, profiles: 40, headless: true, slowConsentDelayMs: 120_000 })
    sandbox.gologin.addProfiles([{ id: '6650ffff00000000000000aa', name: QUOTED_NAME, notes: '@userquoted', folders: ['Batch 1'], tags: ['x', 'AIOTT1'], os: 'win', proxy: null }])
    const env = Object.fromEntries(ENDPOINT_VARIABLES.map((name) => [name, sandbox!.env[name]]))
    panel = await startBrowserMode({ dataDir, env })
    browser = await launchPlaywright()
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true })
    const page = await context.newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    const ui = panelPage(page)
    await page.goto(panel.url)

    // No token yet: the Profiles page says what to do next.
    await page.getByRole('heading', { name: 'Add your GoLogin API token first' }).waitFor()
    await ui.screenshots('profiles-empty')
    await page.getByRole('link', { name: 'Open Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()

    // Field-level validation: a bad value is named and nothing can be saved until it is fixed.
    const concurrency = page.getByLabel('Profiles running at once')
    await concurrency.fill('0')
    await page.getByText('Must be at least 1.').waitFor()
    await page.getByText('1 field needs fixing before you can save.').waitFor()
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true)
    await concurrency.fill('10')

    // The GoLogin token: tested before it is saved, then saved (write-only: the field empties).
    const tokenField = page.getByLabel('GoLogin API token')
    await tokenField.fill(sandbox.gologin.token)
    await page.getByRole('button', { name: 'Test connection' }).click()
    await page.getByRole('status', { name: 'Connection test' }).getByText('Connected: the account has 41 profiles.').waitFor()
    await page.getByRole('button', { name: 'Save changes' }).click()
    await ui.toast('1 setting saved.').waitFor()
    expect(await tokenField.inputValue()).toBe('')
    expect(await tokenField.getAttribute('placeholder')).toMatch(/stored/)

    // An API app, with its validation messages first.
    await page.getByRole('button', { name: 'Add API app' }).click()
    const appDialog = ui.dialog('Add API app')
    await appDialog.getByRole('button', { name: 'Save API app' }).click()
    await appDialog.getByText('Is required.').waitFor()
    await appDialog.getByLabel('Name').fill('SANDBOX1')
    await appDialog.getByLabel('Client ID').fill(sandbox.env.SANDBOX1_CLIENT_ID)
    await appDialog.getByLabel('Client secret').fill(sandbox.env.SANDBOX1_CLIENT_SECRET)
    await appDialog.getByLabel('Redirect URI').fill('http://example.com/callback')
    await appDialog.getByText(/^Must be an https:\/\/ URL/).waitFor()
    await appDialog.getByLabel('Redirect URI').fill(sandbox.env.SANDBOX1_CALLBACK_URL)
    await appDialog.getByRole('button', { name: 'Save API app' }).click()
    await appDialog.waitFor({ state: 'detached' })
    const apps = page.getByRole('list', { name: 'API apps' })
    await apps.getByRole('listitem', { name: 'SANDBOX1' }).getByText('secret stored', { exact: false }).waitFor()
    await ui.screenshots('settings')

    // Sync: the profiles arrive.
    await ui.open('Profiles')
    await page.getByRole('region', { name: 'No profiles yet' }).getByRole('button', { name: 'Sync now' }).click()
    await page.getByText('41 profiles', { exact: true }).waitFor({ timeout: 60_000 })
    await ui.profileRow(QUOTED_NAME).waitFor()

    // Filter, then select 20: a click, then Shift-click on the 20th row.
    await page.getByRole('combobox', { name: 'Tag' }).selectOption('AIOTT1')
    await page.getByText('21 of 41 profiles match', { exact: true }).waitFor()
    await ui.profileRow('Profile 00000').click()
    await ui.profileRow('Profile 00036').click({ modifiers: ['Shift'] })
    await ui.selection().getByText('20 selected · 20 visible').waitFor()
    // The selection survives filtering.
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('00036')
    await ui.selection().getByText('20 selected · 1 visible').waitFor()
    await page.getByRole('searchbox', { name: 'Search profiles' }).press('Escape')
    await ui.selection().getByText('20 selected · 20 visible').waitFor()
    await ui.screenshots('profiles-selected')

    // Authorize selected: the confirmation states the count and the concurrency.
    await page.getByRole('button', { name: 'Authorize selected…' }).click()
    const confirm = ui.dialog('Authorize selected accounts')
    await confirm.getByLabel('API app').selectOption('SANDBOX1')
    await confirm.getByText(/20 accounts will be authorized for SANDBOX1, at most 10 profiles at a time/).waitFor()
    await ui.screenshots('authorize-dialog')
    await confirm.getByRole('button', { name: 'Authorize 20 accounts' }).click()
    await ui.toast(/^20 accounts queued for SANDBOX1/).waitFor()

    // Live: the Sessions table and the progress bar, until 20/20.
    await ui.open('Sessions')
    await ui.sessionGrid().getByText('In progress').first().waitFor({ timeout: 60_000 })
    await ui.screenshots('sessions-running')
    await ui.batchBar().locator('[role="progressbar"][aria-valuenow="20"]').waitFor({ timeout: 300_000 })
    await ui.batchBar().getByText('20 / 20').waitFor()
    const sessions = ui.sessionGrid()
    expect(await sessions.getByText('In progress', { exact: true }).count()).toBe(0)
    expect(await sessions.getByText('Pending', { exact: true }).count()).toBe(0)
    // user00004 is logged out in its profile (the sandbox's demo mix): failed, with the reason.
    const failedRow = ui.sessionRows('user00004')
    await failedRow.getByText('Failed', { exact: true }).waitFor()
    await failedRow.getByText('X_LOGGED_OUT').waitFor()
    const succeeded = Number((await ui.batchBar().locator('.text-ok').textContent())?.replace(/\D/g, ''))
    const failedCount = Number((await ui.batchBar().getByTitle('Failed or timed out').textContent())?.replace(/\D/g, ''))
    expect(succeeded + failedCount).toBe(20)
    expect(failedCount).toBeGreaterThanOrEqual(1)
    await ui.sessionRows('userquoted').getByText('Completed', { exact: true }).waitFor()
    await ui.screenshots('sessions-done')
    // The page the browser showed when it failed.
    await failedRow.getByRole('button', { name: 'Screenshot of @user00004' }).click()
    const shot = ui.dialog('Screenshot — @user00004').getByRole('img', { name: /^The browser page of @user00004/ })
    await shot.waitFor()
    expect(await shot.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0)
    await ui.screenshots('session-screenshot')
    await page.keyboard.press('Escape')
    await ui.dialog('Screenshot — @user00004').waitFor({ state: 'detached' })

    // The session's own log lines, one click away.
    await failedRow.getByRole('link', { name: 'Logs of @user00004' }).click()
    await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor()
    // The filter names the account, not the session id.
    await page.getByRole('group', { name: 'Session filter' }).getByText(/^@user00004 \(.+\), attempt 1 at .+, failed$/).waitFor()
    await page.getByRole('log', { name: 'Log lines' }).locator('.log-row').first().waitFor()
    await ui.screenshots('logs-session')

    // Export tokens: a download in browser mode; one row per authorized account, CSV-escaped.
    await ui.open('Profiles')
    await page.getByRole('button', { name: 'Export tokens…' }).click()
    const exportDialog = ui.dialog('Export tokens')
    await exportDialog.getByLabel('API app').selectOption('SANDBOX1')
    const downloading = page.waitForEvent('download')
    await exportDialog.getByRole('button', { name: 'Export CSV' }).click()
    const download = await downloading
    const csv = fs.readFileSync((await download.path())!, 'utf8')
    await ui.toast(new RegExp(`^${succeeded} tokens → `)).waitFor()
    const records = parse(csv, { bom: true }) as string[][]
    expect(records[0]).toEqual([...TOKEN_CSV_COLUMNS])
    expect(records).toHaveLength(succeeded + 1)
    const byUsername = new Map(records.slice(1).map((record) => [record[0], Object.fromEntries(TOKEN_CSV_COLUMNS.map((column, i) => [column, record[i]]))]))
    expect(byUsername.has('user00004')).toBe(false)
    expect(byUsername.get('userquoted')).toMatchObject({ api_app: 'SANDBOX1', profile_name: QUOTED_NAME })
    expect(csv).toContain('"Profile 00000 ""Q"", x"')
    const issued = new Set(sandbox.issuedTokens().map((token) => token.accessToken))
    for (const row of byUsername.values()) expect(issued.has(row.access_token)).toBe(true)

    // "Retry failed": the failures in two groups; only "retry may help" is ticked, "needs a person" (user00004, logged out) is not.
    await ui.open('Sessions')
    await page.getByRole('combobox', { name: 'Batch' }).selectOption({ index: 1 })
    await page.getByRole('button', { name: `Retry failed (${failedCount})` }).click()
    const retryDialog = ui.dialog('Retry failed accounts')
    const mayHelp = retryDialog.getByRole('region', { name: 'Retry may help' })
    const needsPerson = retryDialog.getByRole('region', { name: 'Needs a person' })
    await needsPerson.getByText('X_LOGGED_OUT').waitFor()
    const groupCount = async (group: typeof mayHelp) => Number(/: ([\d,]+) accounts?/.exec((await group.locator('label').textContent()) ?? '')?.[1] ?? NaN)
    const retryCount = await groupCount(mayHelp)
    const personCount = await groupCount(needsPerson)
    expect(retryCount + personCount).toBe(failedCount)
    expect(personCount).toBeGreaterThanOrEqual(1)
    expect(await mayHelp.getByRole('checkbox').isChecked()).toBe(true)
    expect(await needsPerson.getByRole('checkbox').isChecked()).toBe(false)
    await retryDialog.getByText(new RegExp(`^${retryCount} accounts? will get a new attempt; ${personCount} left out`)).waitFor()
    await ui.screenshots('retry-dialog-groups', retryDialog)
    // Set the "needs a person" accounts aside: they drop out of the groups and are skipped as needing a manual fix.
    await needsPerson.getByRole('button', { name: new RegExp(`^Mark ${personCount} accounts? as needing a manual fix$`) }).click()
    await ui.toast(new RegExp(`^${personCount} accounts? set aside as needing a manual fix`)).waitFor()
    await retryDialog.getByRole('list', { name: 'Skipped accounts' }).getByText(new RegExp(`^${personCount} needs a manual fix`)).waitFor()
    await needsPerson.getByText(/: 0 accounts/).waitFor()
    await ui.screenshots('retry-dialog-marked', retryDialog)
    await retryDialog.getByRole('button', { name: 'Cancel' }).click()

    // The grid flags them, and filters on the flag; user00004 is fixed by hand, so its mark is cleared.
    await ui.open('Profiles')
    await page.getByRole('combobox', { name: 'Tag' }).selectOption('')
    const clearSelection = page.getByRole('button', { name: 'Clear selection' })
    if (await clearSelection.isVisible()) await clearSelection.click()
    await page.getByRole('toolbar', { name: 'Profile filters' }).getByRole('button', { name: 'Needs a manual fix' }).click()
    await page.getByText(`${personCount} of 41 profiles match`, { exact: true }).waitFor()
    await ui.profileRow('Profile 00004').getByRole('img', { name: 'Needs a manual fix' }).waitFor()
    await ui.screenshots('profiles-manual-fix')
    await ui.profileRow('Profile 00004').getByRole('checkbox').click()
    await ui.selection().getByText(/^1 selected/).waitFor()
    await page.getByRole('group', { name: 'Manual fix' }).getByRole('button', { name: 'Clear manual fix' }).click()
    await ui.toast(/^1 account back in retries/).waitFor()
    await ui.profileRow('Profile 00004').waitFor({ state: 'detached' })
    await page.getByRole('toolbar', { name: 'Profile filters' }).getByRole('button', { name: 'Needs a manual fix' }).click()
    await page.getByRole('button', { name: 'Clear selection' }).click()
    await ui.selection().getByText('No profile selected').waitFor()

    // Fix user00004 in the sandbox, then retry both groups: the still-marked accounts are skipped; user00004 completes.
    sandbox.setBehaviour({ username: 'user00004' }, 'ok')
    await ui.open('Sessions')
    await page.getByRole('combobox', { name: 'Batch' }).selectOption({ index: 1 })
    await page.getByRole('button', { name: `Retry failed (${failedCount})` }).click()
    await needsPerson.getByText(/: 1 account$/).waitFor()
    await needsPerson.getByRole('checkbox').check()
    await ui.screenshots('retry-dialog-both', retryDialog)
    const queuedCount = retryCount + 1
    await retryDialog.getByText(new RegExp(`^${queuedCount} accounts? will get a new attempt`)).waitFor()
    await retryDialog.getByRole('button', { name: new RegExp(`^Retry ${queuedCount} accounts?$`) }).click()
    await ui.toast(new RegExp(`^${queuedCount} accounts? queued again${personCount > 1 ? `, ${personCount - 1} skipped` : '\\.'}`)).waitFor()
    // The bar counts the skipped (still marked) accounts as done.
    const retryTotal = queuedCount + personCount - 1
    await ui.batchBar().getByText(`${retryTotal} / ${retryTotal}`).waitFor({ timeout: 240_000 })
    const retried = ui.sessionRows('user00004')
    await retried.getByText('Completed', { exact: true }).waitFor()
    expect(await retried.getByRole('gridcell').nth(6).textContent()).toBe('2')
    await ui.screenshots('sessions-retried')

    // The profile grid shows the new state of the account.
    await ui.open('Profiles')
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('user00004')
    await ui.profileRow('Profile 00004').getByText('Completed', { exact: true }).waitFor()

    // A batch with failures, cancelled midway (issue 21): the status bar and the batch bar show the database's
    // figures, failed and cancelled counted apart, and each kind is offered for retry on its own.
    for (const username of ['user00002', 'user00006']) sandbox.setBehaviour({ username }, 'logged_out')
    for (let i = 10; i <= 24; i += 2) sandbox.setBehaviour({ username: `user000${i}` }, 'slow')
    sandbox.setBehaviour({ username: 'user00034' }, 'ok')
    await page.getByRole('searchbox', { name: 'Search profiles' }).fill('')
    // The 21 profiles tagged AIOTT1 (triage above cleared the tag filter).
    await page.getByRole('combobox', { name: 'Tag' }).selectOption('AIOTT1')
    await page.getByText('21 of 41 profiles match', { exact: true }).waitFor()
    await page.getByRole('button', { name: 'Select all 21 matching' }).click()
    await ui.selection().getByText('21 selected · 21 visible').waitFor()
    await page.getByRole('button', { name: 'Authorize selected…' }).click()
    const again = ui.dialog('Authorize selected accounts')
    await again.getByLabel('API app').selectOption('SANDBOX1')
    await again.getByRole('button', { name: 'Authorize 21 accounts' }).click()
    await ui.toast(/^21 accounts queued for SANDBOX1/).waitFor()
    // This batch's bar (21 accounts), not the previous batch's still on show.
    const newBar = ui.batchBar().filter({ has: page.getByTitle('Accounts finished (any outcome) / accounts in the batch').filter({ hasText: / \/ 21$/ }) })
    await newBar.getByTitle('Failed or timed out').filter({ hasText: /^✗ 2$/ }).waitFor({ timeout: 120_000 })
    await ui.batchBar().getByRole('button', { name: 'Cancel batch' }).click()
    await ui.dialog('Cancel this batch?').getByRole('button', { name: 'Cancel batch' }).click()
    await ui.batchBar().getByText('Cancelled', { exact: true }).waitFor({ timeout: 60_000 })
    const database = new DatabaseSync(path.join(dataDir, 'panel.db'), { readOnly: true })
    try {
      const count = (sql: string, ...params: string[]) => Number(Object.values(database.prepare(sql).get(...params)!)[0])
      const batchId = String(Object.values(database.prepare('SELECT batch_id FROM authorization_sessions ORDER BY created_at DESC, id DESC LIMIT 1').get()!)[0])
      const inBatch = (status: string) => count('SELECT COUNT(*) FROM authorization_sessions WHERE batch_id = ? AND status = ?', batchId, status)
      const figures = { total: count('SELECT COUNT(*) FROM authorization_sessions WHERE batch_id = ?', batchId), succeeded: inBatch('completed'), failed: inBatch('failed') + inBatch('timeout'), cancelled: inBatch('cancelled') }
      expect(figures).toMatchObject({ total: 21, failed: 2 })
      expect(figures.cancelled).toBeGreaterThanOrEqual(8)
      expect(figures.succeeded + figures.failed + figures.cancelled).toBe(21)
      const bar = ui.batchBar()
      await bar.getByText(`${figures.total} / ${figures.total}`, { exact: true }).waitFor()
      expect(await bar.locator('.text-ok').textContent()).toBe(`✓ ${figures.succeeded}`)
      expect(await bar.getByTitle('Failed or timed out').textContent()).toBe(`✗ ${figures.failed}`)
      expect(await bar.getByTitle('Cancelled before they finished').textContent()).toBe(`${figures.cancelled} cancelled`)
      await bar.getByRole('button', { name: `Retry ${figures.failed} failed`, exact: true }).waitFor()
      await bar.getByRole('button', { name: `Retry ${figures.cancelled} cancelled`, exact: true }).waitFor()
      // The status bar: Queued = pending sessions, Failed/h = failures of the last 60 minutes (within 2 s).
      const hourAgo = new Date(Date.now() - 3_600_000).toISOString().replace('T', ' ').replace('Z', '')
      const monitor = page.getByRole('group', { name: 'Monitor' })
      await monitor.getByText(`Queued ${count("SELECT COUNT(*) FROM authorization_sessions WHERE status = 'pending'")}`, { exact: true }).waitFor({ timeout: 2_000 })
      const failures = count("SELECT COUNT(*) FROM authorization_sessions WHERE status IN ('failed', 'timeout') AND completed_at > ?", hourAgo)
      await monitor.getByText(new RegExp(`^Failed/h ${failures} \\(`)).waitFor({ timeout: 2_000 })
    } finally {
      database.close()
    }
    await ui.screenshots('figures-cancelled-batch')
    await ui.open('Settings')
    await ui.screenshots('settings-end')

    expect(problems).toEqual([])
    await browser.close()
    browser = null
    await panel.stop()
    panel = null
    const sandboxDir = `${dataDir}/sandbox`
    await sandbox.close()
    sandbox = null
    expect(chromiumUnder(sandboxDir)).toEqual([])
  })
})
