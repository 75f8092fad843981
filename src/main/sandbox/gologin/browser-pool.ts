/**
 * What both kinds of sandbox profile browsers share (one Chromium per profile, or contexts of one
 * shared Chromium): the per-profile start/stop bookkeeping, the injected behaviours (slow start, start
 * and stop failures) and the counts. Subclasses only open and dispose their kind of browser.
 */
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { BrowserCounts, ProfileBrowsers, SandboxBrowserInfo } from './browsers'
import { usernameFromNotes, type SandboxProfile, type SandboxProfileBehaviour } from './profiles'

export class SimulatedFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimulatedFailure'
  }
}

export interface PoolEntry {
  /** Set once the browser is open. */
  info: SandboxBrowserInfo | null
  /** Settles once the start (delay + open + cookie) is over. */
  starting: Promise<void>
}

export abstract class ProfileBrowserPool<E extends PoolEntry> implements ProfileBrowsers {
  protected readonly running = new Map<string, E>()
  protected readonly closing = new AbortController()
  protected readonly counts: BrowserCounts = { running: 0, peak: 0, launched: 0, starts: 0, startFailures: 0, stops: 0, stopFailures: 0, stopsWhileStarting: 0 }

  protected abstract newEntry(): E
  /** Opens the profile's browser (the behaviours are already applied) and answers its CDP ws URL; `proxy`: its proxy server, if any. */
  protected abstract open(profile: SandboxProfile, xUsername: string | null, entry: E, proxy: string | null): Promise<string>
  /** Whether `entry` holds something to dispose (a failure after opening leaves it running until stop). */
  protected abstract opened(entry: E): boolean
  protected abstract dispose(profileId: string, entry: E): Promise<void>
  /** Ends the browser without the app's bookkeeping (a crash, a window closed by hand). */
  protected abstract kill(entry: E): Promise<void>

  /** Starts the profile's browser (or returns the one already running) and answers its ws URL. */
  async start(profile: SandboxProfile, behaviour: SandboxProfileBehaviour): Promise<string> {
    this.counts.starts++
    const existing = this.running.get(profile.id)
    if (existing) {
      await existing.starting
      if (existing.info) return existing.info.wsEndpoint
    }
    const entry = this.newEntry()
    this.running.set(profile.id, entry)
    const work = this.startWithBehaviour(profile, behaviour, entry)
    entry.starting = work.then(noop, noop)
    try {
      return await work
    } catch (error) {
      this.counts.startFailures++
      // A failure before opening leaves nothing running; after it, the browser stays until stop-profile.
      if (!this.opened(entry)) this.running.delete(profile.id)
      throw error
    }
  }

  /**
   * Stops the profile's browser; unknown profiles are fine. Like the GoLogin app, a stop that arrives while
   * the profile is still starting (syncing) stops nothing: the start completes and its browser runs on.
   */
  async stop(profileId: string, behaviour: SandboxProfileBehaviour): Promise<void> {
    if ((behaviour.stopHangs ?? 0) > 0) {
      behaviour.stopHangs = (behaviour.stopHangs ?? 0) - 1
      this.counts.stopFailures++
      // The app never answers this stop (until the sandbox closes), and stops nothing.
      await sleep(behaviour.stopHangMs ?? 10 * 60_000, undefined, { signal: this.closing.signal }).catch(noop)
      throw new SimulatedFailure('Sandbox: a stop that hung')
    }
    if ((behaviour.stopFailures ?? 0) > 0) {
      behaviour.stopFailures = (behaviour.stopFailures ?? 0) - 1
      this.counts.stopFailures++
      throw new SimulatedFailure('Sandbox: simulated stop failure')
    }
    this.counts.stops++
    const entry = this.running.get(profileId)
    if (!entry) return
    if (!entry.info) {
      this.counts.stopsWhileStarting++
      return
    }
    this.running.delete(profileId)
    await this.dispose(profileId, entry)
  }

  /** The browser goes away as if its window was closed by hand (the app still lists it until stopped). */
  async crash(profileId: string): Promise<void> {
    const entry = this.running.get(profileId)
    if (entry) await this.kill(entry)
  }

  list(): SandboxBrowserInfo[] {
    return [...this.running.values()].flatMap((entry) => (entry.info ? [entry.info] : []))
  }

  figures(): BrowserCounts {
    return { ...this.counts }
  }

  /** Disposes every browser, including ones still starting. */
  async closeAll(): Promise<void> {
    this.closing.abort()
    const entries = [...this.running.entries()]
    this.running.clear()
    await Promise.all(
      entries.map(async ([profileId, entry]) => {
        await entry.starting
        await this.dispose(profileId, entry).catch(noop)
      }),
    )
  }

  /** Counts one more open browser. */
  protected countOpened(): void {
    this.counts.running++
    this.counts.launched++
    this.counts.peak = Math.max(this.counts.peak, this.counts.running)
  }

  private async startWithBehaviour(profile: SandboxProfile, behaviour: SandboxProfileBehaviour, entry: E): Promise<string> {
    if (behaviour.startDelayMs) await sleep(behaviour.startDelayMs, undefined, { signal: this.closing.signal })
    const failing = (behaviour.startFailures ?? 0) > 0
    if (failing) behaviour.startFailures = (behaviour.startFailures ?? 0) - 1
    if (failing && behaviour.startFailureMode !== 'after-launch') throw new SimulatedFailure('Sandbox: simulated start failure')
    this.closing.signal.throwIfAborted()
    const xUsername = behaviour.xUsername === undefined ? usernameFromNotes(profile.notes) : behaviour.xUsername
    const wsEndpoint = await this.open(profile, xUsername, entry, behaviour.deadProxy ? await deadProxyServer() : null)
    if (failing) throw new SimulatedFailure('Sandbox: simulated start failure after the browser was launched')
    return wsEndpoint
  }
}

function noop(): void {}

let deadProxy: Promise<string> | null = null

/** A SOCKS proxy address where nothing listens (a port just freed), like a profile whose proxy is down. */
function deadProxyServer(): Promise<string> {
  deadProxy ??= new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(`socks5://127.0.0.1:${port}`))
    })
  })
  return deadProxy
}
