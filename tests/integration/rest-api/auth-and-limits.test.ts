import net from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, expect, it, vi } from 'vitest'
import { sessionRow, startHarness } from './harness'

const PROFILES = '/api/v1/profiles'

describe('API keys', () => {
  it('answers 401 without a key, with an unknown key and with a revoked key', async () => {
    const { call, apiKeys } = await startHarness()
    const missing = await call(PROFILES, { key: null })
    expect([missing.status, missing.json.error_code, missing.json.error]).toEqual([401, 'UNAUTHORIZED', 'The X-API-Key header is missing.'])
    const unknown = await call(PROFILES, { key: `glp_${'A'.repeat(43)}` })
    expect([unknown.status, unknown.json.error_code]).toEqual([401, 'UNAUTHORIZED'])
    expect((await call(PROFILES, { key: 'short' })).status).toBe(401)

    const { id, key } = await apiKeys.create('to revoke')
    expect((await call(PROFILES, { key })).status).toBe(200)
    await apiKeys.revoke(id)
    const revoked = await call(PROFILES, { key })
    expect([revoked.status, revoked.json.error_code]).toEqual([401, 'UNAUTHORIZED'])
    // Every endpoint but health needs it, unknown routes included.
    for (const path of ['/api/v1/openapi.json', '/api/v1/authorization/sessions/x', '/api/v1/profiles/user_1', '/api/v1/nothing']) {
      expect((await call(path, { key: null })).status, path).toBe(401)
    }
    expect((await call('/api/v1/profiles/sync', { method: 'POST', key: null })).status).toBe(401)
  })

  it('keeps last_used for the key that called', async () => {
    const { call, apiKeys } = await startHarness()
    const before = (await apiKeys.list())[0]
    expect(before.lastUsed).toBeNull()
    await call(PROFILES)
    const after = (await apiKeys.list())[0]
    expect(after.lastUsed).not.toBeNull()
    expect(Date.parse(after.lastUsed!)).toBeGreaterThanOrEqual(Date.parse(before.createdAt) - 1_000)
  })
})

describe('rate limit', () => {
  it('answers the 101st request in a minute with 429 and Retry-After, per key', async () => {
    const { call, apiKeys } = await startHarness()
    for (let i = 1; i <= 100; i++) {
      const answer = await call(PROFILES)
      expect(answer.status, `request ${i}`).toBe(200)
    }
    const limited = await call(PROFILES)
    expect(limited.status).toBe(429)
    expect(limited.json).toMatchObject({ success: false, data: null, error_code: 'RATE_LIMITED' })
    expect(limited.json.error).toMatch(/100 requests per minute/)
    const retryAfter = Number(limited.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(limited.headers.get('x-request-id')).toBe(limited.json.request_id)
    // Other endpoints share the key's budget; another key has its own.
    expect((await call('/api/v1/profiles/user_1')).status).toBe(429)
    const other = await apiKeys.create('other')
    expect((await call(PROFILES, { key: other.key })).status).toBe(200)
  })

  it('does not count requests refused for a bad key against anyone', async () => {
    const { call } = await startHarness({ rateLimit: { max: 3, timeWindowMs: 60_000 } })
    for (let i = 0; i < 10; i++) expect((await call(PROFILES, { key: `glp_${'B'.repeat(43)}` })).status).toBe(401)
    for (let i = 0; i < 3; i++) expect((await call(PROFILES)).status).toBe(200)
    expect((await call(PROFILES)).status).toBe(429)
  })
})

describe('refused requests', () => {
  it('answers 500 bad-key requests from one client 429 after 20 failures, without looking the rest up, in a few log lines', async () => {
    const { call, apiKeys, logs } = await startHarness()
    const lookups = vi.spyOn(apiKeys, 'verify')
    const statuses: number[] = []
    for (let i = 0; i < 500; i++) {
      const key = i % 5 === 0 ? null : `glp_${String(i).padStart(43, 'C')}`
      statuses.push((await call(PROFILES, { key })).status)
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401))
    expect(statuses.slice(20)).toEqual(Array(480).fill(429))
    const limited = await call(PROFILES, { key: `glp_${'D'.repeat(43)}` })
    expect(limited.json).toMatchObject({ error_code: 'RATE_LIMITED' })
    expect(limited.json.error).toMatch(/Too many requests without a valid API key from this address \(20 per minute\); retry in \d+ seconds/)
    // Only the first 20 (the keyed ones among them) reached the key store.
    expect(lookups.mock.calls.length).toBeLessThanOrEqual(20)
    const lines = logs.ring.recent().filter((e) => e.event === 'rest.rejected')
    expect(lines.length).toBeLessThanOrEqual(2)
    expect(lines[0]).toMatchObject({ fields: expect.objectContaining({ client: 'ip:127.0.0.1', count: 1 }) })
    // Health stays open to everyone.
    expect((await call('/api/v1/health', { key: null })).status).toBe(200)
  })
})

