import type { PanelBridge } from '../../../shared/bridge'
import type { Envelope } from '../../../shared/envelope'
import type { EventBatch } from '../../../shared/ipc-contract'
import { WS_CLOSE_NO_TOKEN, WS_CLOSE_TOKEN_REFUSED, type WsClientMessage, type WsServerMessage } from '../../../shared/ws-protocol'
import { clientError, type ApiError } from './api-error'

/**
 * What the status bar shows. `connecting` is the very first attempt; `disconnected` means we gave up or were closed;
 * `restarted`: the panel refused this page's token (it belongs to an earlier run), `no_token`: the page has none —
 * either way only the address the panel printed helps, so no reconnect is tried.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'restarted' | 'no_token'

/** The few things the bridge needs from a socket: the browser's `WebSocket` and the `ws` package both fit. */
export interface SocketLike {
  send(data: string): void
  close(code?: number, reason?: string): void
}

export interface SocketHandlers {
  onOpen(): void
  onMessage(data: unknown): void
  onClose(code: number, reason: string): void
}

/** Opens a socket and wires its events to `handlers`; the seam that lets tests run without a browser. */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike

export interface WsBridgeOptions {
  /** Computed for every attempt, so a token read later is used. */
  url: () => string
  connect: SocketFactory
  reconnect?: {
    initialDelayMs?: number
    maxDelayMs?: number
    /** Failed attempts in a row before the status becomes `disconnected` (the operator can still reconnect). */
    maxAttempts?: number
  }
  /** A request without an answer after this long fails with REQUEST_TIMEOUT; 0 waits for ever. */
  requestTimeoutMs?: number
  random?: () => number
}

export interface WsBridge extends PanelBridge {
  readonly status: ConnectionStatus
  /** Calls `listener` on every status change; returns the function that stops listening. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void
  /** Starts a new attempt at once (the status bar's Reconnect button). */
  reconnectNow(): void
  /** Closes for good; pending requests fail. */
  close(): void
}

interface PendingRequest {
  message: WsClientMessage
  sent: boolean
  resolve(envelope: Envelope<never>): void
  reject(error: ApiError): void
  timer: ReturnType<typeof setTimeout> | null
}

const DEFAULTS = { initialDelayMs: 250, maxDelayMs: 5_000, maxAttempts: 40, requestTimeoutMs: 120_000 }

class WebSocketBridge implements WsBridge {
  status: ConnectionStatus = 'connecting'
  private socket: SocketLike | null = null
  /** Ignores events from sockets we already gave up on. */
  private generation = 0
  private failedAttempts = 0
  private nextId = 1
  private closed = false
  private opened = false
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private readonly pending = new Map<number, PendingRequest>()
  private readonly eventListeners = new Set<(batches: EventBatch[]) => void>()
  private readonly statusListeners = new Set<(status: ConnectionStatus) => void>()
  private readonly reconnect: Required<NonNullable<WsBridgeOptions['reconnect']>>
  private readonly requestTimeoutMs: number
  private readonly random: () => number

  constructor(private readonly options: WsBridgeOptions) {
    this.reconnect = { ...DEFAULTS, ...options.reconnect }
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs
    this.random = options.random ?? Math.random
    this.open()
  }

