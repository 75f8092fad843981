import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { AppException, GoLoginAPIException } from '../../../src/shared/errors'
import { GoLoginApiClient } from '../../../src/main/services/gologin/api-client'
import { tokenFingerprint, type TokenStop } from '../../../src/main/services/gologin/token-stops'
import { captureLogger, expandErrors } from './capture-logger'

const TOKEN = 'gl-secret-token-5f2c9a7e1b'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void
let handler: Handler
let requests: Array<{ url: string; authorization?: string }>
let server: http.Server
let baseUrl: string

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body))
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization })
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})
beforeEach(() => {
  requests = []
  handler = (_req, res) => json(res, 200, { profiles: [], allProfilesCount: 0 })
})

function client(options: Partial<ConstructorParameters<typeof GoLoginApiClient>[0]> = {}) {
  const logger = captureLogger()
  const api = new GoLoginApiClient({ apiUrl: baseUrl, token: TOKEN, retries: 2, retryDelayMs: 1, timeoutMs: 2_000, logger, ...options })
  return { api, logger }
}

async function failure(promise: Promise<unknown>): Promise<AppException> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppException)
    return error as AppException
  }
  throw new Error('expected a failure')
}

/** The token must not appear anywhere the operator or the log could see it. */
function expectNoToken(error: AppException, lines: string[]) {
  expect(error.message).not.toContain(TOKEN)
  expect(JSON.stringify(error, expandErrors)).not.toContain(TOKEN)
  expect(String(error.cause ?? '')).not.toContain(TOKEN)
  for (const line of lines) expect(line).not.toContain(TOKEN)
}

describe('GoLoginApiClient against a scripted server', () => {
  it('sends the token as a Bearer header and maps profiles without the proxy password', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        allProfilesCount: 2,
        profiles: [
          {
            id: 'p1',
            name: 'One',
            notes: '@alice',
            os: 'win',
            folders: ['Batch 1'],
            tags: [{ title: 'AIOTT1', color: 'red' }, 'x'],
            proxy: { mode: 'http', host: 'proxy.example', port: '8080', username: 'u1', password: 'pw-must-vanish' },
            navigator: { userAgent: 'whatever' },
          },
          { id: 'p2', name: 'Two', notes: null, os: 'mac', tags: [], proxy: { mode: 'gologin', autoProxyRegion: 'de', password: 'pw-2' } },
        ],
      })
    const { api } = client()
    const profiles = await api.listAllProfiles()
    expect(requests[0]).toEqual({ url: '/browser/v2?page=1', authorization: `Bearer ${TOKEN}` })
    expect(profiles).toEqual([
      {
        id: 'p1',
        name: 'One',
        notes: '@alice',
        folders: ['Batch 1'],
        tags: ['AIOTT1', 'x'],
        os: 'win',
        proxy: { mode: 'http', host: 'proxy.example', port: 8080, username: 'u1', country: null },
      },
      { id: 'p2', name: 'Two', notes: '', folders: [], tags: [], os: 'mac', proxy: { mode: 'gologin', host: null, port: null, username: null, country: 'de' } },
    ])
    expect(JSON.stringify(profiles)).not.toContain('pw-')
  })

  it.each([
    [{ allProfilesCount: 3 }, /profiles: .*expected array/],
    [{ profiles: 'nope', allProfilesCount: 3 }, /profiles: .*expected array/],
    [{ profiles: [{ id: 42, name: 'x' }], allProfilesCount: 1 }, /profiles\[0\]\.id: .*expected string/],
    [{ profiles: [{ id: 'a' }], allProfilesCount: 1 }, /profiles\[0\]\.name/],
    [{ profiles: [], allProfilesCount: '7' }, /allProfilesCount: .*expected number/],
  ])('refuses a malformed answer %j, naming what is wrong', async (body, why) => {
    handler = (_req, res) => json(res, 200, body)
    const { api } = client()
    const error = await failure(api.listAllProfiles())
    expect(error).toBeInstanceOf(GoLoginAPIException)
    expect(error.code).toBe('GOLOGIN_API_ERROR')
    expect(error.message).toMatch(/unexpected shape/)
    expect(error.message).toMatch(why)
  })

  it('never puts the token in errors or logs, even when the server echoes it back', async () => {
    handler = (req, res) => json(res, 400, { message: `bad request for ${req.headers.authorization}` })
    const { api, logger } = client()
    const error = await failure(api.testConnection())
    expect(error).toMatchObject({ statusCode: 400 })
    expect(error.message).toContain('[REDACTED]')
    expectNoToken(error, logger.lines)
  })

  it('keeps the token out of 5xx, timeout and network errors and their logged retries', async () => {
    handler = (_req, res) => json(res, 502, { message: 'upstream' })
    const first = client()
    const serverError = await failure(first.api.testConnection())
    expect(serverError).toMatchObject({ statusCode: 502, code: 'GOLOGIN_API_ERROR' })
    expect(requests).toHaveLength(3)
    expect(first.logger.lines.filter((l) => l.includes('gologin.api.retry'))).toHaveLength(2)
    expectNoToken(serverError, first.logger.lines)

    handler = () => {} // never answers
    const second = client({ timeoutMs: 100, retries: 1 })
    const timeout = await failure(second.api.testConnection())
    expect(timeout).toMatchObject({ statusCode: 408 })
    expectNoToken(timeout, second.logger.lines)

    const third = client({ apiUrl: 'http://127.0.0.1:1', retries: 1 })
    const unreachable = await failure(third.api.testConnection())
    expect(unreachable).toMatchObject({ statusCode: 503 })
    expect(unreachable.message).toMatch(/could not be reached/)
    expectNoToken(unreachable, third.logger.lines)
  })

  it('every attempt, retries included, takes a permit and gives it back a window after its answer', async () => {
    let calls = 0
    handler = (_req, res) => (++calls < 3 ? json(res, 503, {}) : json(res, 200, { profiles: [], allProfilesCount: 0 }))
    const { api } = client({ rateWindowMs: 50 })
    await api.testConnection()
    expect(api.status()).toMatchObject({ requestsSent: 3, retries: 2, rate: { granted: 3 } })
    await vi.waitFor(() => expect(api.status().rate.held).toBe(0), { timeout: 5_000, interval: 10 })
  })

  it('fails at once without a token, without touching the network', async () => {
    const { api } = client({ token: null })
    const error = await failure(api.testConnection())
    expect(error).toMatchObject({ statusCode: 401 })
    expect(error.message).toMatch(/Enter your GoLogin token in Settings/)
    expect(requests).toHaveLength(0)
  })

  it('does not follow a redirect (the token goes to GoLogin only)', async () => {
    handler = (_req, res) => res.writeHead(302, { location: 'http://127.0.0.1:1/steal' }).end()
    const { api } = client()
    const error = await failure(api.testConnection())
    expect(error).toMatchObject({ statusCode: 302 })
    expect(requests).toHaveLength(1)
  })

  it('a cancelled listing stops with CANCELLED', async () => {
    handler = () => {} // hangs until aborted
    const { api } = client()
    const controller = new AbortController()
    const pending = failure(api.listAllProfiles({ signal: controller.signal }))
    while (requests.length === 0) await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    expect((await pending).code).toBe('CANCELLED')
  })
})

