import { describe, expect, it } from 'vitest'
import { DomainException, InfrastructureException, ProfileNotFoundException, ValidationException } from '../../../src/shared/errors'
import type { AppException } from '../../../src/shared/errors'
import { RateLimitedError, toFailure } from '../../../src/main/host/rest-api/envelope'
import { requestIdFrom } from '../../../src/main/host/rest-api/request-id'

describe('toFailure', () => {
  it('maps the panel’s error codes to HTTP statuses', () => {
    const cases: Array<[AppException, number]> = [
      [new ValidationException('bad'), 400],
      [new DomainException('INVALID_API_APP', 'Unknown API app: X'), 400],
      [new DomainException('UNAUTHORIZED', 'no key'), 401],
      [new ProfileNotFoundException('bob'), 404],
      [new DomainException('NOT_FOUND', 'nope'), 404],
      [new DomainException('CONFLICT', 'busy'), 409],
      [new DomainException('CONCURRENT_LIMIT', 'busy'), 409],
      [new DomainException('RATE_LIMITED', 'slow down'), 429],
      [new InfrastructureException('GOLOGIN_API_ERROR', 'raw upstream text'), 500],
      [new DomainException('X_LOGGED_OUT', 'detail'), 500],
    ]
    for (const [error, status] of cases) expect(toFailure(error), error.code).toMatchObject({ status, code: error.code })
  })

  it('keeps 4xx messages and replaces 5xx ones by the code’s generic sentence', () => {
    expect(toFailure(new ProfileNotFoundException('bob')).message).toBe('No GoLogin profile found for account: bob')
    expect(toFailure(new InfrastructureException('GOLOGIN_API_ERROR', 'token=abc123 at host')).message).toBe('The GoLogin service answered with an error.')
    expect(toFailure(new Error('ENOENT /home/me/secret'))).toEqual({ status: 500, code: 'INTERNAL_ERROR', message: 'Something went wrong inside the panel. The log has the details.' })
    expect(toFailure('a string')).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' })
    expect(toFailure(null)).toMatchObject({ status: 500 })
  })

  it('names the field of a schema validation error', () => {
    const missing = toFailure({ validation: [{ instancePath: '', keyword: 'required', params: { missingProperty: 'api_app' } }], validationContext: 'body' })
    expect(missing).toEqual({ status: 400, code: 'VALIDATION_ERROR', message: 'The field api_app is required.', details: { field: 'api_app', location: 'body' } })
    const pattern = toFailure({ validation: [{ instancePath: '/account_id', keyword: 'pattern', params: {}, message: 'must match pattern "^x$"' }], validationContext: 'body' })
    expect(pattern.message).toMatch(/^The field account_id must be an X username/)
    const query = toFailure({ validation: [{ instancePath: '/page', keyword: 'minimum', message: 'must be >= 1' }], validationContext: 'querystring' })
    expect(query.message).toBe('The query parameter page must be >= 1.')
    const whole = toFailure({ validation: [{ instancePath: '', keyword: 'type', params: { type: 'object' } }], validationContext: 'body' })
    expect(whole.message).toBe('The request body must be a JSON object.')
  })

  it('turns Fastify’s request errors into 4xx and anything else with a status into 500', () => {
    expect(toFailure(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toMatchObject({ status: 415, code: 'VALIDATION_ERROR' })
    expect(toFailure(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ status: 413 })
    expect(toFailure(Object.assign(new Error('x'), { code: 'SOMETHING', statusCode: 404 }))).toMatchObject({ status: 500 })
    expect(toFailure(RateLimitedError.perKey(100, 60_000, '42 seconds'))).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Rate limit exceeded (100 requests per minute per API key); retry in 42 seconds.',
    })
  })
})

describe('requestIdFrom', () => {
  it('echoes sane ids and replaces the rest', () => {
    expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z')
    for (const bad of [undefined, '', 'a b', 'x'.repeat(101), 'a\nb', '<script>', ['a', 'b']]) {
      expect(requestIdFrom(bad as string)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }
  })
})
