import { describe, expect, it } from 'vitest'
import { DomainException, ValidationException } from '../../../src/shared/errors'
import { Router, type HandlerMap } from '../../../src/main/ipc/router'
import { LogSystem } from '../../../src/main/logging/logger'

function makeRouter(overrides: Partial<HandlerMap> = {}) {
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const handlers = {
    'system:info': () => ({ appVersion: '1', mode: 'browser', dataDir: '/d', logFile: '', platform: 'x', startedAt: 'now' }),
    'system:ping': ({ message }: { message: string }) => ({ pong: message }),
    'logs:recent': () => [],
    ...overrides,
  } as HandlerMap
  return { router: new Router(handlers, logs.logger('ipc')), logs }
}

describe('Router (the transport wrapper behind IPC and WebSocket)', () => {
  it('answers a valid request with a success envelope carrying a request id and timestamp', async () => {
    const { router } = makeRouter()
    const envelope = await router.dispatch('system:ping', { message: 'hi' }, { transport: 'test' })
    expect(envelope).toMatchObject({ success: true, data: { pong: 'hi' }, error: null, errorCode: null })
    expect(envelope.requestId).toMatch(/[\w-]{8,}/)
    expect(Date.parse(envelope.timestamp)).not.toBeNaN()
  })

  it('keeps a caller-supplied request id', async () => {
    const { router } = makeRouter()
    const envelope = await router.dispatch('system:ping', { message: 'hi' }, { transport: 'test', requestId: 'req-42' })
    expect(envelope.requestId).toBe('req-42')
  })

  it('rejects a bad payload with VALIDATION_ERROR naming the field, without calling the handler', async () => {
    let called = false
    const { router } = makeRouter({ 'system:ping': () => ((called = true), { pong: '' }) })
    const envelope = await router.dispatch('system:ping', { message: 5 }, { transport: 'test' })
    expect(envelope.success).toBe(false)
    if (envelope.success) return
    expect(envelope.errorCode).toBe('VALIDATION_ERROR')
    expect(envelope.error).toMatch(/system:ping: message:/)
    expect(envelope.details).toMatchObject({ field: 'message' })
    expect(called).toBe(false)

    const extra = await router.dispatch('system:ping', { message: 'x', admin: true }, { transport: 'test' })
    expect(extra).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    const missing = await router.dispatch('system:ping', undefined, { transport: 'test' })
    expect(missing).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
  })

  it('rejects an unknown channel, including prototype names', async () => {
    const { router } = makeRouter()
    for (const channel of ['nope:nothing', '__proto__', 'constructor', 42, null]) {
      const envelope = await router.dispatch(channel, {}, { transport: 'test' })
      expect(envelope).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
      if (!envelope.success) expect(envelope.error).toMatch(/Unknown request channel/)
    }
  })

  it('turns a domain exception into its code and sentence', async () => {
    const { router } = makeRouter({
      'system:ping': () => {
        throw new DomainException('CONCURRENT_LIMIT', 'All 10 slots are busy')
      },
    })
    const envelope = await router.dispatch('system:ping', { message: 'x' }, { transport: 'test' })
    expect(envelope).toMatchObject({ success: false, errorCode: 'CONCURRENT_LIMIT', error: 'All 10 slots are busy', retryable: true })
  })

  it('hides unexpected errors behind INTERNAL_ERROR and keeps the detail in the log only', async () => {
    const { router, logs } = makeRouter({
      'system:ping': () => {
        throw new Error('sqlite exploded at /secret/path')
      },
    })
    const envelope = await router.dispatch('system:ping', { message: 'x' }, { transport: 'test', requestId: 'r-1' })
    expect(envelope).toMatchObject({ success: false, errorCode: 'INTERNAL_ERROR' })
    expect(JSON.stringify(envelope)).not.toContain('sqlite exploded')
    const logged = logs.ring.recent().find((e) => e.event === 'ipc.internal_error')
    expect(logged?.requestId).toBe('r-1')
    expect(JSON.stringify(logged)).toContain('sqlite exploded')
  })

  it('passes validation details of a ValidationException through', async () => {
    const { router } = makeRouter({
      'system:ping': () => {
        throw new ValidationException('apiApp: unknown app "X"', { field: 'apiApp' })
      },
    })
    const envelope = await router.dispatch('system:ping', { message: 'x' }, { transport: 'test' })
    expect(envelope).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', details: { field: 'apiApp' } })
  })
})
