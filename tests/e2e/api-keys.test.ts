/**
 * Local REST API keys in Settings (browser mode): create a key and see it once, find it listed by
 * name and prefix, revoke it after a confirmation, and see it marked revoked; turn this machine's REST API on.
 * Alert webhooks in Settings: add a target (a bad URL refused on the spot), press Test, and the local receiver
 * gets the test message. One panel and one browser for the file.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { startWebhookServer, type WebhookServer } from '../helpers/webhook-server'

let panel: BrowserModeProcess
let browser: Browser
let hooks: WebhookServer

beforeAll(async () => {
  hooks = await startWebhookServer()
  panel = await startBrowserMode({ dataDir: tempDir('panel-e2e-api-keys-') })
  browser = await launchPlaywright()
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await panel?.stop()
  await hooks?.close()
})

describe('local REST API keys in Settings', () => {
  it('creates a key shown once, lists it by name and prefix, and revokes it', { timeout: 120_000 }, async () => {
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

  it('adds an alert webhook (a bad URL refused naming the field) and the Test button delivers a test message', { timeout: 120_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    await page.goto(panel.url)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click()
    const card = page.getByRole('region', { name: 'Alert webhooks' })
    await card.getByText('No target yet', { exact: false }).waitFor()

    await card.getByRole('button', { name: 'Add target' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add alert target' })
    await dialog.getByRole('textbox', { name: 'Name' }).fill('Ops channel')
    await dialog.getByRole('combobox', { name: 'Kind' }).selectOption('slack')
    // A plain-http URL to another machine: refused under the field as it is typed, Save held back.
    await dialog.getByLabel('Webhook URL').fill('http://hooks.example.com/services/T0/B0/x')
    await dialog.getByRole('alert').getByText('must be an https:// URL', { exact: false }).waitFor()
    expect(await dialog.getByRole('button', { name: 'Save target' }).isDisabled()).toBe(true)
    const shots = '/tmp/shots-alerts'
    fs.mkdirSync(shots, { recursive: true })
    await dialog.screenshot({ path: path.join(shots, 'settings-alert-target-bad-url.png') })
    const url = `${hooks.url}/services/T000/B000/e2e-secret-path`
    await dialog.getByLabel('Webhook URL').fill(url)
    await dialog.getByRole('checkbox', { name: 'Profiles not stopped' }).uncheck()
    await dialog.getByRole('button', { name: 'Save target' }).click()
    await dialog.waitFor({ state: 'detached' })

    const item = card.getByRole('listitem', { name: 'Ops channel' })
    await item.getByText('Slack incoming webhook').waitFor()
    await item.getByText(`${hooks.url}/… (stored encrypted)`).waitFor()
    expect(await page.content()).not.toContain('e2e-secret-path')

    await item.getByRole('button', { name: 'Test Ops channel' }).click()
    await page.getByText('Test message delivered to Ops channel (HTTP 200).').waitFor()
    const [test] = await hooks.until('/services/T000/B000/e2e-secret-path', 1)
    expect(test.body).toMatchObject({ text: expect.stringContaining('Test alert from the GoLogin panel'), blocks: expect.any(Array) })

    // The toasts dismissed, so the whole section shows.
    // (A toast may also leave on its own between listing and clicking.)
    for (const dismiss of await page.getByRole('button', { name: 'Dismiss' }).all()) await dismiss.click({ timeout: 2_000 }).catch(() => undefined)
    await card.screenshot({ path: path.join(shots, 'settings-alert-webhooks.png') })
    await item.getByRole('button', { name: 'Edit Ops channel' }).click()
    const edit = page.getByRole('dialog', { name: 'Edit alert target Ops channel' })
    await edit.waitFor()
    await page.screenshot({ path: path.join(shots, 'settings-alert-target-dialog.png') })
    await edit.getByRole('button', { name: 'Cancel' }).click()
    expect(problems).toEqual([])
  })
})
