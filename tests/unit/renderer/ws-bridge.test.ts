import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import type { Envelope } from '../../../src/shared/envelope'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import type { WsClientMessage, WsServerMessage } from '../../../src/shared/ws-protocol'
import { ApiError } from '../../../src/renderer/src/api/api-error'
import {
  createWsBridge,
  type ConnectionStatus,
  type SocketFactory,
  type SocketHandlers,
  type WsBridge,
} from '../../../src/renderer/src/api/ws-bridge'

const ok = (data: unknown, requestId = 'req-1'): Envelope<unknown> => ({
  success: true,
  data,
  error: null,
  errorCode: null,
  requestId,
  timestamp: new Date().toISOString(),
})

const bridges: WsBridge[] = []
const servers: WebSocketServer[] = []
afterEach(async () => {
  for (const bridge of bridges.splice(0)) bridge.close()
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate()
    await new Promise((resolve) => server.close(resolve))
  }
})

function track(bridge: WsBridge): WsBridge {
  bridges.push(bridge)
  return bridge
}

const wsPackageFactory: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url)
  socket.onopen = () => handlers.onOpen()
  socket.onmessage = (event) => handlers.onMessage(event.data)
  socket.onclose = (event) => handlers.onClose(event.code, event.reason)
  socket.onerror = () => {}
  return socket
}

function waitForStatus(bridge: WsBridge, wanted: ConnectionStatus): Promise<void> {
  if (bridge.status === wanted) return Promise.resolve()
  return new Promise((resolve) => {
    const stop = bridge.onStatus((status) => {
      if (status === wanted) {
        stop()
        resolve()
      }
    })
  })
}

