/**
 * Settings → Database and hosts, once this panel runs on a shared database and its SQLite file is still there (the
 * built renderer over the fake backend, Playwright + Chromium): the card shows what copying the file would add and its
 * conflicts, asks before copying, shows the busy state and a refusal as text, then the result; a second look finds
 * nothing left to copy. On SQLite there is no such card.
 */
import type { Browser, Page } from 'playwright-core'
import { afterEach, describe, expect, it } from 'vitest'
import type { SqliteCopyPreview } from '../../src/shared/contract/hosts'
import { launchPlaywright } from '../helpers/chromium'
import { tempDir } from '../helpers/temp-dir'
import { startFakePanel, type FakePanel } from './support/fake-panel'
import { panelPage } from './support/panel-page'

const PREVIEW: SqliteCopyPreview = {
  file: '/home/operator/.config/panel/panel.db',
  reencrypt: true,
  sourceKeyId: '3f9a01c2bd77',
  profiles: { add: 1_180, mappingsFilled: 14, mappingsKept: 2 },
  apiApps: { add: 1, kept: 1 },
  sessions: { add: 2_410, already: 0, unfinished: 3 },
  tokens: { add: 960, newerHere: 5, newerShared: 2 },
  settings: { add: 4, kept: 9 },
  unreadable: 0,
}
const KEY_MISSING = 'The SQLite file was sealed with a data key this host does not hold; nothing was copied.'

let panel: FakePanel | null = null
let browser: Browser | null = null

afterEach(async () => {
  await browser?.close()
  browser = null
  await panel?.close()
  panel = null
})

async function openSettings(setup: (p: FakePanel) => void): Promise<{ page: Page; problems: string[] }> {
  panel = await startFakePanel({ profiles: 20, dataDir: tempDir('panel-e2e-copy-') })
  setup(panel)
  browser = await launchPlaywright()
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  await page.goto(panel.url)
  await panelPage(page).open('Settings')
  return { page, problems }
}

const section = (page: Page) => page.getByRole('region', { name: 'Database and hosts' })
const card = (page: Page) => section(page).getByRole('group', { name: "Data left in this machine's SQLite file" })
const figure = (page: Page, kind: string) => card(page).locator(`dl[aria-label="What copying adds"] dt:text-is("${kind}") + dd`)

describe('copying the SQLite file left behind into the shared database (browser mode, fake backend)', () => {
  it('preview with figures and conflicts → Copy… → confirm (busy, a refusal shown, then copied) → "Copied: …"; nothing left after', { timeout: 90_000 }, async () => {
    const { page, problems } = await openSettings((p) => {
      p.backend.joinShared(PREVIEW)
      p.backend.refuseCopy(KEY_MISSING)
    })
    const ui = panelPage(page)
    await card(page).getByText(PREVIEW.file).waitFor()
    await card(page).getByText(/Unfinished sessions \(their batches ran here\) and the local REST API's keys stay behind/).waitFor()
    await card(page).getByText(/going back to this machine's SQLite opens it again/).waitFor()
    expect(await figure(page, 'Profiles').innerText()).toBe('1,180 to add · 14 mappings filled in · 2 mappings kept as shared')
    expect(await figure(page, 'API apps').innerText()).toBe('1 to add · 1 kept as shared (same name)')
    expect(await figure(page, 'Token sets').innerText()).toBe('960 to copy')
    expect(await figure(page, 'Sessions (history)').innerText()).toBe('2,410 finished to add · 3 unfinished stay behind')
    expect(await figure(page, 'Settings').innerText()).toBe('4 to add · 9 kept as shared (same name)')
    expect(await figure(page, 'Secrets').innerText()).toBe("re-encrypted under the shared data key (the file's key is 3f9a01c2bd77)")
    const conflicts = card(page).getByRole('list', { name: 'Conflicts' })
    await conflicts.getByText("5 accounts have newer tokens in this file: this file's token set wins, the shared one is marked replaced.").waitFor()
    await conflicts.getByText("2 accounts have newer tokens in the shared database: the shared set wins, this file's is copied as replaced.").waitFor()
    await ui.screenshots('settings-copy-local-data-preview', card(page))

    // Nothing is written before the confirmation; the dialog repeats the figures.
    await card(page).getByRole('button', { name: 'Copy into the shared database…' }).click()
    const dialog = ui.dialog('Copy into the shared database?')
    await dialog.getByText(/secrets are re-encrypted under the shared data key/).waitFor()
    await dialog.locator('dt:text-is("Token sets") + dd').getByText('960 to copy').waitFor()
    await ui.screenshots('settings-copy-local-data-confirm')

    // Busy while the copy runs; a refusal is shown as text and the dialog stays open.
    const release = panel!.backend.holdCopy()
    await dialog.getByRole('button', { name: 'Copy', exact: true }).click()
    const busy = dialog.getByRole('button', { name: 'Copying…' })
    await busy.waitFor()
    expect(await busy.isDisabled()).toBe(true)
    expect(await dialog.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true)
    release()
    await dialog.getByRole('alert').getByText(KEY_MISSING).waitFor()

    await dialog.getByRole('button', { name: 'Copy', exact: true }).click()
    await dialog.waitFor({ state: 'hidden' })
    const result = card(page).getByRole('status', { name: 'Copy result' })
    await result.getByText('Copied: 1,180 profiles, 14 mappings filled in, 1 API app, 2,410 sessions with 960 token sets, 4 settings. Secrets were re-encrypted under the shared data key.').waitFor()
    // The preview again: everything is in the shared database now, so no second Copy is offered.
    await card(page).getByText('Nothing left to copy: the shared database already holds everything in this file.').waitFor()
    expect(await card(page).getByRole('button', { name: 'Copy into the shared database…' }).count()).toBe(0)
    await ui.screenshots('settings-copy-local-data-result', card(page))
    expect(problems).toEqual([])
  })

  it('on SQLite (nothing to copy) the card is not there', { timeout: 60_000 }, async () => {
    const { page, problems } = await openSettings(() => undefined)
    await section(page).locator('dt:text-is("Database in use") + dd').getByText('SQLite file /data/panel.db').waitFor()
    expect(await card(page).count()).toBe(0)
    expect(problems).toEqual([])
  })
})