  invoke: PanelBridge['invoke'] = (channel, input) => {
    if (this.closed || this.status === 'disconnected' || this.status === 'restarted' || this.status === 'no_token') {
      return Promise.reject(clientError('NOT_CONNECTED', { channel }))
    }
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const request: PendingRequest = {
        message: { type: 'invoke', id, channel, payload: input },
        sent: false,
        resolve: resolve as PendingRequest['resolve'],
        reject,
        timer: null,
      }
      if (this.requestTimeoutMs > 0) {
        request.timer = setTimeout(() => this.settle(id, null, clientError('REQUEST_TIMEOUT', { channel })), this.requestTimeoutMs)
      }
      this.pending.set(id, request)
      // Until the socket is open the request waits here; it is sent on (re)connect.
      if (this.status === 'connected') this.transmit(request)
    })
  }

  onEvents(listener: (batches: EventBatch[]) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  reconnectNow(): void {
    if (this.closed || this.status === 'connected' || this.status === 'connecting') return
    this.clearReconnectTimer()
    this.failedAttempts = 0
    this.open()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.clearReconnectTimer()
    this.generation++
    const socket = this.socket
    this.socket = null
    socket?.close(1000, 'Closed by the page')
    this.failAll(() => true, 'CONNECTION_LOST')
    this.setStatus('disconnected')
  }

  private open(): void {
    const generation = ++this.generation
    const current = () => generation === this.generation
    this.setStatus(this.opened ? 'reconnecting' : 'connecting')
    this.opened = true
    try {
      this.socket = this.options.connect(this.options.url(), {
        // Connected only at the server's `ready`: a socket it refuses opens too, then closes with the reason.
        onOpen: () => undefined,
        onMessage: (data) => current() && this.handleMessage(data),
        onClose: (code) => current() && this.handleClose(code),
      })
    } catch {
      this.socket = null
      this.scheduleReconnect()
    }
  }

  private handleOpen(): void {
    this.failedAttempts = 0
    this.setStatus('connected')
    for (const request of this.pending.values()) if (!request.sent) this.transmit(request)
  }

  private handleMessage(data: unknown): void {
    let message: WsServerMessage
    try {
      message = JSON.parse(typeof data === 'string' ? data : String(data)) as WsServerMessage
    } catch {
      return
    }
    if (message.type === 'ready') this.handleOpen()
    else if (message.type === 'result') this.settle(message.id, message.envelope as Envelope<never>, null)
    else if (message.type === 'events' && Array.isArray(message.batches)) {
      for (const listener of this.eventListeners) {
        try {
          listener(message.batches)
        } catch (error) {
          // One faulty listener must not starve the others of events.
          console.error('Event listener failed', error)
        }
      }
    }
  }

  private handleClose(code: number): void {
    this.socket = null
    this.generation++
    if (code === WS_CLOSE_TOKEN_REFUSED || code === WS_CLOSE_NO_TOKEN) {
      // Another attempt with the same token would be refused again.
      this.clearReconnectTimer()
      this.failAll(() => true, 'NOT_CONNECTED')
      this.setStatus(code === WS_CLOSE_TOKEN_REFUSED ? 'restarted' : 'no_token')
      return
    }
    // A sent request's answer can no longer arrive; unsent ones wait for the next connection.
    this.failAll((request) => request.sent, 'CONNECTION_LOST')
    if (!this.closed) this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    this.failedAttempts++
    if (this.failedAttempts > this.reconnect.maxAttempts) {
      this.failAll(() => true, 'NOT_CONNECTED')
      this.setStatus('disconnected')
      return
    }
    this.setStatus('reconnecting')
    const base = Math.min(this.reconnect.maxDelayMs, this.reconnect.initialDelayMs * 2 ** (this.failedAttempts - 1))
    // Jitter, so several tabs do not knock on a restarting panel at the same instant.
    const delay = Math.round(base * (0.75 + this.random() * 0.5))
    this.clearReconnectTimer()
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      this.open()
    }, delay)
  }

  private transmit(request: PendingRequest): void {
    try {
      this.socket!.send(JSON.stringify(request.message))
      request.sent = true
    } catch {
      this.settle(request.message.id, null, clientError('CONNECTION_LOST', { channel: request.message.channel }))
    }
  }

  private settle(id: number, envelope: Envelope<never> | null, error: ApiError | null): void {
    const request = this.pending.get(id)
    if (!request) return
    this.pending.delete(id)
    if (request.timer) clearTimeout(request.timer)
    if (envelope) request.resolve(envelope)
    else request.reject(error!)
  }

  private failAll(which: (request: PendingRequest) => boolean, code: 'CONNECTION_LOST' | 'NOT_CONNECTED'): void {
    for (const [id, request] of [...this.pending]) {
      if (which(request)) this.settle(id, null, clientError(code, { channel: request.message.channel }))
    }
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return
    this.status = status
    for (const listener of this.statusListeners) listener(status)
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
  }
}

/** The browser-mode bridge: the contract over one WebSocket, with request ids, reconnects and a visible status. */
export function createWsBridge(options: WsBridgeOptions): WsBridge {
  return new WebSocketBridge(options)
}