describe('WebSocket bridge over a real socket (ws package)', () => {
  async function startServer(onMessage: (socket: WebSocket, message: WsClientMessage) => void): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    servers.push(server)
    await new Promise<void>((resolve) => server.once('listening', () => resolve()))
    server.on('connection', (socket) => {
      socket.send(JSON.stringify({ type: 'ready' } satisfies WsServerMessage))
      socket.on('message', (data) => onMessage(socket, JSON.parse(String(data))))
    })
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`
  }

  it('matches each answer to its request even when answers come back out of order', async () => {
    const held: { socket: WebSocket; message: WsClientMessage }[] = []
    const url = await startServer((socket, message) => {
      held.push({ socket, message })
      if (held.length < 2) return
      // Answer the second request first.
      for (const { socket: s, message: m } of held.reverse()) {
        const payload = m.payload as { message: string }
        s.send(JSON.stringify({ type: 'result', id: m.id, envelope: ok({ pong: payload.message }) } satisfies WsServerMessage))
      }
    })
    const bridge = track(createWsBridge({ url: () => url, connect: wsPackageFactory }))

    const [first, second] = await Promise.all([
      bridge.invoke('system:ping', { message: 'first' }),
      bridge.invoke('system:ping', { message: 'second' }),
    ])
    expect(first).toMatchObject({ success: true, data: { pong: 'first' } })
    expect(second).toMatchObject({ success: true, data: { pong: 'second' } })
    expect(bridge.status).toBe('connected')
  })

  it('hands pushed event batches to every listener', async () => {
    const batches: EventBatch[] = [{ channel: 'logs', items: [] }]
    const url = await startServer(() => {})
    servers[0].on('connection', (socket) => socket.send(JSON.stringify({ type: 'events', batches } satisfies WsServerMessage)))
    const bridge = track(createWsBridge({ url: () => url, connect: wsPackageFactory }))
    const received = await new Promise<EventBatch[]>((resolve) => bridge.onEvents(resolve))
    expect(received).toEqual(batches)
  })

  it('fails a request in flight with a clear error when the server goes away', async () => {
    const url = await startServer((socket) => socket.terminate())
    const bridge = track(createWsBridge({ url: () => url, connect: wsPackageFactory, reconnect: { initialDelayMs: 5 } }))
    const failure = await bridge.invoke('system:info').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ApiError)
    expect(failure).toMatchObject({ code: 'CONNECTION_LOST', retryable: true })
    expect((failure as ApiError).message).toMatch(/connection to the panel was lost/i)
  })
})

/** A socket the test drives by hand: open it, drop it, answer requests. */
class FakeSocket {
  readonly sent: WsClientMessage[] = []
  closedByClient = false
  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
  ) {}
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.closedByClient = true
  }
  open() {
    this.handlers.onOpen()
    this.handlers.onMessage(JSON.stringify({ type: 'ready' }))
  }
  handshakeOnly() {
    this.handlers.onOpen()
  }
  drop(code = 1006, reason = '') {
    this.handlers.onClose(code, reason)
  }
  answer(id: number, data: unknown) {
    this.handlers.onMessage(JSON.stringify({ type: 'result', id, envelope: ok(data) }))
  }
}

class FakeServer {
  readonly sockets: FakeSocket[] = []
  private waiting: ((socket: FakeSocket) => void)[] = []
  readonly connect: SocketFactory = (url, handlers) => {
    const socket = new FakeSocket(url, handlers)
    this.sockets.push(socket)
    for (const resolve of this.waiting.splice(0)) resolve(socket)
    return socket
  }
  /** The socket of the next connection attempt (or the latest, if it is not yet settled). */
  nextSocket(after: number): Promise<FakeSocket> {
    if (this.sockets.length > after) return Promise.resolve(this.sockets[after])
    return new Promise((resolve) => this.waiting.push(resolve))
  }
}

describe('WebSocket bridge reconnects', () => {
  const fast = { initialDelayMs: 1, maxDelayMs: 4 }

  it('reports reconnecting after a drop, then connected again, and uses the URL computed at that time', async () => {
    const server = new FakeServer()
    let attempt = 0
    const bridge = track(createWsBridge({ url: () => `ws://panel/ws?attempt=${++attempt}`, connect: server.connect, reconnect: fast }))
    const statuses: ConnectionStatus[] = [bridge.status]
    bridge.onStatus((status) => statuses.push(status))
    server.sockets[0].open()
    server.sockets[0].drop()
    const second = await server.nextSocket(1)
    second.open()
    expect(statuses).toEqual(['connecting', 'connected', 'reconnecting', 'connected'])
    expect(second.url).toBe('ws://panel/ws?attempt=2')
  })

  it('holds requests made while disconnected and sends them once the connection is back', async () => {
    const server = new FakeServer()
    const bridge = track(createWsBridge({ url: () => 'ws://panel/ws', connect: server.connect, reconnect: fast }))
    server.sockets[0].open()
    server.sockets[0].drop()
    const answer = bridge.invoke('system:ping', { message: 'queued' })
    const second = await server.nextSocket(1)
    expect(second.sent).toEqual([])
    second.open()
    expect(second.sent).toEqual([{ type: 'invoke', id: 1, channel: 'system:ping', payload: { message: 'queued' } }])
    second.answer(1, { pong: 'queued' })
    await expect(answer).resolves.toMatchObject({ success: true, data: { pong: 'queued' } })
  })

  it('fails only the requests already sent when the connection drops', async () => {
    const server = new FakeServer()
    const bridge = track(createWsBridge({ url: () => 'ws://panel/ws', connect: server.connect, reconnect: fast }))
    server.sockets[0].open()
    const inFlight = bridge.invoke('system:info')
    server.sockets[0].drop()
    await expect(inFlight).rejects.toMatchObject({ code: 'CONNECTION_LOST' })
    // A late answer on the old socket is ignored rather than resolving something else.
    server.sockets[0].answer(1, 'late')
    const next = bridge.invoke('system:info')
    const second = await server.nextSocket(1)
    second.open()
    second.answer(second.sent[0].id, { appVersion: '1.0.0' })
    await expect(next).resolves.toMatchObject({ data: { appVersion: '1.0.0' } })
  })

  it('gives up after the allowed attempts, reports disconnected, and can be told to try again', async () => {
    const server = new FakeServer()
    const bridge = track(
      createWsBridge({ url: () => 'ws://panel/ws', connect: server.connect, reconnect: { ...fast, maxAttempts: 2 } }),
    )
    const waiting = bridge.invoke('system:info')
    server.sockets[0].drop()
    ;(await server.nextSocket(1)).drop()
    ;(await server.nextSocket(2)).drop()
    expect(bridge.status).toBe('disconnected')
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    await expect(bridge.invoke('system:info')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })

    bridge.reconnectNow()
    expect(bridge.status).toBe('reconnecting')
    ;(await server.nextSocket(3)).open()
    await waitForStatus(bridge, 'connected')
  })

  it('stops at "restarted" when the panel refuses the token (an earlier run\'s), or "no_token" without one, and never retries', async () => {
    const server = new FakeServer()
    const bridge = track(createWsBridge({ url: () => 'ws://panel/ws', connect: server.connect, reconnect: fast }))
    const statuses: ConnectionStatus[] = [bridge.status]
    bridge.onStatus((status) => statuses.push(status))
    const waiting = bridge.invoke('system:info')
    // The server completes the handshake (so the page can read the close code) but never says ready.
    server.sockets[0].handshakeOnly()
    server.sockets[0].drop(4401, 'token refused')
    expect(statuses).toEqual(['connecting', 'restarted'])
    expect(server.sockets[0].sent).toEqual([])
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    await expect(bridge.invoke('system:info')).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
    // No new attempt, however long the page stays open (a drop would have scheduled one within 4 ms).
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(server.sockets).toHaveLength(1)

    const other = new FakeServer()
    const tokenless = track(createWsBridge({ url: () => 'ws://panel/ws', connect: other.connect, reconnect: fast }))
    other.sockets[0].drop(4400, 'no token')
    expect(tokenless.status).toBe('no_token')
  })

  it('fails a request the panel never answers once the time limit passes', async () => {
    const server = new FakeServer()
    const bridge = track(createWsBridge({ url: () => 'ws://panel/ws', connect: server.connect, requestTimeoutMs: 20 }))
    server.sockets[0].open()
    await expect(bridge.invoke('system:info')).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' })
  })
})
