/**
 * The sandbox's profile browsers in one shared Chromium (benchmarks, big demos): a started profile is
 * a fresh browser context with its own cookie jar holding the X sandbox's login cookie, reached at its
 * own CDP endpoint (see ContextProxy), so no Chromium launch is paid per profile. Behaves like
 * SandboxBrowsers towards the local API: same behaviours, same counts (a "browser" is a context here).
 */
import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { launchChromium, type LaunchedChromium } from '../chromium'
import { SimulatedFailure, X_SANDBOX_COOKIE, type BrowserCounts, type ProfileBrowsers, type SandboxBrowserInfo } from './browsers'
import { ContextProxy } from './context-proxy'
import { usernameFromNotes, type SandboxProfile, type SandboxProfileBehaviour } from './profiles'

interface Shared {
  chromium: LaunchedChromium
  control: CdpControl
  userDataDir: string
}

interface Running {
  contextId: string | null
  info: SandboxBrowserInfo | null
  starting: Promise<void>
}

export class SharedSandboxBrowsers implements ProfileBrowsers {
  private readonly running = new Map<string, Running>()
  private readonly closing = new AbortController()
  private readonly counts: BrowserCounts = { running: 0, peak: 0, launched: 0, starts: 0, startFailures: 0, stops: 0, stopFailures: 0 }
  private readonly proxy: ContextProxy
  private shared: Promise<Shared> | null = null
  private wsEndpoint = ''

  constructor(
    private readonly workDir: string,
    private readonly launchOptions: { headless: boolean; executablePath?: string },
  ) {
    this.proxy = new ContextProxy(() => this.wsEndpoint)
  }

  async start(profile: SandboxProfile, behaviour: SandboxProfileBehaviour): Promise<string> {
    this.counts.starts++
    const existing = this.running.get(profile.id)
    if (existing) {
      await existing.starting
      if (existing.info) return existing.info.wsEndpoint
    }
    const entry: Running = { contextId: null, info: null, starting: Promise.resolve() }
    this.running.set(profile.id, entry)
    const work = this.open(profile, behaviour, entry)
    entry.starting = work.then(noop, noop)
    try {
      return await work
    } catch (error) {
      this.counts.startFailures++
      if (!entry.contextId) this.running.delete(profile.id)
      throw error
    }
  }

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
    await this.dispose(profileId, entry)
  }

  list(): SandboxBrowserInfo[] {
    return [...this.running.values()].flatMap((entry) => (entry.info ? [entry.info] : []))
  }

  figures(): BrowserCounts {
    return { ...this.counts }
  }

  /** The shared Chromium's process id, once it runs (tests check it is gone after close). */
  async chromiumPid(): Promise<number | null> {
    return this.shared ? (await this.shared).chromium.pid : null
  }

  async closeAll(): Promise<void> {
    this.closing.abort()
    const entries = [...this.running.entries()]
    this.running.clear()
    await Promise.all(entries.map(async ([profileId, entry]) => {
      await entry.starting
      await this.dispose(profileId, entry).catch(noop)
    }))
    await this.proxy.close()
    const shared = await this.shared?.catch(() => null)
    this.shared = null
    if (shared) {
      shared.control.close()
      await shared.chromium.close()
      fs.rmSync(shared.userDataDir, { recursive: true, force: true })
    }
  }

  private browser(): Promise<Shared> {
    this.shared ??= (async () => {
      await this.proxy.listen()
      const userDataDir = path.join(this.workDir, 'shared-chromium')
      fs.mkdirSync(userDataDir, { recursive: true })
      const chromium = await launchChromium({ userDataDir, ...this.launchOptions })
      this.wsEndpoint = chromium.wsEndpoint
      try {
        return { chromium, control: await CdpControl.connect(chromium.wsEndpoint), userDataDir }
      } catch (error) {
        await chromium.close()
        throw error
      }
    })()
    return this.shared
  }

  private async open(profile: SandboxProfile, behaviour: SandboxProfileBehaviour, entry: Running): Promise<string> {
    if (behaviour.startDelayMs) await sleep(behaviour.startDelayMs, undefined, { signal: this.closing.signal })
    const failing = (behaviour.startFailures ?? 0) > 0
    if (failing) behaviour.startFailures = (behaviour.startFailures ?? 0) - 1
    if (failing && behaviour.startFailureMode !== 'after-launch') throw new SimulatedFailure('Sandbox: simulated start failure')
    this.closing.signal.throwIfAborted()

    const shared = await this.browser()
    const { browserContextId } = (await shared.control.send('Target.createBrowserContext', { disposeOnDetach: false })) as { browserContextId: string }
    entry.contextId = browserContextId
    this.counts.running++
    this.counts.launched++
    this.counts.peak = Math.max(this.counts.peak, this.counts.running)
    const xUsername = behaviour.xUsername === undefined ? usernameFromNotes(profile.notes) : behaviour.xUsername
    if (xUsername) {
      const cookie = { name: X_SANDBOX_COOKIE, value: xUsername, domain: '127.0.0.1', path: '/', sourcePort: -1, sourceScheme: 'NonSecure' }
      await shared.control.send('Storage.setCookies', { cookies: [cookie], browserContextId })
    }
    entry.info = {
      profileId: profile.id,
      pid: shared.chromium.pid,
      port: shared.chromium.port,
      wsEndpoint: this.proxy.register(profile.id, browserContextId),
      userDataDir: shared.userDataDir,
      xUsername,
      startedAt: new Date().toISOString(),
    }
    if (failing) throw new SimulatedFailure('Sandbox: simulated start failure after the browser was launched')
    return entry.info.wsEndpoint
  }

  private async dispose(profileId: string, entry: Running): Promise<void> {
    if (!entry.contextId) return
    const contextId = entry.contextId
    entry.contextId = null
    this.proxy.unregister(profileId)
    const shared = await this.shared
    await shared?.control.send('Target.disposeBrowserContext', { browserContextId: contextId })
    this.counts.running--
  }
}

/** A long-lived CDP connection to the browser target, for the sandbox's own commands. */
class CdpControl {
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>()
  private nextId = 1

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } }
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id!)
      if (message.error) waiter.reject(new Error(`CDP: ${message.error.message}`))
      else waiter.resolve(message.result)
    })
    socket.on('error', () => undefined)
    socket.once('close', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('The shared Chromium closed its CDP connection'))
      this.pending.clear()
    })
  }

  static connect(wsEndpoint: string): Promise<CdpControl> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(wsEndpoint, { perMessageDeflate: false })
      socket.once('open', () => resolve(new CdpControl(socket)))
      socket.once('error', reject)
    })
  }

  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`CDP ${method}: the shared Chromium is gone`))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.socket.send(JSON.stringify({ id, method, params }))
    })
  }

  close(): void {
    this.socket.terminate()
  }
}

function noop(): void {}
