import axios, { type AxiosRequestConfig } from 'axios'
import { describe, expect, it, vi } from 'vitest'
import { OAuthService, type TokenSet } from '../../../src/main/services/oauth/oauth-service'
import { XRateLimitException } from '../../../src/main/services/oauth/x-api-errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { TwitterAPIException } from '../../../src/shared/errors'
import type { ApiAppConfig } from '../../../src/shared/api-app'

const app: ApiAppConfig = {
  name: 'AIOTT1',
  oauthVersion: '2.0',
  clientType: 'confidential',
  clientId: 'client-1',
  clientSecret: 'client-secret-1',
  redirectUri: 'https://app.example.com/cb',
  scopes: ['tweet.read', 'users.read', 'offline.access'],
}

interface Answer {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

/** An OAuthService whose HTTP goes to a scripted fake; returns what it was asked. */
function harness(answers: Answer[], extra: Partial<ConstructorParameters<typeof OAuthService>[0]> = {}) {
  const seen: AxiosRequestConfig[] = []
  const http = axios.create({
    adapter: async (config) => {
      seen.push(config)
      const answer = answers.shift() ?? { status: 500 }
      const isJson = typeof answer.body !== 'string'
      return {
        status: answer.status,
        statusText: '',
        data: answer.body === undefined ? '' : isJson ? JSON.stringify(answer.body) : answer.body,
        headers: { 'content-type': isJson ? 'application/json' : 'text/html', ...answer.headers },
        config,
        request: {},
      }
    },
  })
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const service = new OAuthService({ logger: logs.logger('oauth'), http, endpoints: { apiUrl: 'https://api.test', authorizeUrl: 'https://x.test/i/oauth2/authorize' }, now: () => 1_000_000, ...extra })
  return { service, seen, logs }
}

const tokenAnswer = (access: string, refresh?: string): Answer => ({
  status: 200,
  body: { token_type: 'bearer', expires_in: 7200, access_token: access, scope: 'tweet.read users.read offline.access', ...(refresh ? { refresh_token: refresh } : {}) },
})

describe('OAuthService', () => {
  it('creates an authorization whose challenge matches its verifier and URL', () => {
    const { service } = harness([])
    const auth = service.createAuthorization(app)
    const url = new URL(auth.url)
    expect(url.origin + url.pathname).toBe('https://x.test/i/oauth2/authorize')
    expect(url.searchParams.get('state')).toBe(auth.state)
    expect(url.searchParams.get('code_challenge')).toBe(auth.codeChallenge)
    expect(auth.codeVerifier.length).toBeGreaterThanOrEqual(43)
    expect(url.toString()).not.toContain(auth.codeVerifier)
  })

  it('reads the base URLs from a settings function on every call', () => {
    let authorizeUrl = 'http://127.0.0.1:1/i/oauth2/authorize'
    const { service } = harness([], { endpoints: () => ({ authorizeUrl }) })
    expect(service.createAuthorization(app).url).toMatch(/^http:\/\/127\.0\.0\.1:1\//)
    authorizeUrl = 'http://127.0.0.1:2/i/oauth2/authorize'
    expect(service.createAuthorization(app).url).toMatch(/^http:\/\/127\.0\.0\.1:2\//)
    expect(service.endpoints().apiUrl).toBe('https://api.x.com')
  })

  it('exchanges a code with the exact request X documents and returns the tokens', async () => {
    const { service, seen } = harness([tokenAnswer('at-1', 'rt-1')])
    const tokens = await service.exchangeCode(app, 'code-1', 'verifier-1')
    expect(tokens).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresAt: new Date(1_000_000 + 7_200_000),
      scopes: ['tweet.read', 'users.read', 'offline.access'],
      tokenType: 'bearer',
    })
    const [request] = seen
    expect(request.method).toBe('post')
    expect(request.url).toBe('https://api.test/2/oauth2/token')
    expect(request.data).toBe('grant_type=authorization_code&code=code-1&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_verifier=verifier-1')
    expect(request.headers?.Authorization).toBe(`Basic ${Buffer.from('client-1:client-secret-1').toString('base64')}`)
    expect(request.headers?.['Content-Type']).toBe('application/x-www-form-urlencoded')
    expect(request.timeout).toBeLessThan(30_000)
  })

  it('hands the rotated refresh token to persist before refresh() returns', async () => {
    const { service, seen } = harness([tokenAnswer('at-2', 'rt-2')])
    const order: string[] = []
    const persist = vi.fn(async (tokens: TokenSet) => {
      await Promise.resolve()
      order.push(`persisted ${tokens.refreshToken}`)
    })
    const tokens = await service.refresh({ ...app, clientType: 'public', clientSecret: null }, 'rt-1', { persist })
    order.push('returned')
    expect(order).toEqual(['persisted rt-2', 'returned'])
    expect(tokens.refreshToken).toBe('rt-2')
    expect(seen[0].data).toBe('grant_type=refresh_token&refresh_token=rt-1&client_id=client-1')
    expect(seen[0].headers?.Authorization).toBeUndefined()
  })

  it('lets a failing persist fail the refresh', async () => {
    const { service } = harness([tokenAnswer('at-2', 'rt-2')])
    await expect(service.refresh(app, 'rt-1', { persist: () => Promise.reject(new Error('disk full')) })).rejects.toThrow('disk full')
  })

  it('turns X error bodies into TwitterAPIException without any secret in the message', async () => {
    const { service } = harness([
      { status: 400, body: { error: 'invalid_request', error_description: 'Value passed for the token was invalid: rt-secret-value' } },
      { status: 401, body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' } },
    ])
    const refreshError = await service.refresh(app, 'rt-secret-value', { persist: () => undefined }).catch((e) => e)
    expect(refreshError).toBeInstanceOf(TwitterAPIException)
    expect(refreshError).toMatchObject({ code: 'TWITTER_API_ERROR', statusCode: 400, xError: 'invalid_request' })
    expect(refreshError.message).toContain('Value passed for the token was invalid')
    expect(refreshError.message).not.toContain('rt-secret-value')
    expect(JSON.stringify(refreshError.details)).not.toContain('rt-secret-value')

    const meError = await service.verifyCredentials('access-secret-value').catch((e) => e)
    expect(meError).toMatchObject({ statusCode: 401, xError: 'Unauthorized' })
    expect(meError.message).not.toContain('access-secret-value')
  })

  it('never puts the code, verifier or client secret into an error', async () => {
    const { service } = harness([{ status: 400, body: { error: 'invalid_request', error_description: 'bad code-abc / verifier-xyz / client-secret-1' } }])
    const error = await service.exchangeCode(app, 'code-abc', 'verifier-xyz').catch((e) => e)
    for (const secret of ['code-abc', 'verifier-xyz', 'client-secret-1']) expect(error.message).not.toContain(secret)
  })

  it('verifies the account and exposes the rate-limit headers', async () => {
    const { service, seen } = harness([
      { status: 200, body: { data: { id: '42', name: 'Alice', username: 'alice' } }, headers: { 'x-rate-limit-limit': '75', 'x-rate-limit-remaining': '74', 'x-rate-limit-reset': '1700000900' } },
    ])
    const me = await service.verifyCredentials('at-1')
    expect(me).toEqual({ id: '42', name: 'Alice', username: 'alice', rateLimit: { limit: 75, remaining: 74, resetAt: new Date(1_700_000_900_000) } })
    expect(seen[0].url).toBe('https://api.test/2/users/me')
    expect(seen[0].headers?.Authorization).toBe('Bearer at-1')
  })

  it('reports a 429 with its reset time, and waits for it when asked', async () => {
    const limited: Answer = { status: 429, body: { title: 'Too Many Requests', detail: 'Too Many Requests' }, headers: { 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '1030' } }
    const ok: Answer = { status: 200, body: { data: { id: '1', name: 'A', username: 'a' } } }
    const waits: number[] = []
    const { service } = harness([limited, limited, ok], { sleep: async (ms) => void waits.push(ms) })
    const error = await service.verifyCredentials('at').catch((e) => e)
    expect(error).toBeInstanceOf(XRateLimitException)
    expect(error.resetAt).toEqual(new Date(1_030_000))
    await expect(service.verifyCredentials('at', { waitOnRateLimit: true })).resolves.toMatchObject({ username: 'a' })
    expect(waits).toEqual([1_030_000 - 1_000_000 + 1_000])
  })

  it('says so when a proxy answers HTML instead of JSON', async () => {
    const { service } = harness([{ status: 200, body: '<html>Just a moment...</html>' }])
    await expect(service.exchangeCode(app, 'c', 'v')).rejects.toThrow(/instead of JSON/)
  })

  it('revokes with the documented body', async () => {
    const { service, seen } = harness([{ status: 200, body: { revoked: true } }])
    await service.revoke(app, 'at-1', 'access_token')
    expect(seen[0].url).toBe('https://api.test/2/oauth2/revoke')
    expect(seen[0].data).toBe('token=at-1&token_type_hint=access_token')
  })

  it('keeps tokens out of the log lines it writes', async () => {
    const { service, logs } = harness([tokenAnswer('at-secret-1', 'rt-secret-1'), { status: 400, body: { error: 'invalid_request', error_description: 'x' } }])
    await service.exchangeCode(app, 'code-1', 'verifier-1')
    await service.refresh(app, 'rt-secret-1', { persist: () => undefined }).catch(() => undefined)
    const text = JSON.stringify(logs.ring.recent())
    for (const secret of ['at-secret-1', 'rt-secret-1', 'code-1', 'verifier-1', 'client-secret-1']) expect(text).not.toContain(secret)
    expect(text).toContain('oauth.code_exchanged')
  })
})
