import { afterEach, describe, expect, it } from 'vitest'
import { AppException, GoLoginAPIException } from '../../../src/shared/errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { GoLoginApiClient, type GoLoginApiClientOptions } from '../../../src/main/services/gologin/api-client'
import { CloudBrowserLauncher } from '../../../src/main/services/gologin/cloud-launcher'
import { startGoLoginSandbox, type GoLoginSandbox, type GoLoginSandboxOptions } from '../../../src/main/sandbox/gologin'

let sandbox: GoLoginSandbox | null = null
afterEach(async () => {
  await sandbox?.close()
  sandbox = null
})

async function setup(sandboxOptions: GoLoginSandboxOptions, clientOptions: Partial<GoLoginApiClientOptions> = {}) {
  const s = (sandbox = await startGoLoginSandbox(sandboxOptions))
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const client = new GoLoginApiClient({
    apiUrl: s.apiUrl,
    token: s.token,
    retries: 3,
    retryDelayMs: 5,
    logger: logs.logger('gologin'),
    ...clientOptions,
  })
  return { s, client, logs }
}

async function failure(promise: Promise<unknown>): Promise<GoLoginAPIException> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(GoLoginAPIException)
    return error as GoLoginAPIException
  }
  throw new Error('expected a failure')
}

describe('GoLoginApiClient against the GoLogin sandbox', () => {
  it('pages through every profile (4 pages of 30) and yields page by page', async () => {
    const { s, client } = await setup({ profiles: 100 })
    const pages: number[] = []
    for await (const page of client.pages()) pages.push(page.profiles.length)
    expect(pages).toEqual([30, 30, 30, 10])
    const all = await client.listAllProfiles()
    expect(all.map((p) => p.id)).toEqual(s.profiles().map((p) => p.id))
    expect(all[42]).toMatchObject({ name: 'Profile 00042', notes: '@user00042', folders: ['Batch 1'], tags: ['x', 'AIOTT1'], os: 'win' })
    expect(all[42].proxy).toEqual({ mode: 'http', host: 'proxy42.sandbox.invalid', port: 10_042, username: 'px42', country: null })
    expect(all[3].proxy).toMatchObject({ mode: 'gologin', country: 'us' })
    expect(JSON.stringify(all)).not.toMatch(/pw-/)
    expect(await client.testConnection()).toEqual({ profileCount: 100 })
    expect(s.stats().cloud.byEndpoint).toEqual({ 'GET /browser/v2': 9 })
  })

  it('reflects profiles removed and added at run time', async () => {
    const { s, client } = await setup({ profiles: 40 })
    const removed = s.profiles().slice(0, 5).map((p) => p.id)
    s.removeProfiles(removed)
    const [added] = s.addProfiles(1)
    const ids = (await client.listAllProfiles()).map((p) => p.id)
    expect(ids).toHaveLength(36)
    expect(ids).toContain(added.id)
    expect(ids.some((id) => removed.includes(id))).toBe(false)
  })

  it('keeps a 40,000-profile listing (1,334 pages) under the configured rate, as counted by the sandbox', async () => {
    // 250 requests per 1 s here stands for 120 per 60 s: same code path, a window short enough for a test.
    const rate = { max: 250, windowMs: 1_000 }
    const { s, client } = await setup({ profiles: 40_000, rateLimit: rate }, { requestsPerMinute: rate.max, rateWindowMs: rate.windowMs })
    let pages = 0
    const ids = new Set<string>()
    for await (const page of client.pages()) {
      pages++
      for (const p of page.profiles) ids.add(p.id)
    }
    expect(pages).toBe(1_334)
    expect(ids.size).toBe(40_000)
    const cloud = s.stats().cloud
    expect(cloud.total).toBe(1_334)
    expect(cloud.byStatus).toEqual({ 200: 1_334 })
    expect(cloud.revoked).toBe(false)
    expect(cloud.maxInWindow).toBeLessThanOrEqual(rate.max)
    expect(Math.max(...cloud.perWindow)).toBeLessThanOrEqual(rate.max)
    expect(client.status()).toMatchObject({ requestsSent: 1_334, retries: 0, rate: { granted: 1_334, waiting: 0 } })
  }, 60_000)

  it('treats a 429 as a revoked token: no retry, and no further request reaches GoLogin until a new token is set', async () => {
    const revokedCalls: GoLoginAPIException[] = []
    const { s, client, logs } = await setup(
      { profiles: 300, rateLimit: { max: 3, windowMs: 60_000 } },
      // Misconfigured on purpose: the client allows more than the server does.
      { requestsPerMinute: 100, onTokenRevoked: (error) => revokedCalls.push(error) },
    )
    const error = await failure(client.listAllProfiles())
    expect(error.statusCode).toBe(429)
    expect(error.code).toBe('GOLOGIN_TOKEN_REVOKED')
    expect(error.message).toMatch(/Issue a new token in GoLogin/)
    expect(client.tokenRevoked).toBe(true)
    expect(s.stats().cloud.total).toBe(4)

    const launcher = new CloudBrowserLauncher({ api: client, logger: logs.logger('cloud') })
    for (const call of [client.testConnection(), client.listAllProfiles(), client.stopCloudBrowser(s.profiles()[0].id), launcher.start('p')]) {
      expect((await failure(call)).code).toBe('GOLOGIN_TOKEN_REVOKED')
    }
    expect(s.stats().cloud.total).toBe(4)
    expect(revokedCalls).toHaveLength(1)

    s.setRateLimit({ max: 1_000 })
    client.setToken(s.issueToken())
    expect(client.tokenRevoked).toBe(false)
    expect(await client.testConnection()).toEqual({ profileCount: 300 })
  })

  it('refuses Cloudflare’s HTML page answered with 200 instead of taking it for data', async () => {
    const { s, client } = await setup({ profiles: 10 })
    s.answerHtml(1)
    const error = await failure(client.testConnection())
    expect(error.statusCode).toBe(200)
    expect(error.code).toBe('GOLOGIN_API_ERROR')
    expect(error.message).toMatch(/web page \(text\/html\).*Cloudflare/)
    expect(await client.testConnection()).toEqual({ profileCount: 10 })
  })

  it('retries 5xx with backoff and succeeds; gives up with the status after the last retry', async () => {
    const { s, client } = await setup({ profiles: 10 })
    s.failNextRequests(2, 503)
    expect(await client.testConnection()).toEqual({ profileCount: 10 })
    expect(s.stats().cloud.byStatus).toEqual({ 200: 1, 503: 2 })
    expect(client.status().retries).toBe(2)

    s.failNextRequests(10, 500)
    const error = await failure(client.testConnection())
    expect(error.statusCode).toBe(500)
    expect(error.retryable).toBe(true)
    expect(s.stats().cloud.byStatus).toEqual({ 200: 1, 503: 2, 500: 4 })
  })

  it('reports a bad token as 401 without retrying, and without the token in the message or the log', async () => {
    const token = 'definitely-wrong-token-123'
    const { s, client, logs } = await setup({ profiles: 10 }, { token })
    const error = await failure(client.testConnection())
    expect(error.statusCode).toBe(401)
    expect(error.message).toMatch(/rejected the API token/)
    expect(s.stats().cloud.total).toBe(1)
    const everything = JSON.stringify([error.message, error.details, String(error.cause), logs.ring.recent()])
    expect(everything).not.toContain(token)
  })

  it('stops a cloud browser with DELETE /browser/{id}/web through the same client', async () => {
    const { s, client, logs } = await setup({ profiles: 3 })
    const launcher = new CloudBrowserLauncher({ api: client, logger: logs.logger('cloud'), connectUrl: 'wss://cloud.sandbox.invalid/connect' })
    const id = s.profiles()[1].id
    const endpoint = await launcher.start(id)
    expect(endpoint).toEqual({ browserWSEndpoint: `wss://cloud.sandbox.invalid/connect?token=${s.token}&profile=${id}` })
    // The connect starts the cloud browser: until it reached GoLogin there is nothing to stop.
    await launcher.stop(id)
    expect(s.stats().cloud.byEndpoint).toEqual({})
    await launcher.start(id)
    expect(await launcher.guardConnect(id, async () => 'connected')).toBe('connected')
    await launcher.stop(id)
    await launcher.stop('not-a-profile') // unknown: already stopped
    expect(s.stats().cloud.cloudBrowserStops).toEqual([id])
    expect(s.stats().cloud.byEndpoint).toEqual({ 'DELETE /browser/:id/web': 2 })
  })

  it('a cancelled listing fails with CANCELLED and sends nothing more', async () => {
    const { s, client } = await setup({ profiles: 300 })
    const controller = new AbortController()
    let pages = 0
    const run = (async () => {
      for await (const _page of client.pages({ signal: controller.signal })) if (++pages === 2) controller.abort()
    })()
    await expect(run).rejects.toSatisfy((e: unknown) => e instanceof AppException && e.code === 'CANCELLED')
    expect(s.stats().cloud.total).toBe(2)
  })
})
