/**
 * `/health`, `/ready` and `/metrics` of a host: the panel's REST API serves them (rest-api/server.ts), a worker on
 * its own small listener (`--metrics-port`, below). `/health` says the process lives; `/ready` answers JSON with
 * each check and 503 when a check fails; `/metrics` is the Prometheus text format of the host's own registry.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from '../logging/logger'
import type { LivenessReport, ReadinessReport } from '../services/hosts/readiness'
import { isLoopback } from './loopback'

export interface HostProbes {
  liveness(): LivenessReport
  readiness(): Promise<ReadinessReport>
  metrics(): Promise<{ contentType: string; body: string }>
}

export const PROBE_PATHS = { health: '/health', ready: '/ready', metrics: '/metrics' } as const

export interface ProbeServer {
  url: string
  close(): Promise<void>
}

/**
 * A worker's listener: GET /health, /ready, /metrics and nothing else. `probes()` is null while the core starts
 * (then /health answers, /ready says it is starting, /metrics is 503). No API key: it binds to loopback unless the
 * operator names another address (logged as a warning); nothing it answers is secret.
 */
export async function startProbeServer(options: { host: string; port: number; probes: () => HostProbes | null; log: Pick<Logger, 'info' | 'warn' | 'error'> }): Promise<ProbeServer> {
  const startedAt = performance.now()
  const server = http.createServer((request, response) => {
    void answer(request, response).catch((error: unknown) => {
      options.log.error('probes.failed', { path: pathOf(request), err: error })
      if (!response.headersSent) send(response, 500, 'application/json; charset=utf-8', JSON.stringify({ error: 'internal error' }))
      else response.destroy()
    })
  })
  server.keepAliveTimeout = 5_000
  server.requestTimeout = 10_000

  async function answer(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain; charset=utf-8', 'Only GET\n', { allow: 'GET, HEAD' })
    const probes = options.probes()
    switch (pathOf(request)) {
      case PROBE_PATHS.health: {
        const live = probes?.liveness() ?? { status: 'alive', uptimeSeconds: Math.floor((performance.now() - startedAt) / 1000), mode: 'worker', starting: true }
        return send(response, 200, 'application/json; charset=utf-8', JSON.stringify(live))
      }
      case PROBE_PATHS.ready: {
        if (!probes) return send(response, 503, 'application/json; charset=utf-8', JSON.stringify({ ready: false, checks: { startup: { ok: false, detail: 'The host is starting' } } }))
        const report = await probes.readiness()
        return send(response, report.ready ? 200 : 503, 'application/json; charset=utf-8', JSON.stringify(report))
      }
      case PROBE_PATHS.metrics: {
        if (!probes) return send(response, 503, 'text/plain; charset=utf-8', 'The host is starting\n')
        const { contentType, body } = await probes.metrics()
        return send(response, 200, contentType, body)
      }
      default:
        return send(response, 404, 'text/plain; charset=utf-8', 'Not found: /health, /ready and /metrics are served here\n')
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host.replace(/^\[(.*)\]$/, '$1'), port: options.port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host
  const url = `http://${host}:${port}`
  if (isLoopback(options.host)) options.log.info('probes.listening', { url }, `Metrics, /health and /ready on ${url}`)
  else options.log.warn('probes.listening_exposed', { url }, `Metrics, /health and /ready on ${url}: reachable from other machines (no API key on this listener; nothing it answers is secret)`)
  let closing: Promise<void> | null = null
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      return closing
    },
  }
}

function pathOf(request: http.IncomingMessage): string {
  return (request.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/'
}

function send(response: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers })
  response.end(response.req.method === 'HEAD' ? undefined : body)
}
