import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { WsServerMessage } from '../../../src/shared/ws-protocol'
import { createCore, type Core } from '../../../src/main/core'
import { startWebHost, type WebHost } from '../../../src/main/host/web-server'
import { tempDir } from '../../helpers/temp-dir'

const rendererDir = path.resolve(import.meta.dirname, '../../../out/renderer')
let core: Core | null = null
let host: WebHost | null = null

afterEach(async () => {
  await host?.close()
  await core?.close()
  host = core = null
})

async function start() {
  core = await createCore({ dataDir: tempDir(), mode: 'browser', eventWindowMs: 20 })
  host = await startWebHost({ core, rendererDir })
  return { core, host }
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers })
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
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
  it('serves the renderer only with the token, and sets a cookie that works afterwards', async () => {
    const { host } = await start()
    const refused = await fetch(host.baseUrl)
    expect(refused.status).toBe(401)
    expect(await refused.text()).toMatch(/PANEL_URL/)
    expect((await fetch(`${host.baseUrl}?token=wrong`)).status).toBe(401)

    const page = await fetch(host.url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    const cookie = page.headers.get('set-cookie')!.split(';')[0]
    expect((await fetch(host.baseUrl, { headers: { cookie } })).status).toBe(200)
  })

  it('refuses a WebSocket without the token or from another origin', async () => {
    const { host } = await start()
    const wsBase = host.baseUrl.replace('http', 'ws') + 'ws'
    await expect(connect(wsBase)).rejects.toThrow(/401/)
    await expect(connect(`${wsBase}?token=${host.token}`, { Origin: 'http://evil.example' })).rejects.toThrow(/401/)
  })

  it('answers requests with envelopes and pushes log lines as batched events', async () => {
    const { host } = await start()
    const socket = await connect(`${host.baseUrl.replace('http', 'ws')}ws?token=${host.token}`)
    try {
      socket.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'system:info', payload: {} }))
      const info = await nextMessage(socket, (m) => m.type === 'result' && m.id === 1)
      expect(info).toMatchObject({ type: 'result', envelope: { success: true, data: { mode: 'browser' } } })

      socket.send(JSON.stringify({ type: 'invoke', id: 2, channel: 'system:ping', payload: { message: 42 } }))
      const bad = await nextMessage(socket, (m) => m.type === 'result' && m.id === 2)
      expect(bad).toMatchObject({ envelope: { success: false, errorCode: 'VALIDATION_ERROR', details: { field: 'message' } } })

      const pushed = nextMessage(
        socket,
        (m) => m.type === 'events' && m.batches.some((b) => b.channel === 'logs' && JSON.stringify(b.items).includes('hello from test')),
      )
      socket.send(JSON.stringify({ type: 'invoke', id: 3, channel: 'system:ping', payload: { message: 'hello from test' } }))
      await pushed
    } finally {
      socket.close()
    }
  })
})
