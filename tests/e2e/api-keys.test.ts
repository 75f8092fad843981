/**
 * Local REST API keys in Settings (browser mode): create a key and see it once, find it listed by
 * name and prefix, revoke it after a confirmation, and see it marked revoked; turn this machine's REST API on.
 */
import type { Browser } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'

let panel: BrowserModeProcess | null = null
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  await panel?.stop()
  panel = null
})

describe('local REST API keys in Settings', () => {
  it('creates a key shown once, lists it by name and prefix, and revokes it', { timeout: 120_000 }, async () => {
    panel = await startBrowserMode({ dataDir: tempDir('panel-e2e-api-keys-') })
    browser = await launchPlaywright()
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    await page.goto(panel.url)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor()

    const card = page.getByRole('region', { name: 'Local REST API keys' })
    await card.getByText('No API key yet', { exact: false }).waitFor()
    await card.getByRole('status', { name: 'Local REST API state' }).getByText('Off.', { exact: false }).waitFor()
    // This machine's own REST API (host.json): on, on a free port, applied at once.
    await card.getByRole('checkbox', { name: 'Accept REST API requests on this machine' }).check()
    await card.getByRole('spinbutton', { name: 'Port' }).fill('0')
    await card.getByRole('button', { name: 'Save REST API' }).click()
    await card.getByRole('status', { name: 'REST API' }).getByText(/listens on http:\/\/127\.0\.0\.1:\d+/).waitFor()
    await card.getByRole('status', { name: 'Local REST API state' }).getByText(/Listening on http:\/\/127\.0\.0\.1:\d+/).waitFor()

    // Create: an empty name is refused on the spot; then a named key with tokens:read.
    await card.getByRole('button', { name: 'Create key' }).click()
    const createDialog = page.getByRole('dialog', { name: 'Create API key' })
    await createDialog.getByRole('button', { name: 'Create key' }).click()
    await createDialog.getByRole('alert').getByText('The name must not be empty.').waitFor()
    await createDialog.getByRole('textbox', { name: 'Name' }).fill('Reporting script')
    await createDialog.getByRole('checkbox', { name: 'Can read tokens (tokens:read)' }).check()
    await createDialog.getByRole('button', { name: 'Create key' }).click()

    // The key is shown once, with a Copy button and the warning.
    const shownDialog = page.getByRole('dialog', { name: 'API key Reporting script created' })
    await shownDialog.getByText('it will not be shown again', { exact: false }).waitFor()
    const keyField = shownDialog.getByRole('textbox', { name: 'New API key' })
    const key = await keyField.inputValue()
    expect(key.startsWith('glp_')).toBe(true)
    expect(await keyField.getAttribute('readonly')).not.toBeNull()
    await shownDialog.getByRole('button', { name: 'Copy' }).waitFor()
    await shownDialog.getByRole('button', { name: 'Done' }).click()
    await shownDialog.waitFor({ state: 'detached' })

    // Listed by name and prefix; the key itself appears nowhere on the page any more.
    const item = card.getByRole('listitem', { name: 'Reporting script' })
    await item.waitFor()
    const prefix = (await item.locator('.mono').textContent())!.replace('…', '')
    expect(prefix.length).toBeGreaterThan(3)
    expect(key.startsWith(prefix)).toBe(true)
    await item.getByText('tokens:read', { exact: true }).waitFor()
    await item.getByText('never', { exact: true }).waitFor()
    expect(await page.content()).not.toContain(key)

    // Revoke, after a confirmation; the key stays listed, marked revoked.
    await item.getByRole('button', { name: 'Revoke Reporting script' }).click()
    const confirm = page.getByRole('dialog', { name: 'Revoke API key Reporting script?' })
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click()
    await item.getByText('Revoked', { exact: true }).first().waitFor()
    expect(await item.getByRole('button', { name: 'Revoke Reporting script' }).count()).toBe(0)
    await page.getByText('API key Reporting script revoked.').waitFor()
    expect(problems).toEqual([])
  })
})
