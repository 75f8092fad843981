/**
 * The sandbox's profile browsers in one shared Chromium (benchmarks, big demos): a started profile is
 * a fresh browser context with its own cookie jar holding the X sandbox's login cookie, reached at its
 * own CDP endpoint (see ContextProxy), so no Chromium launch is paid per profile. Behaves like
 * SandboxBrowsers towards the local API: same behaviours, same counts (a "browser" is a context here).
 */
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { launchChromium, type LaunchedChromium } from '../chromium'
import { ProfileBrowserPool, type PoolEntry } from './browser-pool'
import { X_SANDBOX_COOKIE } from './browsers'
import { ContextProxy } from './context-proxy'
import type { SandboxProfile } from './profiles'

interface Shared {
  chromium: LaunchedChromium
  control: CdpControl
  userDataDir: string
}

interface Running extends PoolEntry {
  contextId: string | null
}

export class SharedSandboxBrowsers extends ProfileBrowserPool<Running> {
  private readonly proxy: ContextProxy
  private shared: Promise<Shared> | null = null
  private wsEndpoint = ''

  constructor(
    private readonly workDir: string,
    private readonly launchOptions: { headless: boolean; executablePath?: string },
  ) {
    super()
    this.proxy = new ContextProxy(() => this.wsEndpoint)
  }

  /** The shared Chromium's process id, once it runs (tests check it is gone after close). */
  async chromiumPid(): Promise<number | null> {
    return this.shared ? (await this.shared).chromium.pid : null
  }

  override async closeAll(): Promise<void> {
    await super.closeAll()
    await this.proxy.close()
    const shared = await this.shared?.catch(() => null)
    this.shared = null
    if (shared) {
      shared.control.close()
      await shared.chromium.close()
      fs.rmSync(shared.userDataDir, { recursive: true, force: true })
    }
  }

  protected newEntry(): Running {
    return { contextId: null, info: null, starting: Promise.resolve() }
  }

  protected opened(entry: Running): boolean {
    return entry.contextId !== null
  }

  protected async open(profile: SandboxProfile, xUsername: string | null, entry: Running, proxy: string | null): Promise<string> {
    const shared = await this.browser()
    const proxied = proxy ? { proxyServer: proxy, proxyBypassList: '<-loopback>' } : {}
    const { browserContextId } = (await shared.control.send('Target.createBrowserContext', { disposeOnDetach: false, ...proxied })) as { browserContextId: string }
    entry.contextId = browserContextId
    this.countOpened()
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
    return entry.info.wsEndpoint
  }

  protected async kill(entry: Running): Promise<void> {
    if (!entry.contextId) return
    const shared = await this.shared
    await shared?.control.send('Target.disposeBrowserContext', { browserContextId: entry.contextId }).catch(() => undefined)
  }

  protected async dispose(profileId: string, entry: Running): Promise<void> {
    if (!entry.contextId) return
    const contextId = entry.contextId
    entry.contextId = null
    this.proxy.unregister(profileId)
    const shared = await this.shared
    await shared?.control.send('Target.disposeBrowserContext', { browserContextId: contextId })
    this.counts.running--
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

