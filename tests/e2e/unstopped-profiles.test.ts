/**
 * A profile GoLogin refuses to stop, as the operator sees it in browser mode on the sandbox: the account is
 * authorized anyway (its tokens are stored first), the status bar says a profile is not stopped, its dialog
 * says "stopping… retry n" with GoLogin's answer, and Give up frees it.
 */
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { chromiumUnder } from '../integration/authorization/panel-world'
import { panelPage } from './support/panel-page'

let panel: BrowserModeProcess | null = null
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  await panel?.stop()
  panel = null
})

describe('a profile whose stop GoLogin never confirms', () => {
  it('shows in the status bar as "stopping… retry n" and can be given up on', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('panel-e2e-unstopped-')
    panel = await startBrowserMode({ dataDir, args: ['--sandbox', '--sandbox-profiles', '2'] })
    const accounts = (await (await fetch(`${panel.sandboxUrl}/__sandbox/accounts`)).json()) as Array<{ profileName: string; username: string; apiApp: string }>
    const [stuck] = accounts
    const set = await fetch(`${panel.sandboxUrl}/__sandbox/behaviour`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: stuck.username, behaviour: 'stop_failure' }),
    })
    expect(set.status).toBe(200)

    browser = await launchPlaywright()
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
    const ui = panelPage(page)
    await page.goto(panel.url)
    await ui.profileRow(stuck.profileName).click()
    await ui.selection().getByText('1 selected · 1 visible').waitFor()
    await page.getByRole('button', { name: 'Authorize selected…' }).click()
    const confirm = ui.dialog('Authorize selected accounts')
    await confirm.getByLabel('API app').selectOption(stuck.apiApp)
    await confirm.getByRole('button', { name: 'Authorize 1 account' }).click()

    // The account is authorized: its tokens were stored before the failed stop.
    await ui.open('Sessions')
    await ui.sessionRows(stuck.username).getByText('Completed', { exact: true }).waitFor({ timeout: 90_000 })
    const statusBar = page.getByRole('contentinfo')
    await statusBar.getByRole('button', { name: '⚠ 1 profile not stopped' }).click()
    const dialog = ui.dialog('Profiles not confirmed stopped')
    const entry = dialog.getByRole('listitem', { name: stuck.profileName })
    await entry.getByText(/stopping… retry \d+/).waitFor()
    await entry.getByText(/simulated stop failure/).waitFor()
    await ui.screenshots('unstopped-profiles')

    await entry.getByRole('button', { name: 'Give up' }).click()
    await ui.toast('Its slot is free again. Close the profile in GoLogin if it still runs.').waitFor()
    await dialog.getByText('All profiles are stopped now.').waitFor()
    await page.keyboard.press('Escape')
    await statusBar.getByRole('button', { name: /profile not stopped/ }).waitFor({ state: 'detached' })

    await browser.close()
    browser = null
    expect(await panel.stop()).toBe(0)
    panel = null
    expect(chromiumUnder(dataDir)).toEqual([])
  })
})
