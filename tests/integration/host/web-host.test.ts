/**
 * Browser mode's server: no ambient credential (no cookie: cookies ignore ports, so any page on 127.0.0.1 would carry
 * it), the token presented only when the WebSocket connects, `Host` and `Origin` checked, two panels side by side.
 */
import http from 'node:http'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type WebSocket from 'ws'
import type { WsServerMessage } from '../../../src/shared/ws-protocol'
import { createCore, type Core } from '../../../src/main/core'
import { startWebHost, type WebHost } from '../../../src/main/host/web-server'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { panelSocket } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'

const rendererDir = path.resolve(import.meta.dirname, '../../../out/renderer')
const opened: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close()
})

let keyDir: string | null = null
afterEach(() => {
  keyDir = null
})

/** A core and its web host; the cores of one test share a data key (one process holds one key at a time). */
async function start(): Promise<{ core: Core; host: WebHost }> {
  keyDir ??= tempDir('web-keys-')
  const core = await createCore({ dataDir: tempDir(), mode: 'browser', eventWindowMs: 20, keyStore: new FileKeyStore({ dir: keyDir }) })
  opened.push(() => core.close())
  const host = await startWebHost({ core, rendererDir })
  opened.push(() => host.close())
  return { core, host }
}

type Outcome = { open: WebSocket } | { status: number } | { closed: number; reason: string }

/** How a connection attempt ends: open, refused at the upgrade (HTTP status), or opened and closed at once (code). */
function attempt(socket: WebSocket): Promise<Outcome> {
  return new Promise((resolve) => {
    socket.once('open', () => {
      // A socket the server refuses by close code opens first; wait a moment for that close.
      const timer = setTimeout(() => resolve({ open: socket }), 200)
      socket.once('close', (code, reason) => {
        clearTimeout(timer)
        resolve({ closed: code, reason: reason.toString() })
      })
    })
    socket.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode ?? 0 }))
    socket.once('error', () => {})
  })
}

async function opens(socket: WebSocket): Promise<WebSocket> {
  const outcome = await attempt(socket)
  if (!('open' in outcome)) throw new Error(`refused: ${JSON.stringify(outcome)}`)
  opened.push(async () => void outcome.open.close())
  return outcome.open
}

/** A GET with a Host header of our choosing (fetch does not let a page set it; a DNS-rebound name sends it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { host } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    }).once('error', reject)
  })
}

function nextMessage(socket: WebSocket, predicate: (m: WsServerMessage) => boolean): Promise<WsServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as WsServerMessage
      if (predicate(message)) {
        socket.off('message', onMessage)
        resolve(message)
      }
    }
    socket.on('message', onMessage)
  })
}

describe('browser-mode web host', () => {
  it('prints the token in the fragment only, serves the page with no cookie, and answers no other origin or host', async () => {
    const { host } = await start()
    const other = await start()
    expect(host.url).toBe(`${host.baseUrl}#token=${host.token}`)

    const page = await fetch(host.baseUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get('set-cookie')).toBeNull()
    const html = await page.text()
    expect(html).toContain('<div id="root">')
    expect(html).not.toContain(host.token)

    // A page on another loopback port (here: the other panel's origin) gets nothing.
    const foreign = await fetch(host.baseUrl, { headers: { origin: new URL(other.host.baseUrl).origin } })
    expect(foreign.status).toBe(403)
    expect(foreign.headers.get('set-cookie')).toBeNull()
    expect(await foreign.text()).not.toContain(host.token)
    // A name rebound to 127.0.0.1 by DNS is not this panel's address.
    expect(await getWithHost(host.baseUrl, `evil.example:${host.port}`)).toBe(403)
    expect(await getWithHost(host.baseUrl, `localhost:${host.port}`)).toBe(200)
  })

  it('opens the WebSocket only for this run\'s token from its own page: another origin or host is refused at the upgrade, a stale token is told so', async () => {
    const { host } = await start()
    const other = await start()
    expect(await attempt(panelSocket(host.baseUrl, host.token, { origin: new URL(other.host.baseUrl).origin }))).toEqual({ status: 403 })
    expect(await attempt(panelSocket(host.baseUrl, host.token, { origin: 'http://evil.example' }))).toEqual({ status: 403 })
    expect(await attempt(panelSocket(host.baseUrl, host.token, { host: `evil.example:${host.port}`, origin: `http://evil.example:${host.port}` }))).toEqual({ status: 403 })
    // A tab of an earlier run (or of the other panel): "restarted", so the page stops retrying and says what to open.
    expect(await attempt(panelSocket(host.baseUrl, other.host.token))).toEqual({ closed: 4401, reason: 'token refused' })
    expect(await attempt(panelSocket(host.baseUrl, null))).toEqual({ closed: 4400, reason: 'no token' })
    await opens(panelSocket(host.baseUrl, host.token))
  })

  it('two panels side by side both work, each with its own token', async () => {
    const a = await start()
    const b = await start()
    for (const { host, core } of [a, b]) {
      const socket = await opens(panelSocket(host.baseUrl, host.token))
      socket.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'system:info', payload: {} }))
      const info = await nextMessage(socket, (m) => m.type === 'result' && m.id === 1)
      expect(info).toMatchObject({ envelope: { success: true, data: { dataDir: core.info.dataDir } } })
    }
  })

  it('answers requests with envelopes and pushes log lines as batched events', async () => {
    const { host } = await start()
    const socket = await opens(panelSocket(host.baseUrl, host.token))
    socket.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'system:info', payload: {} }))
    const info = await nextMessage(socket, (m) => m.type === 'result' && m.id === 1)
    expect(info).toMatchObject({ type: 'result', envelope: { success: true, data: { mode: 'browser' } } })

    socket.send(JSON.stringify({ type: 'invoke', id: 2, channel: 'system:ping', payload: { message: 42 } }))
    const bad = await nextMessage(socket, (m) => m.type === 'result' && m.id === 2)
    expect(bad).toMatchObject({ envelope: { success: false, errorCode: 'VALIDATION_ERROR', details: { field: 'message' } } })

    const pushed = nextMessage(socket, (m) => m.type === 'events' && m.batches.some((b) => b.channel === 'logs' && JSON.stringify(b.items).includes('hello from test')))
    socket.send(JSON.stringify({ type: 'invoke', id: 3, channel: 'system:ping', payload: { message: 'hello from test' } }))
    await pushed
  })
})
