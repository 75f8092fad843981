/**
 * The sandbox's running profile browsers: a real Chromium per started profile, each with its own
 * user-data dir (removed on stop) and the X sandbox's login cookie. Counts current and peak browsers.
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { launchChromium, setBrowserCookies, type LaunchedChromium } from '../chromium'
import { usernameFromNotes, type SandboxProfile, type SandboxProfileBehaviour } from './profiles'

/** The X sandbox reads the logged-in account from this cookie on its host (127.0.0.1, any port). */
export const X_SANDBOX_COOKIE = 'x_sandbox_user'

export interface SandboxBrowserInfo {
  profileId: string
  pid: number
  port: number
  wsEndpoint: string
  userDataDir: string
  xUsername: string | null
  startedAt: string
}

export class SimulatedFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimulatedFailure'
  }
}

interface Running {
  browser: LaunchedChromium | null
  info: SandboxBrowserInfo | null
  /** Settles once the start (delay + launch + cookie) is over. */
  starting: Promise<void>
}

export interface BrowserCounts {
  running: number
  peak: number
  launched: number
  starts: number
  startFailures: number
  stops: number
  stopFailures: number
}

/** What the local API needs from the profile browsers (one Chromium per profile, or one shared Chromium). */
export interface ProfileBrowsers {
  /** Starts the profile's browser (or returns the one already running) and answers its CDP ws URL. */
  start(profile: SandboxProfile, behaviour: SandboxProfileBehaviour): Promise<string>
  /** Stops the profile's browser; unknown profiles are fine. */
  stop(profileId: string, behaviour: SandboxProfileBehaviour): Promise<void>
  list(): SandboxBrowserInfo[]
  figures(): BrowserCounts
  closeAll(): Promise<void>
}

export class SandboxBrowsers implements ProfileBrowsers {
  private readonly running = new Map<string, Running>()
  private readonly closing = new AbortController()
  private readonly counts: BrowserCounts = { running: 0, peak: 0, launched: 0, starts: 0, startFailures: 0, stops: 0, stopFailures: 0 }
  private sequence = 0

  constructor(
    private readonly workDir: string,
    private readonly launchOptions: { headless: boolean; executablePath?: string },
  ) {}

  /** Starts the profile's browser (or returns the one already running) and answers its ws URL. */
  async start(profile: SandboxProfile, behaviour: SandboxProfileBehaviour): Promise<string> {
    this.counts.starts++
    const existing = this.running.get(profile.id)
    if (existing) {
      await existing.starting
      if (existing.info) return existing.info.wsEndpoint
    }
    const entry: Running = { browser: null, info: null, starting: Promise.resolve() }
    this.running.set(profile.id, entry)
    const work = this.launch(profile, behaviour, entry)
    entry.starting = work.then(noop, noop)
    try {
      return await work
    } catch (error) {
      this.counts.startFailures++
      // A failure before the launch leaves nothing running; after it, the browser stays until stop-profile.
      if (!entry.browser) this.running.delete(profile.id)
      throw error
    }
  }

  /** Stops the profile's browser (after its start, if one is in flight); unknown profiles are fine. */
  async stop(profileId: string, behaviour: SandboxProfileBehaviour): Promise<void> {
    if ((behaviour.stopFailures ?? 0) > 0) {
      behaviour.stopFailures = (behaviour.stopFailures ?? 0) - 1
      this.counts.stopFailures++
      throw new SimulatedFailure('Sandbox: simulated stop failure')
    }
    this.counts.stops++
    const entry = this.running.get(profileId)
    if (!entry) return
    await entry.starting
    if (this.running.get(profileId) !== entry) return
    this.running.delete(profileId)
    await this.dispose(entry)
  }

  list(): SandboxBrowserInfo[] {
    return [...this.running.values()].flatMap((entry) => (entry.info ? [entry.info] : []))
  }

  figures(): BrowserCounts {
    return { ...this.counts }
  }

  /** Kills every browser, including ones still starting. */
  async closeAll(): Promise<void> {
    this.closing.abort()
    const entries = [...this.running.values()]
    this.running.clear()
    await Promise.all(entries.map(async (entry) => {
      await entry.starting
      await this.dispose(entry)
    }))
  }

  private async launch(profile: SandboxProfile, behaviour: SandboxProfileBehaviour, entry: Running): Promise<string> {
    if (behaviour.startDelayMs) await sleep(behaviour.startDelayMs, undefined, { signal: this.closing.signal })
    const failing = (behaviour.startFailures ?? 0) > 0
    if (failing) behaviour.startFailures = (behaviour.startFailures ?? 0) - 1
    if (failing && behaviour.startFailureMode !== 'after-launch') throw new SimulatedFailure('Sandbox: simulated start failure')
    this.closing.signal.throwIfAborted()

    const userDataDir = path.join(this.workDir, `profile-${profile.id}-${++this.sequence}`)
    fs.mkdirSync(userDataDir, { recursive: true })
    let browser: LaunchedChromium
    try {
      browser = await launchChromium({ userDataDir, ...this.launchOptions })
    } catch (error) {
      fs.rmSync(userDataDir, { recursive: true, force: true })
      throw error
    }
    entry.browser = browser
    this.counts.running++
    this.counts.launched++
    this.counts.peak = Math.max(this.counts.peak, this.counts.running)
    const xUsername = behaviour.xUsername === undefined ? usernameFromNotes(profile.notes) : behaviour.xUsername
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
    if (failing) throw new SimulatedFailure('Sandbox: simulated start failure after the browser was launched')
    return browser.wsEndpoint
  }

  private async dispose(entry: Running): Promise<void> {
    if (!entry.browser) return
    const browser = entry.browser
    entry.browser = null
    await browser.close()
    this.counts.running--
    if (entry.info) fs.rmSync(entry.info.userDataDir, { recursive: true, force: true })
  }
}

function noop(): void {}
