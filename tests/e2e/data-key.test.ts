/**
 * Settings → About and security in browser mode (the built panel, Playwright + Chromium): export the data key as a
 * download, import it back as an upload (a wrong passphrase, then the right one), a second host refusing a key that
 * does not open its database, a host that lost its key store getting it back, and a host started with
 * DATA_KEY_FILE + DATA_KEY_PASSPHRASE on a copy of the first host's database showing the same fingerprint.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startBrowserMode, type BrowserModeProcess } from '../helpers/browser-mode'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { panelPage, type PanelPage } from './support/panel-page'

const PASSPHRASE = 'Tangerine-Quartz-Velvet-91!'

const panels: BrowserModeProcess[] = []
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  for (const panel of panels.splice(0)) await panel.stop()
})

async function openSettings(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<{ ui: PanelPage; page: Page; problems: string[] }> {
  const panel = await startBrowserMode({ dataDir, env })
  panels.push(panel)
  browser ??= await launchPlaywright()
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  await page.goto(panel.url)
  const ui = panelPage(page)
  await ui.open('Settings')
  return { ui, page, problems }
}

function security(page: Page) {
  return page.getByRole('region', { name: 'About and security' })
}

async function fingerprint(page: Page): Promise<string> {
  const value = security(page).locator('dt:has-text("Data key fingerprint") + dd')
  await value.waitFor()
  return (await value.innerText()).trim()
}

async function importKey(ui: PanelPage, file: string, passphrase: string) {
  await security(ui.page).getByRole('button', { name: 'Import data key…' }).click()
  const dialog = ui.dialog('Import data key')
  await dialog.getByLabel('Key file').setInputFiles(file)
  await dialog.getByLabel('Passphrase').fill(passphrase)
  await dialog.getByRole('button', { name: 'Import key' }).click()
  return dialog
}

describe('data key in Settings (browser mode)', () => {
  it('export as a download, import it back as an upload; another host refuses it; a lost key store gets it back; DATA_KEY_FILE starts a host on the same key', { timeout: 240_000 }, async () => {
    const dirA = tempDir('panel-e2e-key-a-')
    const a = await openSettings(dirA)
    const keyId = await fingerprint(a.page)
    expect(keyId).toMatch(/^[0-9a-f]{12}$/)

    // The passphrase is asked twice and must be strong: the button waits until both hold.
    await security(a.page).getByRole('button', { name: 'Export data key…' }).click()
    const exportDialog = a.ui.dialog('Export data key')
    const exportButton = exportDialog.getByRole('button', { name: 'Export key file' })
    await exportDialog.getByLabel('Passphrase', { exact: true }).fill('password1234')
    await exportDialog.getByText(/^Too weak:/).waitFor()
    expect(await exportButton.isDisabled()).toBe(true)
    await exportDialog.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE)
    await exportDialog.getByText('Strong enough.').waitFor()
    await exportDialog.getByLabel('Passphrase again').fill(`${PASSPHRASE}x`)
    await exportDialog.getByText('The two passphrases differ.').waitFor()
    expect(await exportButton.isDisabled()).toBe(true)
    await exportDialog.getByLabel('Passphrase again').fill(PASSPHRASE)
    const downloading = a.page.waitForEvent('download')
    await exportButton.click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe(`gologin-panel-data-key-${keyId}.json`)
    const keyFile = path.join(tempDir('panel-e2e-key-transfer-'), download.suggestedFilename())
    await download.saveAs(keyFile)
    expect(JSON.parse(fs.readFileSync(keyFile, 'utf8'))).toMatchObject({ format: 'gologin-panel-data-key', version: 1, keyId, kdf: { name: 'scrypt', N: 131072, r: 8, p: 1 } })
    await a.ui.toast(/Keep the passphrase apart from the file/).waitFor()
    await a.ui.screenshots('settings-data-key-exported')

    // Back into the same panel: a wrong passphrase is named, the right one finds the key already in use.
    let dialog = await importKey(a.ui, keyFile, 'Not-The-Passphrase-42!')
    await dialog.getByRole('alert').getByText(/The passphrase is wrong for this data key file/).waitFor()
    await dialog.getByLabel('Passphrase').fill(PASSPHRASE)
    await dialog.getByRole('button', { name: 'Import key' }).click()
    await dialog.getByRole('status').getByText(`This panel already uses this data key (fingerprint ${keyId}); nothing was changed.`).waitFor()
    await dialog.getByRole('button', { name: 'Done' }).click()

    // A host whose key store lost its key gets it back from the file.
    const keyPath = path.join(dirA, 'data.key')
    const key = fs.readFileSync(keyPath, 'utf8')
    fs.rmSync(keyPath)
    dialog = await importKey(a.ui, keyFile, PASSPHRASE)
    await dialog.getByRole('status').getByText(`Data key ${keyId} installed in this host's key store.`).waitFor()
    expect(fs.readFileSync(keyPath, 'utf8')).toBe(key)
    await dialog.getByRole('button', { name: 'Done' }).click()

    // Another host, with its own database: the key is refused and its own key stays.
    const dirB = tempDir('panel-e2e-key-b-')
    const b = await openSettings(dirB)
    const keyB = fs.readFileSync(path.join(dirB, 'data.key'), 'utf8')
    dialog = await importKey(b.ui, keyFile, PASSPHRASE)
    await dialog.getByRole('alert').getByText(new RegExp(`This data key \\(fingerprint ${keyId}\\) does not open this database's secrets`)).waitFor()
    await b.ui.screenshots('settings-data-key-refused')
    expect(fs.readFileSync(path.join(dirB, 'data.key'), 'utf8')).toBe(keyB)
    expect(fs.readdirSync(dirB).filter((name) => name.startsWith('data.key.backup-'))).toEqual([])

    // A host on a copy of A's database, started with DATA_KEY_FILE: same key, same fingerprint.
    await panels.shift()!.stop()
    const dirC = tempDir('panel-e2e-key-c-')
    fs.copyFileSync(path.join(dirA, 'panel.db'), path.join(dirC, 'panel.db'))
    const c = await openSettings(dirC, { DATA_KEY_FILE: keyFile, DATA_KEY_PASSPHRASE: PASSPHRASE })
    expect(await fingerprint(c.page)).toBe(keyId)
    expect(fs.readFileSync(path.join(dirC, 'data.key'), 'utf8')).toBe(key)

    expect([...a.problems, ...b.problems, ...c.problems]).toEqual([])
  })
})
