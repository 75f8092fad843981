import { describe, expect, it } from 'vitest'
import { DomainException, InfrastructureException } from '../../../src/shared/errors'
import { startRestApi } from '../../../src/main/host/rest-api/server'
import { profileRow, sessionRow, startHarness, type Json } from './harness'

const V1 = '/api/v1'

function expectEnvelope(json: Json, success: boolean) {
  expect(json.success).toBe(success)
  expect(typeof json.request_id).toBe('string')
  expect(new Date(json.timestamp).toISOString()).toBe(json.timestamp)
  if (success) {
    expect(json.error).toBeNull()
    expect(json.error_code).toBeNull()
  } else {
    expect(json.data).toBeNull()
    expect(typeof json.error).toBe('string')
  }
}

describe('POST /api/v1/authorization/authorize', () => {
  it('starts an authorization and answers the session at once', async () => {
    const { call, backend } = await startHarness()
    const answer = await call(`${V1}/authorization/authorize`, { body: { account_id: '@User_3', api_app: 'AIOTT1' } })
    expect(answer.status).toBe(200)
    expectEnvelope(answer.json, true)
    expect(answer.json.data).toEqual({ session_id: expect.any(String), status: 'in_progress', profile_id: backend.profiles[2].id, existing: false })
    expect(backend.sessions.get(answer.json.data.session_id)?.status).toBe('in_progress')
  })

  it('answers 409 while the account is already in progress', async () => {
    const { call } = await startHarness()
    const body = { account_id: 'user_1', api_app: 'AIOTT1' }
    expect((await call(`${V1}/authorization/authorize`, { body })).status).toBe(200)
    const second = await call(`${V1}/authorization/authorize`, { body })
    expect(second.status).toBe(409)
    expectEnvelope(second.json, false)
    expect(second.json.error_code).toBe('CONFLICT')
    expect(second.json.error).toMatch(/already being authorized/)
  })

  it('answers the existing session for a valid token unless force_reauth', async () => {
    const { call, backend } = await startHarness()
    const profile = backend.profiles[0]
    backend.sessions.set('done-1', sessionRow({ id: 'done-1', profileId: profile.id, apiApp: 'AIOTT1', status: 'completed', tokenStatus: 'valid' }))
    const kept = await call(`${V1}/authorization/authorize`, { body: { account_id: profile.id, api_app: 'AIOTT1', force_reauth: false } })
    expect(kept.json.data).toEqual({ session_id: 'done-1', status: 'completed', profile_id: profile.id, existing: true })
    const forced = await call(`${V1}/authorization/authorize`, { body: { account_id: profile.id, api_app: 'AIOTT1', force_reauth: true } })
    expect(forced.json.data.existing).toBe(false)
    expect(forced.json.data.session_id).not.toBe('done-1')
  })

  it('maps the backend’s errors to 404 / 400 / 500', async () => {
    const { call, backend, logs } = await startHarness()
    const unknown = await call(`${V1}/authorization/authorize`, { body: { account_id: 'nobody', api_app: 'AIOTT1' } })
    expect([unknown.status, unknown.json.error_code]).toEqual([404, 'PROFILE_NOT_FOUND'])
    const badApp = await call(`${V1}/authorization/authorize`, { body: { account_id: 'user_1', api_app: 'NOPE' } })
    expect([badApp.status, badApp.json.error_code]).toEqual([400, 'INVALID_API_APP'])

    backend.failWith = new InfrastructureException('GOLOGIN_API_ERROR', 'GoLogin said: token abc-secret-detail')
    const infra = await call(`${V1}/authorization/authorize`, { body: { account_id: 'user_1', api_app: 'AIOTT1' } })
    expect([infra.status, infra.json.error_code]).toEqual([500, 'GOLOGIN_API_ERROR'])
    expect(infra.json.error).not.toMatch(/abc-secret-detail/)

    backend.failWith = new TypeError('Cannot read properties of undefined (reading "x") at /src/secret/path.ts')
    const crash = await call(`${V1}/authorization/authorize`, { body: { account_id: 'user_1', api_app: 'AIOTT1' } })
    expect(crash.status).toBe(500)
    expect(crash.json.error_code).toBe('INTERNAL_ERROR')
    expect(crash.json.error).toBe('Something went wrong inside the panel. The log has the details.')
    const logged = logs.ring.recent().find((e) => e.event === 'rest.internal_error' && e.requestId === crash.json.request_id)
    expect(JSON.stringify(logged?.fields)).toContain('reading \\"x\\"')
  })

  it('rejects bad bodies with 400 naming the field', async () => {
    const { call } = await startHarness()
    const cases: Array<[unknown, string]> = [
      [{ api_app: 'AIOTT1' }, 'account_id'],
      [{ account_id: 'user_1' }, 'api_app'],
      [{ account_id: 'user_1', api_app: 'AIOTT1', force_reauth: 'maybe' }, 'force_reauth'],
      [{ account_id: '../../etc/passwd', api_app: 'AIOTT1' }, 'account_id'],
      [{ account_id: 'x'.repeat(5_000), api_app: 'AIOTT1' }, 'account_id'],
      [{ account_id: 'user_1', api_app: { $ne: 1 } }, 'api_app'],
    ]
    for (const [body, field] of cases) {
      const answer = await call(`${V1}/authorization/authorize`, { body })
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(answer.json.error_code).toBe('VALIDATION_ERROR')
      expect(answer.json.details.field).toBe(field)
      expect(answer.json.error).toContain(field)
    }
  })

  it('answers 400 to malformed JSON, an empty or non-object body; 415 to other content types', async () => {
    const { call } = await startHarness()
    const json = { 'content-type': 'application/json' }
    const broken = await call(`${V1}/authorization/authorize`, { method: 'POST', rawBody: '{"account_id": "user_1",', headers: json })
    expect([broken.status, broken.json.error]).toEqual([400, 'The request body is not valid JSON.'])
    const empty = await call(`${V1}/authorization/authorize`, { method: 'POST', rawBody: '', headers: json })
    expect([empty.status, empty.json.error]).toEqual([400, 'The request body must be a JSON object.'])
    const array = await call(`${V1}/authorization/authorize`, { body: [1, 2] })
    expect(array.status).toBe(400)
    const text = await call(`${V1}/authorization/authorize`, { method: 'POST', rawBody: 'account_id=user_1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect([text.status, text.json.error_code]).toEqual([415, 'VALIDATION_ERROR'])
  })
})

describe('GET /api/v1/authorization/sessions/{session_id}', () => {
  it('answers the session in snake_case, 404 when unknown, 400 for a malformed id', async () => {
    const { call, backend } = await startHarness()
    backend.sessions.set(
      's-1',
      sessionRow({ id: 's-1', profileId: 'p1', apiApp: 'AIOTT1', status: 'failed', errorCode: 'X_LOGGED_OUT', errorMessage: 'Logged out', completedAt: '2026-01-01T00:02:00.000Z' }),
    )
    const found = await call(`${V1}/authorization/sessions/s-1`)
    expect(found.status).toBe(200)
    expect(found.json.data).toMatchObject({
      session_id: 's-1',
      profile_id: 'p1',
      twitter_username: 'user_1',
      api_app: 'AIOTT1',
      status: 'failed',
      error_code: 'X_LOGGED_OUT',
      error_message: 'Logged out',
      created_at: '2026-01-01T00:00:00.000Z',
      completed_at: '2026-01-01T00:02:00.000Z',
      expires_at: null,
    })
    const missing = await call(`${V1}/authorization/sessions/nope`)
    expect([missing.status, missing.json.error_code]).toEqual([404, 'NOT_FOUND'])
    const bad = await call(`${V1}/authorization/sessions/a%20b`)
    expect([bad.status, bad.json.details.field]).toEqual([400, 'session_id'])
  })
})

describe('profiles', () => {
  it('pages profiles with total, page, page_size and total_pages', async () => {
    const { call } = await startHarness()
    const first = await call(`${V1}/profiles?page=1&page_size=3`)
    expect(first.status).toBe(200)
    expectEnvelope(first.json, true)
    expect(first.json).toMatchObject({ total: 7, page: 1, page_size: 3, total_pages: 3 })
    expect(first.json.data.map((p: { twitter_username: string }) => p.twitter_username)).toEqual(['user_1', 'user_2', 'user_3'])
    expect(Object.keys(first.json.data[0])).toContain('profile_id')
    const last = await call(`${V1}/profiles?page=3&page_size=3`)
    expect(last.json.data).toHaveLength(1)
    const defaults = await call(`${V1}/profiles`)
    expect(defaults.json).toMatchObject({ page: 1, page_size: 50, total_pages: 1 })
    for (const query of ['page=0', 'page_size=501', 'page=abc', 'page_size=-1']) {
      const bad = await call(`${V1}/profiles?${query}`)
      expect(bad.status, query).toBe(400)
      expect(bad.json.details.location).toBe('querystring')
    }
  })

  it('finds one profile by username (any case) or profile id; 404 otherwise', async () => {
    const { call, backend } = await startHarness()
    backend.profiles.push(profileRow(99, { username: 'MixedCase' }))
    expect((await call(`${V1}/profiles/mixedcase`)).json.data.profile_name).toBe('Profile 99')
    expect((await call(`${V1}/profiles/${backend.profiles[0].id}`)).json.data.twitter_username).toBe('user_1')
    const missing = await call(`${V1}/profiles/ghost`)
    expect([missing.status, missing.json.error_code]).toEqual([404, 'PROFILE_NOT_FOUND'])
    const traversal = await call(`${V1}/profiles/..%2F..%2Fetc%2Fpasswd`)
    expect(traversal.status).toBe(400)
  })

  it('starts a sync and answers its progress', async () => {
    const { call, backend } = await startHarness()
    const answer = await call(`${V1}/profiles/sync`, { method: 'POST' })
    expect(answer.status).toBe(200)
    expect(answer.json.data).toMatchObject({ status: 'running', fetched: 30, total: 70, added: 30, completed_at: null })
    const withEmptyJson = await call(`${V1}/profiles/sync`, { method: 'POST', rawBody: '', headers: { 'content-type': 'application/json' } })
    expect(withEmptyJson.status).toBe(200)
    backend.failWith = new DomainException('CONFLICT', 'A sync is being cancelled')
    expect((await call(`${V1}/profiles/sync`, { method: 'POST' })).status).toBe(409)
  })
})

describe('system', () => {
  it('answers health on both paths without a key', async () => {
    const { call } = await startHarness()
    for (const path of [`${V1}/health`, `${V1}/system/health`]) {
      const answer = await call(path, { key: null })
      expect(answer.status).toBe(200)
      expect(answer.json.data).toEqual({
        status: 'healthy',
        version: '1.2.3',
        uptime_seconds: expect.any(Number),
        profiles_limit: 10,
        active_profiles: 2,
        pending_authorizations: 3,
      })
    }
  })

  it('answers 500 from health when the panel cannot tell', async () => {
    const { call, backend } = await startHarness()
    backend.failWith = new Error('database is locked')
    const answer = await call(`${V1}/health`, { key: null })
    expect([answer.status, answer.json.success]).toEqual([500, false])
    expect(answer.json.error).not.toContain('locked')
  })

  it('serves an OpenAPI document describing every endpoint', async () => {
    const { call, api } = await startHarness()
    const answer = await call(`${V1}/openapi.json`)
    expect(answer.status).toBe(200)
    const doc = answer.json
    expect(doc.openapi).toBe('3.1.0')
    expect(doc.servers[0].url).toBe(api.url)
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/v1/authorization/authorize',
        '/api/v1/authorization/sessions/{session_id}',
        '/api/v1/health',
        '/api/v1/openapi.json',
        '/api/v1/profiles',
        '/api/v1/profiles/sync',
        '/api/v1/profiles/{account_id}',
        '/api/v1/system/health',
      ].sort(),
    )
    expect(doc.paths['/api/v1/authorization/authorize'].post.requestBody.content['application/json'].schema.required).toEqual(['account_id', 'api_app'])
    expect(doc.paths['/api/v1/authorization/authorize'].post.responses['409']).toBeDefined()
    expect(doc.paths['/api/v1/health'].get.security).toEqual([])
    expect(doc.paths['/api/v1/profiles'].get.security).toEqual([{ apiKey: [] }])
  })

  it('answers unknown routes with a 404 envelope', async () => {
    const { call } = await startHarness()
    const answer = await call(`${V1}/nothing/here`)
    expect(answer.status).toBe(404)
    expectEnvelope(answer.json, false)
    expect(answer.json.error_code).toBe('NOT_FOUND')
    expect((await call(`${V1}/profiles`, { method: 'DELETE' })).status).toBe(404)
  })
})

describe('server', () => {
  it('binds 127.0.0.1 by default and says clearly when the port is taken', async () => {
    const { api, logs, backend, apiKeys } = await startHarness()
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`)
    expect(logs.ring.recent().some((e) => e.event === 'rest.listening' && e.level === 'info')).toBe(true)
    const error = await startRestApi({ backend, apiKeys, log: logs.logger('rest2'), port: api.port }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InfrastructureException)
    expect((error as Error).message).toBe(`The local REST API could not start on 127.0.0.1:${api.port}: port ${api.port} is already in use.`)
  })
})