describe('GoLoginApiClient with a token stop gate (another host’s 429)', () => {
  function gate() {
    const stops = new Map<string, TokenStop>()
    const reported: Array<{ token: string; status: number }> = []
    return {
      stops,
      reported,
      gate: {
        check: vi.fn(async (token: string) => stops.get(tokenFingerprint(token)) ?? null),
        report: vi.fn(async (token: string, status: number) => {
          reported.push({ token, status })
          const stop = { fingerprint: tokenFingerprint(token), stoppedAt: '2026-05-07T10:00:00.000Z', hostId: 'host-a', status }
          stops.set(stop.fingerprint, stop)
          return stop
        }),
      },
    }
  }

  it('asks before every attempt, and sends nothing once any host recorded a stop for this token', async () => {
    const { gate: stops, stops: recorded } = gate()
    const revoked: string[] = []
    const { api } = client({ stops, hostId: 'host-b', onTokenRevoked: (error) => revoked.push(error.message) })
    await api.testConnection()
    expect(stops.check).toHaveBeenCalledTimes(1)
    recorded.set(tokenFingerprint(TOKEN), { fingerprint: tokenFingerprint(TOKEN), stoppedAt: '2026-05-07T10:00:00.000Z', hostId: 'host-a', status: 429 })
    const error = await failure(api.testConnection())
    expect(error.code).toBe('GOLOGIN_TOKEN_REVOKED')
    expect(error.message).toMatch(/GoLogin answered 429 to host host-a at 2026-05-07T10:00:00.000Z/)
    expect(requests).toHaveLength(1)
    expect(api.tokenRevoked).toBe(true)
    expect(revoked).toHaveLength(1)
    // A new token has another fingerprint: not stopped.
    api.setToken('gl-new-token-0000')
    await api.testConnection()
    expect(requests).toHaveLength(2)
  })

  it('records its own 429 for the other hosts, under the token’s fingerprint only', async () => {
    const { gate: stops, reported } = gate()
    handler = (_req, res) => json(res, 429, { message: 'Too Many Requests' })
    const { api, logger } = client({ stops })
    expect((await failure(api.testConnection())).code).toBe('GOLOGIN_TOKEN_REVOKED')
    expect(reported).toEqual([{ token: TOKEN, status: 429 }])
    expect(tokenFingerprint(TOKEN)).toMatch(/^[0-9a-f]{16}$/)
    expect(tokenFingerprint(TOKEN)).not.toContain(TOKEN.slice(0, 8))
    expect(logger.lines.join('\n')).not.toContain(TOKEN)
  })

  it('a gate that cannot be read stops the request, not the client', async () => {
    const { gate: stops } = gate()
    stops.check.mockRejectedValueOnce(new Error('connection refused'))
    const { api } = client({ stops })
    const error = await failure(api.testConnection())
    expect(error.message).toMatch(/could not be read from the database, so the request was not sent/)
    expect(requests).toHaveLength(0)
    expect(api.tokenRevoked).toBe(false)
    await api.testConnection()
    expect(requests).toHaveLength(1)
  })
})
