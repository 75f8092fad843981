import fs from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export function chromePath(): string {
  const candidate = process.env.CHROME_PATH || '/usr/bin/chromium'
  if (!fs.existsSync(candidate)) {
    throw new Error(`Chromium not found at ${candidate}. Install it (apt-get install -y chromium) or set CHROME_PATH.`)
  }
  return candidate
}

/** Chromium driven by Playwright, for UI tests in browser mode. Playwright creates its own profile dir. */
export function launchPlaywright(): Promise<Browser> {
  return chromium.launch({ executablePath: chromePath(), headless: true, args: CHROMIUM_FLAGS })
}
