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
import { isLoopback } from '../loopback'
import { PROBE_PATHS, type HostProbes } from '../probes'
import { buildOpenApi } from './openapi'
import { requestIdFrom } from './request-id'
import { AuthFailureLimiter, RefusalLog, type AuthFailureLimit } from './refusals'
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
  /** Requests without a valid API key per client address, answered 429 beyond it before any key lookup. Default 20 per minute. */
  authFailureLimit?: AuthFailureLimit
  /** Refusals (401, 429) are logged at most once per client and this window, with a count (default one minute). */
  refusalLogWindowMs?: number
  /** Shown by health and the OpenAPI document. */
  version?: string
  bodyLimitBytes?: number
  /**
   * `/health`, `/ready` and `/metrics` of this host. /health and /ready need no key; /metrics needs none on loopback
   * (Prometheus's norm) and an `X-API-Key` when the API listens on another address.
   */
  probes?: HostProbes
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

export { isLoopback }

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
  const failures = new AuthFailureLimiter(options.authFailureLimit)
  const refusals = new RefusalLog({ log, windowMs: options.refusalLogWindowMs })

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
    const route = request.routeOptions.url ?? ''
    if (PUBLIC_URLS.has(route) || route === PROBE_PATHS.health || route === PROBE_PATHS.ready) return
    if (route === PROBE_PATHS.metrics && isLoopback(host)) return
    // A client that keeps failing is answered here, before its key reaches the database.
    const blockedMs = await failures.blockedFor(request.ip)
    if (blockedMs !== null) throw RateLimitedError.authFailures(failures.limit.max, failures.limit.windowMs, `${Math.ceil(blockedMs / 1000)} seconds`)
    const presented = request.headers['x-api-key']
    const key = presented === undefined || presented === '' ? null : await options.apiKeys.verify(presented)
    if (!key) {
      await failures.failed(request.ip)
      throw new DomainException('UNAUTHORIZED', presented ? 'The API key is not valid or was revoked.' : 'The X-API-Key header is missing.')
    }
    keys.set(request, key)
  })
  app.addHook('onResponse', (request, reply, done) => {
    withLogContext({ requestId: request.id }, () => logRequest(log, refusals, request, reply, keys.get(request), startedAt.get(request)))
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
    errorResponseBuilder: (_request, context) => RateLimitedError.perKey(limit.max, limit.timeWindowMs, context.after),
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
  if (options.probes) registerProbes(app, options.probes)
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request) => {
    throw new DomainException('NOT_FOUND', `No such endpoint: ${request.method} ${pathOf(request)}`)
  })

  await listen(app, host, options.port ?? DEFAULT_PORT).catch((error: unknown) => {
    refusals.close()
    throw error
  })
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
      closing ??= app.close().then(() => {
        refusals.close()
        log.info('rest.closed', { url })
      })
      return closing
    },
  }
}

/** The host's probes, outside `/api/v1` and its envelope: the shapes load balancers and Prometheus expect. */
function registerProbes(app: FastifyInstance, probes: HostProbes): void {
  app.get(PROBE_PATHS.health, async () => probes.liveness())
  app.get(PROBE_PATHS.ready, async (_request, reply) => {
    const report = await probes.readiness()
    return reply.code(report.ready ? 200 : 503).send(report)
  })
  app.get(PROBE_PATHS.metrics, async (_request, reply) => {
    const { contentType, body } = await probes.metrics()
    return reply.type(contentType).send(body)
  })
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

function logRequest(log: Logger, refusals: RefusalLog, request: FastifyRequest, reply: FastifyReply, key: ApiKeyRecord | undefined, started: number | undefined) {
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
  // Sampled per client: a flood of refusals is one line a minute, not one line each.
  if (status === 401 || status === 429) refusals.refused(key ? `key:${key.id}` : `ip:${request.ip}`, fields)
  else if (status >= 400) log.info('rest.rejected', fields)
  else log.debug('rest.request', fields)
}