describe('request ids', () => {
  it('echoes a sane X-Request-ID into the header, the envelope and every log line of the request', async () => {
    const { call, logs } = await startHarness()
    const answer = await call('/api/v1/authorization/authorize', { body: { account_id: 'user_2', api_app: 'AIOTT1' }, headers: { 'x-request-id': 'client-req.42' } })
    expect(answer.status).toBe(200)
    expect(answer.headers.get('x-request-id')).toBe('client-req.42')
    expect(answer.json.request_id).toBe('client-req.42')
    const lines = logs.ring.recent().filter((e) => e.requestId === 'client-req.42')
    // The backend's own line (written after the body was read) and the server's request line.
    expect(lines.map((e) => e.event)).toEqual(expect.arrayContaining(['fake.authorize', 'rest.request']))
  })

  it('keeps the request id in log lines written after a body that arrives in several packets', async () => {
    const { api, key, logs } = await startHarness()
    const body = JSON.stringify({ account_id: 'user_4', api_app: 'AIOTT1' })
    const socket = net.connect(api.port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    const answer = new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (chunk) => (text += chunk.toString()))
      socket.on('end', () => resolve(text))
    })
    socket.write(
      `POST /api/v1/authorization/authorize HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Key: ${key}\r\n` +
        `X-Request-ID: split-body-1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    )
    // Not a wait for a state: it makes the rest of the body a separate packet, read in another async context.
    await delay(50)
    socket.end(body.slice(10))
    expect(await answer).toMatch(/^HTTP\/1\.1 200/)
    const events = logs.ring.recent().filter((e) => e.requestId === 'split-body-1').map((e) => e.event)
    expect(events).toEqual(expect.arrayContaining(['fake.authorize', 'rest.request']))
  })

  it('creates an id when none or a weird one is sent, also for errors', async () => {
    const { call, logs } = await startHarness()
    for (const header of [undefined, 'has spaces and ünïcode', 'x'.repeat(101), 'a\tb']) {
      const answer = await call('/api/v1/profiles/ghost', header === undefined ? {} : { headers: { 'x-request-id': header } })
      expect(answer.status).toBe(404)
      const id = answer.headers.get('x-request-id')!
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect(answer.json.request_id).toBe(id)
      expect(logs.ring.recent().some((e) => e.event === 'rest.rejected' && e.requestId === id)).toBe(true)
    }
    const refused = await call(PROFILES, { key: null, headers: { 'x-request-id': 'no-key-1' } })
    expect([refused.headers.get('x-request-id'), refused.json.request_id]).toEqual(['no-key-1', 'no-key-1'])
  })
})

describe('tokens', () => {
  it('never returns tokens without tokens:read, and returns them with it', async () => {
    const { call, backend, apiKeys, logs } = await startHarness()
    backend.sessions.set(
      'done',
      sessionRow({
        id: 'done',
        profileId: 'p1',
        apiApp: 'AIOTT1',
        status: 'completed',
        tokenStatus: 'valid',
        scopes: ['tweet.read', 'users.read', 'offline.access'],
        tokens: { accessToken: 'AT-very-secret-1234', refreshToken: 'RT-very-secret-5678', scopes: ['tweet.read', 'users.read', 'offline.access'] },
      }),
    )
    const plain = await call('/api/v1/authorization/sessions/done')
    expect(plain.status).toBe(200)
    expect(plain.json.data.status).toBe('completed')
    expect(JSON.stringify(plain.json)).not.toMatch(/very-secret/)
    expect(plain.json.data).not.toHaveProperty('access_token')
    expect(plain.json.data).not.toHaveProperty('refresh_token')
    expect(plain.json.data).not.toHaveProperty('scopes')

    const reader = await apiKeys.create('exporter', ['tokens:read'])
    const withTokens = await call('/api/v1/authorization/sessions/done', { key: reader.key })
    expect(withTokens.json.data).toMatchObject({
      access_token: 'AT-very-secret-1234',
      refresh_token: 'RT-very-secret-5678',
      scopes: ['tweet.read', 'users.read', 'offline.access'],
    })
    // The backend was asked to decrypt only for the key that may read them.
    expect(backend.tokenRequests).toEqual([false, true])
    expect(JSON.stringify(logs.ring.recent())).not.toMatch(/very-secret|glp_[A-Za-z0-9_-]{20}/)
  })
})
