import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { WS_PATH } from '../../shared/ws-protocol'
import type { Core } from '../core'
import { DOWNLOAD_PATH } from '../services/tokens/token-export-service'
import { createAccessToken, presentedToken, TOKEN_COOKIE, tokenMatches } from './access-token'
import { WsTransport } from './ws-transport'

export interface WebHostOptions {
  core: Core
  /** The built renderer (`out/renderer`). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token (tests); a random one per run otherwise. */
  token?: string
}

export interface WebHost {
  /** The URL to open: carries the access token. */
  url: string
  baseUrl: string
  token: string
  port: number
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/**
 * Browser mode's server: the built renderer and the WebSocket transport on 127.0.0.1 only. Every
 * request needs the per-run token, in the URL (`?token=`) or in the cookie the first page load sets.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const { core } = options
  const log = core.logs.logger('web')
  const token = options.token ?? createAccessToken()
  core.logs.redactor.addSecret(token)
  const indexFile = path.join(options.rendererDir, 'index.html')
  if (!fs.existsSync(indexFile)) {
    throw new Error(`The built renderer is missing (${indexFile}). Run "npm run build" first.`)
  }

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
  const transport = new WsTransport(core.router, core.events, core.logs.logger('ws'))
  let port = 0

  app.addHook('onRequest', async (request, reply) => {
    const presented = presentedToken(request.url, request.headers.cookie)
    if (!tokenMatches(token, presented)) {
      log.warn('web.refused', { path: request.url.split('?')[0], reason: presented ? 'bad token' : 'no token' })
      return reply
        .code(401)
        .type('text/plain; charset=utf-8')
        .send('Unauthorized: open the PANEL_URL printed when browser mode started (it carries the access token).')
    }
    reply.header('Set-Cookie', `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`)
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Content-Security-Policy', "frame-ancestors 'none'")
    reply.header('Referrer-Policy', 'no-referrer')
  })
  await app.register(fastifyStatic, { root: options.rendererDir, index: ['index.html'], cacheControl: false })

  // Browser mode's token CSV export: a one-time link, token-guarded like every request (hook above).
  app.get<{ Params: { ticket: string } }>(`${DOWNLOAD_PATH}/:ticket`, async (request, reply) => {
    const download = await core.tokenExport.openDownload(request.params.ticket)
    if (!download) {
      return reply.code(404).type('text/plain; charset=utf-8').send('This download link was already used or has expired: export the tokens again.')
    }
    return reply
      .header('Content-Disposition', `attachment; filename="${download.fileName}"`)
      .header('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .send(download.stream)
  })

  app.server.on('upgrade', (request, socket, head) => {
    const pathname = new URL(request.url ?? '/', `http://${HOST}`).pathname
    const origin = request.headers.origin
    const sameOrigin = !origin || origin === `http://${HOST}:${port}` || origin === `http://localhost:${port}`
    if (pathname !== WS_PATH || !sameOrigin || !tokenMatches(token, presentedToken(request.url, request.headers.cookie))) {
      log.warn('ws.refused', { path: pathname, origin: origin ?? null })
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    transport.handleUpgrade(request, socket, head)
  })

  await app.listen({ host: HOST, port: options.port ?? 0 })
  port = (app.server.address() as AddressInfo).port
  const baseUrl = `http://${HOST}:${port}/`
  log.info('web.listening', { port }, `Browser mode listening on ${baseUrl}`)

  let closing: Promise<void> | null = null
  return {
    url: `${baseUrl}?token=${token}`,
    baseUrl,
    token,
    port,
    close() {
      closing ??= (async () => {
        await transport.close()
        await app.close()
      })()
      return closing
    },
  }
}
