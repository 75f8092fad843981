import type { AddressInfo } from 'node:net'
import rateLimit from '@fastify/rate-limit'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { DomainException, InfrastructureException } from '../../../shared/errors'
import { withLogContext } from '../../logging/context'
import type { Logger } from '../../logging/logger'
import type { ApiKeyRecord, ApiKeyService } from '../../services/api-keys/api-key-service'
import type { RestApiBackend } from './backend'
import { answerClientError } from './client-error'
import { failed, RateLimitedError, toFailure } from './envelope'
import { buildOpenApi } from './openapi'
import { requestIdFrom } from './request-id'
import { PUBLIC_URLS, ROUTES, type RouteContext } from './routes'

export interface RestApiOptions {
  backend: RestApiBackend
  apiKeys: Pick<ApiKeyService, 'verify'>
  log: Logger
  /** Default 127.0.0.1; any other address is the operator's choice and is logged as a warning. */
  host?: string
  /** Default 8000 (the origin service's port); 0 picks a free port. */
  port?: number
  /** Requests per window per API key (health: per client address). Default 100 per minute. */
  rateLimit?: { max: number; timeWindowMs: number }
  /** Shown by health and the OpenAPI document. */
  version?: string
  bodyLimitBytes?: number
}

export interface RestApi {
  /** e.g. `http://127.0.0.1:8000` (no trailing slash). */
  url: string
  host: string
  port: number
  close(): Promise<void>
}

const DEFAULT_HOST = '127.0.0.1'
const DEFAULT_PORT = 8_000
const DEFAULT_RATE_LIMIT = { max: 100, timeWindowMs: 60_000 }

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/**
 * The local REST API: the origin service's `/api/v1` endpoints over the panel's services (through
 * `RestApiBackend`). Every answer is the envelope with a meaningful status; every request has an id
 * (the caller's `X-Request-ID` when sane) that is echoed, put in the envelope and in every log line
 * written while serving it; every endpoint but health needs an `X-API-Key` and is rate limited per key.
 */
export async function startRestApi(options: RestApiOptions): Promise<RestApi> {
  const log = options.log
  const host = options.host ?? DEFAULT_HOST
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT
  const keys = new WeakMap<FastifyRequest, ApiKeyRecord>()
  const startedAt = new WeakMap<FastifyRequest, number>()

  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    requestIdHeader: false,
    genReqId: (raw) => requestIdFrom(raw.headers['x-request-id']),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    return503OnClosing: true,
    frameworkErrors: (error, request, reply) => sendFailure(request, reply, error),
    clientErrorHandler: answerClientError,
  })

  function sendFailure(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    return withLogContext({ requestId: request.id }, () => {
      const failure = toFailure(error)
      if (failure.status >= 500) log.error('rest.internal_error', { method: request.method, route: routeOf(request), err: error })
      reply.header('x-request-id', request.id)
      return reply.code(failure.status).type('application/json; charset=utf-8').send(failed(request.id, failure))
    })
  }

  // Only JSON bodies; an empty JSON body is "no body" (e.g. `curl -X POST -H 'Content-Type: application/json'`).
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined)
    parseJson(request, body as string, done)
  })

  app.addHook('onRequest', (request, reply, done) => {
    startedAt.set(request, performance.now())
    reply.header('x-request-id', request.id)
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    // Everything after this (Fastify keeps the context across body parsing) logs with the request id.
    withLogContext({ requestId: request.id }, done)
  })
  app.addHook('onRequest', async (request) => {
    if (PUBLIC_URLS.has(request.routeOptions.url ?? '')) return
    const presented = request.headers['x-api-key']
    if (presented === undefined || presented === '') throw new DomainException('UNAUTHORIZED', 'The X-API-Key header is missing.')
    const key = await options.apiKeys.verify(presented)
    if (!key) throw new DomainException('UNAUTHORIZED', 'The API key is not valid or was revoked.')
    keys.set(request, key)
  })
  app.addHook('onResponse', (request, reply, done) => {
    withLogContext({ requestId: request.id }, () => logRequest(log, request, reply, keys.get(request), startedAt.get(request)))
    done()
  })
  app.setErrorHandler((error, request, reply) => sendFailure(request, reply, error))

  // Registered after the auth hook and before the routes: its per-route hook runs once the key is known.
  await app.register(rateLimit, {
    global: true,
    max: limit.max,
    timeWindow: limit.timeWindowMs,
    keyGenerator: (request) => {
      const key = keys.get(request)
      return key ? `key:${key.id}` : `ip:${request.ip}`
    },
    errorResponseBuilder: (_request, context) => new RateLimitedError(limit.max, limit.timeWindowMs, context.after),
  })

  let openapi: object | null = null
  const context: RouteContext = {
    backend: options.backend,
    version: options.version ?? '0.0.0',
    startedAt: performance.now(),
    openapi: () => openapi ?? {},
  }
  for (const route of ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      schema: route.schema,
      handler: (request) => route.handle(request, keys.get(request) ?? null, context),
    })
  }
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request) => {
    throw new DomainException('NOT_FOUND', `No such endpoint: ${request.method} ${pathOf(request)}`)
  })

  await listen(app, host, options.port ?? DEFAULT_PORT)
  const port = (app.server.address() as AddressInfo).port
  const url = `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
  openapi = buildOpenApi(ROUTES, { version: context.version, serverUrl: url, rateLimit: `${limit.max} requests per ${limit.timeWindowMs / 1000} s per API key` })
  if (isLoopback(host)) {
    log.info('rest.listening', { url }, `Local REST API listening on ${url}`)
  } else {
    log.warn('rest.listening_exposed', { url, host }, `Local REST API listening on ${url}: reachable from other machines (host set to ${host}); keep the API keys secret`)
  }

  let closing: Promise<void> | null = null
  return {
    url,
    host,
    port,
    close() {
      closing ??= app.close().then(() => log.info('rest.closed', { url }))
      return closing
    },
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host: host.replace(/^\[(.*)\]$/, '$1'), port })
  } catch (error) {
    await app.close().catch(() => undefined)
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === 'EADDRINUSE' ? `port ${port} is already in use` : code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine` : 'see the log'
    throw new InfrastructureException('INTERNAL_ERROR', `The local REST API could not start on ${host}:${port}: ${reason}.`, { cause: error, details: { host, port, code } })
  }
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? pathOf(request)
}

/** The path without the query (which might carry something secret), shortened for the log. */
function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0].slice(0, 200)
}

function logRequest(log: Logger, request: FastifyRequest, reply: FastifyReply, key: ApiKeyRecord | undefined, started: number | undefined) {
  const status = reply.statusCode
  const fields = {
    method: request.method,
    route: routeOf(request),
    status,
    ms: started === undefined ? null : Math.round((performance.now() - started) * 10) / 10,
    keyId: key?.id ?? null,
    keyPrefix: key?.prefix ?? null,
  }
  if (status >= 500) return // already logged with its error
  if (status === 401 || status === 429) log.warn('rest.rejected', fields)
  else if (status >= 400) log.info('rest.rejected', fields)
  else log.debug('rest.request', fields)
}
