/**
 * The local REST API served by the real panel (not a fake backend): enabled for this host, a key created
 * through IPC, and an authorize call that drives a sandbox authorization to completion.
 */
import { describe, expect, it } from 'vitest'
import { panelWorld } from '../authorization/panel-world'

interface RestBody {
  success: boolean
  request_id?: string
  error_code?: string
  data: { session_id?: string; status?: string; profile_id?: string; access_token?: string | null } | null
}

async function json(response: Response): Promise<{ status: number; body: RestBody }> {
  return { status: response.status, body: (await response.json()) as RestBody }
}

describe('local REST API on the real panel', () => {
  it('is off by default, starts when enabled, and an authorize call completes a sandbox authorization', async () => {
    const world = await panelWorld({ profiles: 3 })
    const { core } = world
    expect(await world.call('hosts:restApi', {})).toEqual({ exposure: { enabled: false, host: '127.0.0.1', port: 8000 }, url: null, problem: null })

    const enabled = await world.call('hosts:setRestApi', { enabled: true, host: '127.0.0.1', port: 0 })
    const url = enabled.url!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(core.restApi.url).toBe(url)
    const created = await world.call('apiKeys:create', { name: 'poster', scopes: ['tokens:read'] })
    const headers = { 'x-api-key': created.key, 'content-type': 'application/json' }

    const health = await json(await fetch(`${url}/api/v1/health`))
    expect(health).toMatchObject({ status: 200, body: { success: true, data: { status: 'healthy' } } })

    const account = world.sandbox.accounts()[0]
    const started = await json(
      await fetch(`${url}/api/v1/authorization/authorize`, {
        method: 'POST',
        headers: { ...headers, 'x-request-id': 'ext-req-1' },
        body: JSON.stringify({ account_id: account.username, api_app: account.apiApp }),
      }),
    )
    expect(started.status).toBe(200)
    expect(started.body).toMatchObject({ success: true, request_id: 'ext-req-1', data: { status: 'in_progress', profile_id: account.profileId } })
    const sessionId = started.body.data!.session_id!

    const again = await json(
      await fetch(`${url}/api/v1/authorization/authorize`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ account_id: account.username, api_app: account.apiApp }),
      }),
    )
    expect(again).toMatchObject({ status: 409, body: { success: false, error_code: 'CONFLICT' } })

    const done = await until(async () => {
      const { body } = await json(await fetch(`${url}/api/v1/authorization/sessions/${sessionId}`, { headers }))
      return ['completed', 'failed', 'timeout'].includes(body.data?.status ?? '') ? body.data : null
    }, 60_000)
    expect(done!.status).toBe('completed')
    const issued = world.sandbox.issuedTokens().find((t) => t.username.toLowerCase() === account.username.toLowerCase())
    expect(done!.access_token).toBe(issued?.accessToken)
    expect(world.sandbox.stats().callbackHits.total).toBe(0)

    // With a valid token and no force_reauth, the existing session answers.
    const existing = await json(
      await fetch(`${url}/api/v1/authorization/authorize`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ account_id: account.username, api_app: account.apiApp, force_reauth: false }),
      }),
    )
    expect(existing.body, JSON.stringify(existing.body)).toMatchObject({ success: true })
    expect(existing.body.data!.session_id).toBe(sessionId)

    await world.call('hosts:setRestApi', { enabled: false, host: '127.0.0.1', port: 0 })
    await until(async () => (await fetch(`${url}/api/v1/health`).then(() => null, () => true)) ?? null)
  }, 120_000)
})

async function until<T>(probe: () => T | null | undefined | Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== null && value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not reached in time')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
