/**
 * Settings → Database and hosts in browser mode (the built panel, Playwright + Chromium, a real PostgreSQL server):
 * a host on its SQLite file tests an empty shared database, saves it, is told to restart, and after a restart of the
 * browser-mode process on the same data folder runs on PostgreSQL, as the section shows. The password typed in the URL
 * is never shown back.
 */
import type { Browser, Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { freshPostgresUrl } from '../helpers/test-database'
import { tempDir } from '../helpers/temp-dir'
import { panelPage } from './support/panel-page'

const PASSWORD = 'Db-Pass-e2e-90af3'

const panels: BrowserModeProcess[] = []
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  for (const panel of panels.splice(0)) await panel.stop()
})

async function openSettings(dataDir: string): Promise<{ page: Page; panel: BrowserModeProcess; problems: string[] }> {
  const panel = await startBrowserMode({ dataDir })
  panels.push(panel)
  browser ??= await launchPlaywright()
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  await page.goto(panel.url)
  await panelPage(page).open('Settings')
  return { page, panel, problems }
}

const section = (page: Page) => page.getByRole('region', { name: 'Database and hosts' })
const fact = (page: Page, name: string) => section(page).locator(`dt:text-is("${name}") + dd`)

describe('Database and hosts in Settings (browser mode)', () => {
  it('fill the URL → Test → Save → "Restart the panel"; after a restart the section shows PostgreSQL', { timeout: 120_000 }, async () => {
    const dataDir = tempDir('panel-e2e-join-')
    const url = new URL(await freshPostgresUrl())
    url.password = PASSWORD
    const shown = `postgres://postgres@127.0.0.1:5432${url.pathname}`

    const first = await openSettings(dataDir)
    const { page } = first
    await fact(page, 'Database in use').getByText(/^SQLite file .*panel\.db$/).waitFor()
    await fact(page, 'Chosen by').getByText('the default (no database.json)').waitFor()

    await section(page).getByLabel('PostgreSQL URL').fill(url.toString())
    await section(page).getByRole('button', { name: 'Test', exact: true }).click()
    const check = section(page).getByRole('status', { name: 'Database check' })
    await check.getByText(`${shown} is reachable and empty: this host's data key`).waitFor()

    await section(page).getByRole('button', { name: 'Save', exact: true }).click()
    await check.getByText(`Saved: this host uses PostgreSQL at ${shown} from its next start. Restart the panel to use it.`).waitFor()
    await section(page).getByText('Restart the panel to use it. Stop browser mode and start it again on the same data folder.').waitFor()
    await fact(page, 'At the next start').getByText(`PostgreSQL ${shown}`).waitFor()
    // Browser mode cannot restart itself: no Restart button there.
    expect(await section(page).getByRole('button', { name: 'Restart the panel' }).count()).toBe(0)
    await panelPage(page).screenshots('settings-database-joined')
    expect(await section(page).innerText()).not.toContain(PASSWORD)
    // The saved URL leaves the form.
    expect(await section(page).getByLabel('PostgreSQL URL').inputValue()).toBe('')

    // Restart browser mode on the same data folder: it runs on the shared database now.
    await page.close()
    await panels.shift()!.stop()
    const second = await openSettings(dataDir)
    await fact(second.page, 'Database in use').getByText(`PostgreSQL ${shown}`).waitFor()
    await fact(second.page, 'Chosen by').getByText('database.json in the data folder').waitFor()
    expect(await section(second.page).getByText('Restart the panel to use it.').count()).toBe(0)
    await section(second.page).getByRole('button', { name: "Back to this machine's SQLite…" }).waitFor()
    expect(await section(second.page).innerText()).not.toContain(PASSWORD)
    expect([...first.problems, ...second.problems]).toEqual([])
  })
})
