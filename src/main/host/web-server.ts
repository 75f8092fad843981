import fs from 'node:fs'
import type { IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { WS_CLOSE_NO_TOKEN, WS_CLOSE_TOKEN_REFUSED, WS_PATH } from '../../shared/ws-protocol'
import type { Core } from '../core'
import { DOWNLOAD_PATH } from '../services/tokens/token-export-service'
import { allowedHosts, createAccessToken, presentedToken, sameOrigin, tokenMatches } from './access-token'
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
  /** The URL to open: carries the access token in its fragment (`#token=…`), which browsers never send. */
  url: string
  baseUrl: string
  token: string
  port: number
  close(): Promise<void>
}

const HOST = '127.0.0.1'

/**
 * Browser mode's server: the built renderer and the WebSocket transport on 127.0.0.1 only. The renderer's files
 * hold nothing secret and are served to this panel's own address; everything the panel does goes through the
 * WebSocket, which needs the per-run token (a subprotocol, see ws-protocol.ts) — there is no cookie, so no other
 * page on 127.0.0.1 (another port, another panel) holds a credential. Every request must name this panel in `Host`
 * (no DNS rebinding) and, when it has an `Origin`, come from this panel's own page. A token CSV download is a
 * one-use link whose ticket is the credential.
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
  /** Why a request is not this panel's own, or null. */
  const foreign = (request: IncomingMessage): string | null => {
    if (!allowedHosts(port).has(request.headers.host ?? '')) return 'host'
    if (!sameOrigin(request.headers.origin, port)) return 'origin'
    return null
  }

  app.addHook('onRequest', async (request, reply) => {
    const refused = foreign(request.raw)
    if (refused) {
      log.warn('web.refused', { path: request.url.split('?')[0], reason: refused, origin: request.headers.origin ?? null })
      return reply.code(403).type('text/plain; charset=utf-8').send(`Forbidden: only this panel's own page, at http://${HOST}:${port}/, may use it.`)
    }
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('Content-Security-Policy', "frame-ancestors 'none'")
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('Cross-Origin-Resource-Policy', 'same-origin')
  })
  await app.register(fastifyStatic, { root: options.rendererDir, index: ['index.html'], cacheControl: false })

  // Browser mode's token CSV export: a one-time link (its ticket is 192 random bits, valid for minutes).
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
    const refused = pathname === WS_PATH ? foreign(request) : 'path'
    if (refused) {
      log.warn('ws.refused', { path: pathname, reason: refused, origin: request.headers.origin ?? null })
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    const presented = presentedToken(request.headers['sec-websocket-protocol'])
    if (!tokenMatches(token, presented)) {
      // This panel's own page with another run's token (or none): it is told so, and stops reconnecting.
      log.warn('ws.refused', { path: pathname, reason: presented ? 'token' : 'no token' })
      transport.refuse(request, socket, head, presented ? WS_CLOSE_TOKEN_REFUSED : WS_CLOSE_NO_TOKEN, presented ? 'token refused' : 'no token')
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
    url: `${baseUrl}#token=${token}`,
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
