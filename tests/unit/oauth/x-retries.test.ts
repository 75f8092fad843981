/**
 * The code exchange spends the code's 30 s life on transient failures (timeouts, resets, 5xx) and names
 * each cause; `/users/me` retries transient failures and waits out a 429. A scripted HTTP adapter and a
 * movable clock: no real waiting.
 */
import axios, { AxiosError, type AxiosRequestConfig } from 'axios'
import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { OAuthService } from '../../../src/main/services/oauth/oauth-service'
import type { ApiAppConfig } from '../../../src/shared/api-app'

const app: ApiAppConfig = {
  name: 'AIOTT1', oauthVersion: '2.0', clientType: 'public', clientId: 'client-1', clientSecret: null, redirectUri: 'https://app.example.com/cb', scopes: ['tweet.read', 'users.read'],
}

type Step = { status: number; body?: unknown; headers?: Record<string, string> } | { fail: 'timeout' | 'reset'; afterMs?: number }

const tokens = { status: 200, body: { token_type: 'bearer', expires_in: 7200, access_token: 'at-1', scope: 'tweet.read users.read' } }
const invalidCode = { status: 400, body: { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' } }
const me = { status: 200, body: { data: { id: '42', name: 'Alice', username: 'alice' } } }

function harness(steps: Step[]) {
  const clock = { now: 1_000_000 }
  const seen: AxiosRequestConfig[] = []
  const http = axios.create({
    adapter: async (config) => {
      seen.push(config)
      const step = steps.shift() ?? { status: 500 }
      if ('fail' in step) {
        // A timeout costs the whole try; a reset comes back at once.
        clock.now += step.fail === 'timeout' ? Number(config.timeout) : (step.afterMs ?? 50)
        throw new AxiosError(step.fail === 'timeout' ? `timeout of ${config.timeout}ms exceeded` : 'socket hang up', step.fail === 'timeout' ? 'ECONNABORTED' : 'ECONNRESET', config)
      }
      clock.now += 100
      return { status: step.status, statusText: '', data: JSON.stringify(step.body ?? {}), headers: { 'content-type': 'application/json', ...step.headers }, config, request: {} }
    },
  })
  const waits: number[] = []
  const service = new OAuthService({
    logger: new LogSystem({ dir: null }).logger('oauth'),
    http,
    endpoints: { apiUrl: 'https://api.test' },
    now: () => clock.now,
    sleep: async (ms) => void (waits.push(ms), (clock.now += ms)),
  })
  return { service, seen, waits, clock }
}

describe('code exchange on a slow or failing token endpoint', () => {
  it('gives one slow answer the code’s life instead of a short timeout', async () => {
    const { service, seen } = harness([tokens])
    await expect(service.exchangeCode(app, 'code-1', 'verifier-1')).resolves.toMatchObject({ accessToken: 'at-1' })
    expect(Number(seen[0].timeout)).toBeGreaterThanOrEqual(15_000)
  })

  it.each<[string, Step]>([
    ['a 500', { status: 500, body: { title: 'Internal Server Error' } }],
    ['a 503', { status: 503 }],
    ['a connection reset', { fail: 'reset' }],
    ['a timeout', { fail: 'timeout' }],
  ])('tries again after %s with the same code and verifier', async (_label, failure) => {
    const { service, seen, clock } = harness([failure, tokens])
    const approvedAt = clock.now
    await expect(service.exchangeCode(app, 'code-1', 'verifier-1', { approvedAt })).resolves.toMatchObject({ accessToken: 'at-1' })
    expect(seen).toHaveLength(2)
    expect(seen[1].data).toBe(seen[0].data)
    // Every try went out while X still held the code.
    expect(clock.now - approvedAt).toBeLessThan(30_000)
  })

  it('says CODE_EXCHANGE_LOST when X refuses the code after a try it may have redeemed', async () => {
    const { service } = harness([{ fail: 'reset' }, invalidCode])
    const error = await service.exchangeCode(app, 'code-1', 'verifier-1').catch((e) => e)
    expect(error).toMatchObject({ code: 'CODE_EXCHANGE_LOST' })
    expect(error.message).toMatch(/X may have issued tokens the panel never received; authorize again/)
    expect(error.message).not.toContain('code-1')
  })

  it('keeps X’s own refusal of a code on the first try (nothing was lost)', async () => {
    const { service } = harness([invalidCode])
    await expect(service.exchangeCode(app, 'code-1', 'verifier-1')).rejects.toMatchObject({ code: 'TWITTER_API_ERROR', statusCode: 400 })
  })

  it.each<[string, Step, string, RegExp]>([
    ['silent', { fail: 'timeout' }, 'X_API_TIMEOUT', /X did not answer the code exchange \(2 tries in 2\d s\); the code has expired/],
    ['failing with 502', { status: 502 }, 'X_API_SERVER_ERROR', /X answered the code exchange with HTTP 502 \(\d+ tries in 2\d s\)/],
    ['unreachable', { fail: 'reset', afterMs: 2_000 }, 'X_API_NETWORK_ERROR', /could not reach X for the code exchange \(ECONNRESET/],
  ])('stops before the code expires when X stays %s, naming the cause', async (_label, step, code, message) => {
    const { service, clock } = harness(Array.from({ length: 40 }, () => step))
    const approvedAt = clock.now
    const error = await service.exchangeCode(app, 'code-1', 'verifier-1', { approvedAt }).catch((e) => e)
    expect(error).toMatchObject({ code })
    expect(error.message).toMatch(message)
    expect(clock.now - approvedAt).toBeLessThanOrEqual(30_000)
  })
})

describe('users/me on a flaky X', () => {
  it('retries a 503, a timeout and a reset, then answers', async () => {
    const { service, waits } = harness([{ status: 503 }, { fail: 'timeout' }, { fail: 'reset' }, me])
    await expect(service.verifyCredentials('at-1', { attempts: 4 })).resolves.toMatchObject({ username: 'alice' })
    expect(waits).toEqual([1_000, 2_000, 4_000])
  })

  it('waits out a 429 until x-rate-limit-reset when that is within the bound, and not when it is beyond', async () => {
    const limited = (resetS: number): Step => ({ status: 429, body: { title: 'Too Many Requests' }, headers: { 'x-rate-limit-reset': String(resetS) } })
    const near = harness([limited(1_000 + 20), me])
    await expect(near.service.verifyCredentials('at-1', { attempts: 4, waitOnRateLimit: true, maxWaitMs: 60_000 })).resolves.toMatchObject({ username: 'alice' })
    expect(near.waits[0]).toBeGreaterThan(19_000)

    const far = harness([limited(1_000 + 900), me])
    await expect(far.service.verifyCredentials('at-1', { attempts: 4, waitOnRateLimit: true, maxWaitMs: 60_000 })).rejects.toMatchObject({ statusCode: 429 })
    expect(far.waits).toEqual([])
  })

  it('does not retry a definite answer (401)', async () => {
    const { service, seen } = harness([{ status: 401, body: { title: 'Unauthorized' } }, me])
    await expect(service.verifyCredentials('at-1', { attempts: 4 })).rejects.toMatchObject({ statusCode: 401 })
    expect(seen).toHaveLength(1)
  })
})
