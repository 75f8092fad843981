/** Page-object helpers for the operator UI: every control found by its role and accessible name. */
import fs from 'node:fs'
import path from 'node:path'
import type { Locator, Page } from 'playwright-core'

export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-artifacts/screenshots')

export type PageName = 'Profiles' | 'Sessions' | 'Hosts' | 'Logs' | 'Settings'

export function panelPage(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Main' })
  return {
    page,
    async open(name: PageName) {
      await nav.getByRole('link', { name }).click()
      await page.getByRole('heading', { name, level: 1 }).waitFor()
    },
    profileGrid: () => page.getByRole('grid', { name: 'Profiles' }),
    sessionGrid: () => page.getByRole('grid', { name: 'Sessions' }),
    profileRow: (name: string) => page.getByRole('grid', { name: 'Profiles' }).getByRole('row').filter({ has: page.getByRole('checkbox', { name: `Select ${name}`, exact: true }) }),
    sessionRows: (username: string) =>
      page.getByRole('grid', { name: 'Sessions' }).getByRole('row').filter({ has: page.getByRole('checkbox', { name: `Select session of @${username}`, exact: true }) }),
    selection: () => page.getByRole('status', { name: 'Selection' }),
    batchBar: () => page.getByRole('region', { name: 'Batch progress' }),
    batchDone: () => page.getByRole('region', { name: 'Batch progress' }).getByRole('progressbar', { name: 'Batch done' }),
    dialog: (name: string | RegExp) => page.getByRole('dialog', { name }),
    toast: (text: string | RegExp) => page.locator('.toasts').getByText(text),
    /** A light and a dark screenshot of what is on screen now (or of one element: `of`). */
    async screenshots(name: string, of?: Locator) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true })
      const shoot = (file: string) => (of ? of.screenshot({ path: file }) : page.screenshot({ path: file }))
      await page.emulateMedia({ colorScheme: 'light' })
      await shoot(path.join(SCREENSHOTS, `${name}-light.png`))
      await page.emulateMedia({ colorScheme: 'dark' })
      await shoot(path.join(SCREENSHOTS, `${name}-dark.png`))
      await page.emulateMedia({ colorScheme: 'light' })
    },
  }
}

export type PanelPage = ReturnType<typeof panelPage>
