/**
 * A per-profile CDP endpoint in front of one shared Chromium: each profile's browser is a browser
 * context of that Chromium, and a client connected to `ws://…/devtools/browser/<key>` sees only that
 * context, exactly as if it had the profile's own browser. New tabs are pinned to the context, targets
 * of other contexts are hidden (and auto-attachments to them released at once, so they never wait for
 * this client), and commands that would reach beyond the profile are refused.
 */
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer, type RawData } from 'ws'

interface CdpMessage {
  id?: number
  method?: string
  params?: Record<string, unknown>
  result?: Record<string, unknown>
  error?: unknown
  sessionId?: string
}

interface TargetInfo {
  targetId: string
  browserContextId?: string
}

const PATH_PREFIX = '/devtools/browser/'
/** Ids of the proxy's own commands: far above any client's counter, and their answers are swallowed. */
const OWN_ID_BASE = 2_000_000_000

export class ContextProxy {
  private readonly contexts = new Map<string, string>()
  private readonly clients = new Map<string, Set<WebSocket>>()
  private server: WebSocketServer | null = null
  private port = 0

  constructor(private readonly upstreamUrl: () => string) {}

  async listen(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve)
      server.once('error', reject)
    })
    server.on('connection', (socket, request) => this.accept(socket, request))
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  /** The endpoint of a profile's context. */
  register(key: string, browserContextId: string): string {
    this.contexts.set(key, browserContextId)
    return `ws://127.0.0.1:${this.port}${PATH_PREFIX}${encodeURIComponent(key)}`
  }

  /** Forgets the profile and drops its clients, as a closing browser would. */
  unregister(key: string): void {
    this.contexts.delete(key)
    for (const socket of this.clients.get(key) ?? []) socket.terminate()
    this.clients.delete(key)
  }

  async close(): Promise<void> {
    for (const key of [...this.clients.keys()]) this.unregister(key)
    const server = this.server
    this.server = null
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private accept(client: WebSocket, request: IncomingMessage): void {
    const path = (request.url ?? '').split('?')[0]
    const key = path.startsWith(PATH_PREFIX) ? decodeURIComponent(path.slice(PATH_PREFIX.length)) : ''
    const contextId = this.contexts.get(key)
    if (!contextId) {
      client.close(1008, 'unknown profile')
      return
    }
    let sockets = this.clients.get(key)
    if (!sockets) this.clients.set(key, (sockets = new Set()))
    sockets.add(client)
    client.once('close', () => sockets.delete(client))
    new PinnedConnection(client, new WebSocket(this.upstreamUrl(), { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 }), contextId)
  }
}

/** One client's connection, relayed to its own upstream connection and filtered to one context. */
class PinnedConnection {
  private readonly foreignTargets = new Set<string>()
  private readonly foreignSessions = new Set<string>()
  private readonly targetQueries = new Set<number>()
  private readonly backlog: string[] = []
  private nextOwnId = OWN_ID_BASE

  constructor(
    private readonly client: WebSocket,
    private readonly upstream: WebSocket,
    private readonly contextId: string,
  ) {
    upstream.once('open', () => {
      for (const text of this.backlog.splice(0)) upstream.send(text)
    })
    upstream.on('message', (data) => this.fromBrowser(data))
    client.on('message', (data) => this.fromClient(data))
    const end = () => {
      client.terminate()
      upstream.terminate()
    }
    for (const socket of [client, upstream]) {
      socket.once('close', end)
      socket.on('error', end)
    }
  }

  private toBrowser(message: CdpMessage | string): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message)
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(text)
    else if (this.upstream.readyState === WebSocket.CONNECTING) this.backlog.push(text)
  }

  private toClient(message: CdpMessage | string): void {
    if (this.client.readyState === WebSocket.OPEN) this.client.send(typeof message === 'string' ? message : JSON.stringify(message))
  }

  private fromClient(data: RawData): void {
    const text = String(data)
    const message = parse(text)
    if (!message) return void this.client.close(1007, 'CDP messages are JSON objects')
    if (message.sessionId || message.id === undefined) return this.toBrowser(text)
    switch (message.method) {
      case 'Target.createTarget': {
        const wanted = message.params?.browserContextId
        if (wanted && wanted !== this.contextId) return this.refuse(message, 'Only this profile’s browser context is available')
        return this.toBrowser({ ...message, params: { ...message.params, browserContextId: this.contextId } })
      }
      case 'Target.getBrowserContexts':
        // The profile's context plays the default context, as in the profile's own browser.
        return this.toClient({ id: message.id, result: { browserContextIds: [] } })
      case 'Browser.close':
        // Only the launcher stops a profile; a client closing "its browser" just lets go of it.
        this.toClient({ id: message.id, result: {} })
        return void this.client.close()
      case 'Target.createBrowserContext':
      case 'Target.disposeBrowserContext':
        return this.refuse(message, 'Browser contexts cannot be changed through a profile endpoint')
      case 'Target.getTargets':
        this.targetQueries.add(message.id)
        return this.toBrowser(text)
      default:
        return this.toBrowser(text)
    }
  }

  private refuse(message: CdpMessage, reason: string): void {
    this.toClient({ id: message.id, error: { code: -32000, message: reason }, ...(message.sessionId ? { sessionId: message.sessionId } : {}) })
  }

  private fromBrowser(data: RawData): void {
    const text = String(data)
    const message = parse(text)
    if (!message) return
    if (message.id !== undefined) {
      if (message.id >= OWN_ID_BASE) return
      if (this.targetQueries.delete(message.id) && Array.isArray(message.result?.targetInfos)) {
        const targetInfos = (message.result.targetInfos as TargetInfo[]).filter((info) => !this.isForeign(info))
        return this.toClient({ ...message, result: { ...message.result, targetInfos } })
      }
      return this.toClient(text)
    }
    if (message.sessionId && this.foreignSessions.has(message.sessionId)) return
    const params = message.params ?? {}
    switch (message.method) {
      case 'Target.targetCreated':
      case 'Target.targetInfoChanged':
        if (this.isForeign(params.targetInfo as TargetInfo)) return void this.foreignTargets.add((params.targetInfo as TargetInfo).targetId)
        break
      case 'Target.targetDestroyed':
      case 'Target.targetCrashed':
        if (this.foreignTargets.delete(params.targetId as string)) return
        break
      case 'Target.attachedToTarget':
        if (this.isForeign(params.targetInfo as TargetInfo)) return this.release(params.sessionId as string, message.sessionId)
        break
      case 'Target.detachedFromTarget':
        if (this.foreignSessions.delete(params.sessionId as string)) return
        break
    }
    this.toClient(text)
  }

  /** Lets an auto-attached foreign target run on, and detaches from it. */
  private release(sessionId: string, parentSessionId: string | undefined): void {
    this.foreignSessions.add(sessionId)
    this.toBrowser({ id: this.nextOwnId++, method: 'Runtime.runIfWaitingForDebugger', sessionId })
    this.toBrowser({ id: this.nextOwnId++, method: 'Target.detachFromTarget', params: { sessionId }, ...(parentSessionId ? { sessionId: parentSessionId } : {}) })
  }

  private isForeign(info: TargetInfo | undefined): boolean {
    return Boolean(info?.browserContextId) && info!.browserContextId !== this.contextId
  }
}

function parse(text: string): CdpMessage | null {
  try {
    const value: unknown = JSON.parse(text)
    return value && typeof value === 'object' ? (value as CdpMessage) : null
  } catch {
    return null
  }
}
