import { chromium, type Browser } from 'playwright-core'
import { CHROMIUM_FLAGS, resolveChromiumPath } from '../../src/main/sandbox/chromium'

export { CHROMIUM_FLAGS }

/** The Chromium the tests drive: `CHROME_PATH`, else the per-OS defaults; a clear error when none is installed. */
export function chromePath(): string {
  return resolveChromiumPath()
}

/** Chromium driven by Playwright, for UI tests in browser mode. Playwright creates its own profile dir. */
export function launchPlaywright(): Promise<Browser> {
  // Playwright passes its own --disable-features list and Chromium keeps only the last one given: keep Playwright's.
  return chromium.launch({ executablePath: chromePath(), headless: true, args: CHROMIUM_FLAGS.filter((flag) => !flag.startsWith('--disable-features=')) })
}
