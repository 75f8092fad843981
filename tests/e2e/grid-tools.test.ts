/**
 * The grid's tools in browser mode `--sandbox` (profiles, token and API apps prepared by sandbox mode):
 * sorting, keyboard shortcuts, inline mapping edits, CSV import with per-line errors, and pausing,
 * resuming and cancelling a running batch from the progress bar.
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

const IMPORT_CSV = ['profile_name,twitter_username,api_app', 'Profile 00005,imported_5,SANDBOX1', 'Profile 99999,ghost,SANDBOX1', 'Profile 00006,bad name!,SANDBOX1'].join('\n')

describe('profile grid tools on the sandbox', () => {
  it('sorts, searches and selects by keyboard, edits a mapping in place, imports a CSV, and pauses, resumes and cancels a batch', { timeout: 300_000 }, async () => {
    const dataDir = tempDir('panel-e2e-grid-')
    panel = await startBrowserMode({ dataDir, args: ['--sandbox', '--sandbox-profiles', '30'], timeoutMs: 60_000 })
    browser = await launchPlaywright()
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
    const ui = panelPage(page)
    await page.goto(panel.url)
    await page.getByText('30 profiles', { exact: true }).waitFor()
    const grid = ui.profileGrid()

    // Sort by name, descending, from its header.
    const nameHeader = grid.getByRole('columnheader', { name: 'Name', exact: true })
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending')
    await nameHeader.getByRole('button').click()
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending')
    await grid.getByRole('row').nth(1).getByText('Profile 00029').waitFor()
    await nameHeader.getByRole('button').click()
    await grid.getByRole('row').nth(1).getByText('Profile 00000').waitFor()

    // Ctrl+F searches; Esc in the box clears it. Ctrl+A selects all matching; Esc clears the selection.
    await grid.focus()
    await page.keyboard.press('Control+f')
    const search = page.getByRole('searchbox', { name: 'Search profiles' })
    expect(await search.evaluate((element) => element === element.ownerDocument.activeElement)).toBe(true)
    await page.keyboard.type('0001')
    await page.getByText('11 of 30 profiles match', { exact: true }).waitFor()
    await grid.focus()
    await page.keyboard.press('Control+a')
    await ui.selection().getByText('11 selected · 11 visible').waitFor()
    await search.press('Escape')
    await page.getByText('30 profiles', { exact: true }).waitFor()
    await ui.selection().getByText('11 selected · 11 visible').waitFor()
    await grid.focus()
    await page.keyboard.press('Escape')
    await ui.selection().getByText('No profile selected').waitFor()
    // Arrow keys and Space select from the keyboard too.
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press(' ')
    await ui.selection().getByText('1 selected · 1 visible').waitFor()
    expect(await ui.profileRow('Profile 00001').getAttribute('aria-selected')).toBe('true')
    await page.keyboard.press('Escape')

    // Inline edit: a bad username is refused on the spot; a good one is saved and survives a reload.
    const row = ui.profileRow('Profile 00003')
    await row.hover()
    await row.getByRole('button', { name: 'Edit X username of Profile 00003' }).click()
    const usernameInput = row.getByRole('textbox', { name: 'X username of Profile 00003' })
    await usernameInput.fill('bad name!')
    expect(await usernameInput.getAttribute('aria-invalid')).toBe('true')
    // The reason is text beside the field (and the field's description), not only a red border or a tooltip.
    await row.getByRole('alert').getByText('An X username has 1–15 letters, digits or _').waitFor()
    const describedBy = (await usernameInput.getAttribute('aria-describedby'))!
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('An X username has 1–15 letters, digits or _')
    await usernameInput.fill('@renamed_3')
    await usernameInput.press('Enter')
    await row.getByText('@renamed_3').waitFor()
    await row.hover()
    await row.getByRole('button', { name: 'Edit API app of Profile 00003' }).click()
    await row.getByRole('combobox', { name: 'API app of Profile 00003' }).selectOption('SANDBOX2')
    await row.getByText('SANDBOX2', { exact: true }).waitFor()
    await page.reload()
    await ui.profileRow('Profile 00003').getByText('@renamed_3').waitFor()

    // Import mapping: the preview names each bad line; applying changes only the good one.
    await page.getByRole('button', { name: 'Import mapping…' }).click()
    const importDialog = ui.dialog('Import mapping')
    await importDialog.getByLabel('Or paste it').fill(IMPORT_CSV)
    await importDialog.getByRole('button', { name: 'Preview' }).click()
    const preview = importDialog.getByRole('table', { name: 'Import preview' })
    await preview.waitFor()
    expect(await importDialog.getByRole('status').textContent()).toMatch(/^1 line can be applied, 2 lines have errors/)
    expect(await preview.getByRole('row').filter({ hasText: 'Profile 99999' }).locator('.text-error').textContent()).not.toBe('')
    expect(await preview.getByRole('row').filter({ hasText: 'Profile 00006' }).locator('.text-error').textContent()).not.toBe('')
    await preview.getByRole('row').filter({ hasText: 'Profile 00005' }).getByText('OK').waitFor()
    await ui.screenshots('import-preview')
    await importDialog.getByRole('button', { name: 'Apply 1 mapping' }).click()
    await ui.toast('1 mapping applied.').waitFor()
    await ui.profileRow('Profile 00005').getByText('@imported_5').waitFor()

    // A running batch: pause, resume, cancel (after a confirmation).
    await page.keyboard.press('Control+a')
    await ui.selection().getByText('30 selected · 30 visible').waitFor()
    await page.getByRole('button', { name: 'Authorize selected…' }).click()
    await ui.dialog('Authorize selected accounts').getByLabel('API app').selectOption('SANDBOX1')
    await ui.dialog('Authorize selected accounts').getByRole('button', { name: 'Authorize 30 accounts' }).click()
    const bar = ui.batchBar()
    await bar.getByText('Running').waitFor()
    await bar.getByRole('button', { name: 'Pause' }).click()
    await bar.getByText('Paused').waitFor()
    await ui.screenshots('batch-paused')
    await bar.getByRole('button', { name: 'Resume' }).click()
    await bar.getByText('Running').waitFor()
    await bar.getByRole('button', { name: 'Cancel batch' }).click()
    await ui.dialog('Cancel this batch?').getByRole('button', { name: 'Cancel batch' }).click()
    await bar.getByText('Cancelled', { exact: true }).waitFor({ timeout: 120_000 })
    await ui.open('Sessions')
    await ui.sessionGrid().getByText('Cancelled', { exact: true }).first().waitFor()
    expect(await ui.sessionGrid().getByText('Pending', { exact: true }).count()).toBe(0)

    expect(problems).toEqual([])
    await browser.close()
    browser = null
    await panel.stop()
    panel = null
    expect(chromiumUnder(`${dataDir}/sandbox`)).toEqual([])
  })
})
