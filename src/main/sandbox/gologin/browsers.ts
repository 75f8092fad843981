/**
 * The sandbox's running profile browsers: a real Chromium per started profile, each with its own
 * user-data dir (removed on stop) and the X sandbox's login cookie. Counts current and peak browsers.
 */
import fs from 'node:fs'
import path from 'node:path'
import { SANDBOX_USER_COOKIE } from '../x/consent-routes'
import { launchChromium, setBrowserCookies, type LaunchedChromium } from '../chromium'
import { ProfileBrowserPool, SimulatedFailure, type PoolEntry } from './browser-pool'
import type { SandboxProfile, SandboxProfileBehaviour } from './profiles'

export { SimulatedFailure }

/** The X sandbox reads the logged-in account from this cookie on its host (127.0.0.1, any port). */
export const X_SANDBOX_COOKIE = SANDBOX_USER_COOKIE

export interface SandboxBrowserInfo {
  profileId: string
  pid: number
  port: number
  wsEndpoint: string
  userDataDir: string
  xUsername: string | null
  startedAt: string
}

interface Running extends PoolEntry {
  browser: LaunchedChromium | null
}

export interface BrowserCounts {
  running: number
  peak: number
  launched: number
  starts: number
  startFailures: number
  stops: number
  stopFailures: number
  /** Stops that arrived while the profile was still starting, so stopped nothing. */
  stopsWhileStarting: number
}

/** What the local API needs from the profile browsers (one Chromium per profile, or one shared Chromium). */
export interface ProfileBrowsers {
  /** Starts the profile's browser (or returns the one already running) and answers its CDP ws URL. */
  start(profile: SandboxProfile, behaviour: SandboxProfileBehaviour): Promise<string>
  /** Stops the profile's browser; unknown profiles are fine. */
  stop(profileId: string, behaviour: SandboxProfileBehaviour): Promise<void>
  /** Ends the profile's browser as if it crashed or was closed by hand. */
  crash(profileId: string): Promise<void>
  list(): SandboxBrowserInfo[]
  figures(): BrowserCounts
  closeAll(): Promise<void>
}

/** Chromium flags for a proxy that also carries 127.0.0.1 (the sandboxes live there; Chromium skips loopback by default). */
export function proxyArgs(proxy: string): string[] {
  return [`--proxy-server=${proxy}`, '--proxy-bypass-list=<-loopback>']
}

export class SandboxBrowsers extends ProfileBrowserPool<Running> {
  private sequence = 0

  constructor(
    private readonly workDir: string,
    private readonly launchOptions: { headless: boolean; executablePath?: string },
  ) {
    super()
  }

  protected newEntry(): Running {
    return { browser: null, info: null, starting: Promise.resolve() }
  }

  protected opened(entry: Running): boolean {
    return entry.browser !== null
  }

  protected async open(profile: SandboxProfile, xUsername: string | null, entry: Running, proxy: string | null): Promise<string> {
    const userDataDir = path.join(this.workDir, `profile-${profile.id}-${++this.sequence}`)
    fs.mkdirSync(userDataDir, { recursive: true })
    let browser: LaunchedChromium
    try {
      browser = await launchChromium({ userDataDir, ...this.launchOptions, extraArgs: proxy ? proxyArgs(proxy) : [] })
    } catch (error) {
      fs.rmSync(userDataDir, { recursive: true, force: true })
      throw error
    }
    entry.browser = browser
    this.countOpened()
    entry.info = {
      profileId: profile.id,
      pid: browser.pid,
      port: browser.port,
      wsEndpoint: browser.wsEndpoint,
      userDataDir,
      xUsername,
      startedAt: new Date().toISOString(),
    }
    if (xUsername) {
      // Cookies ignore ports: one cookie on 127.0.0.1 reaches the X sandbox whatever its port.
      await setBrowserCookies(browser.wsEndpoint, [
        { name: X_SANDBOX_COOKIE, value: xUsername, domain: '127.0.0.1', path: '/', sourcePort: -1, sourceScheme: 'NonSecure' },
      ])
    }
    return browser.wsEndpoint
  }

  protected async kill(entry: Running): Promise<void> {
    if (entry.browser) process.kill(entry.browser.pid, 'SIGKILL')
  }

  protected async dispose(_profileId: string, entry: Running): Promise<void> {
    if (!entry.browser) return
    const browser = entry.browser
    entry.browser = null
    await browser.close()
    this.counts.running--
    if (entry.info) fs.rmSync(entry.info.userDataDir, { recursive: true, force: true })
  }
}
