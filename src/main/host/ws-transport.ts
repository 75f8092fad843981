import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { WS_PROTOCOL, type WsClientMessage, type WsServerMessage } from '../../shared/ws-protocol'
import type { EventHub } from '../ipc/event-hub'
import type { Router } from '../ipc/router'
import type { Logger } from '../logging/logger'

/** A client that stops reading is dropped rather than buffering without bound; it reconnects and reloads. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

/** Answers the panel's subprotocol (a browser drops a socket whose server picked none of those it offered). */
const pickProtocol = (offered: Set<string>) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false)

/**
 * The browser-mode transport: the same router and event hub as Electron IPC, over a WebSocket.
 * The HTTP server authenticates the upgrade; this class only speaks the protocol.
 */
export class WsTransport {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024, handleProtocols: pickProtocol })
  /** Completes the handshakes it refuses, so that the page reads why in the close code; these sockets get nothing else. */
  private readonly refusals = new WebSocketServer({ noServer: true, maxPayload: 1024, clientTracking: false, handleProtocols: pickProtocol })
  private readonly stopEvents: () => void

  constructor(
    private readonly router: Router,
    events: EventHub,
    private readonly log: Logger,
  ) {
    this.stopEvents = events.subscribe((batches) => {
      const text = JSON.stringify({ type: 'events', batches } satisfies WsServerMessage)
      for (const socket of this.wss.clients) this.send(socket, text)
    })
    this.wss.on('connection', (socket, request) => this.onConnection(socket, request))
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.wss.emit('connection', ws, request))
  }

  /** Opens the socket only to close it at once with `code` (e.g. a token of an earlier run: "restarted"). */
  refuse(request: IncomingMessage, socket: Duplex, head: Buffer, code: number, reason: string): void {
    this.refusals.handleUpgrade(request, socket, head, (ws) => ws.close(code, reason))
  }

  get clientCount(): number {
    return this.wss.clients.size
  }

  async close(): Promise<void> {
    this.stopEvents()
    for (const socket of this.wss.clients) socket.close(1001, 'Panel stopping')
    await new Promise<void>((resolve) => this.wss.close(() => resolve()))
    await new Promise<void>((resolve) => this.refusals.close(() => resolve()))
  }

  private onConnection(socket: WebSocket, request: IncomingMessage): void {
    const origin = request.headers.origin ?? 'unknown'
    this.log.info('ws.connected', { origin, clients: this.wss.clients.size })
    this.send(socket, JSON.stringify({ type: 'ready' } satisfies WsServerMessage))
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.close(1003, 'Text frames only')
      let message: WsClientMessage
      try {
        message = JSON.parse(data.toString()) as WsClientMessage
      } catch {
        this.log.warn('ws.bad_message', { origin })
        return socket.close(1007, 'Invalid JSON')
      }
      if (message?.type !== 'invoke' || typeof message.id !== 'number') {
        this.log.warn('ws.bad_message', { origin })
        return socket.close(1008, 'Unknown message')
      }
      void this.router.dispatch(message.channel, message.payload, { transport: 'ws', origin }).then((envelope) => {
        this.send(socket, JSON.stringify({ type: 'result', id: message.id, envelope } satisfies WsServerMessage))
      })
    })
    socket.on('close', () => this.log.info('ws.closed', { clients: this.wss.clients.size }))
    socket.on('error', (err) => this.log.warn('ws.error', { err }))
  }

  private send(socket: WebSocket, text: string): void {
    if (socket.readyState !== socket.OPEN) return
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.log.warn('ws.slow_client_dropped', { buffered: socket.bufferedAmount })
      socket.terminate()
      return
    }
    socket.send(text)
  }
}
