import { describe, expect, it } from 'vitest'
import type { PanelBridge } from '../../../src/shared/bridge'
import type { Envelope } from '../../../src/shared/envelope'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { ApiError } from '../../../src/renderer/src/api/api-error'
import { createApiClient } from '../../../src/renderer/src/api/client'
import { resolveAccessToken, TOKEN_STORAGE_KEY, webSocketUrl, withoutToken } from '../../../src/renderer/src/api/ws-url'
import { wsProtocols } from '../../../src/shared/ws-protocol'
import { formatHash, parseHash } from '../../../src/renderer/src/app/route'
import { createAppStore } from '../../../src/renderer/src/stores/app-store'
import { connectStore } from '../../../src/renderer/src/stores/connect-store'
import { logLines } from './log-fixtures'

function fakeBridge(answer: (channel: string, input: unknown) => Envelope<unknown>) {
  const listeners = new Set<(batches: EventBatch[]) => void>()
  const bridge: PanelBridge = {
    invoke: async (channel, input) => answer(channel, input) as never,
    onEvents: (listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return { bridge, push: (batches: EventBatch[]) => listeners.forEach((l) => l(batches)) }
}

const success = (data: unknown): Envelope<unknown> => ({ success: true, data, error: null, errorCode: null, requestId: 'r1', timestamp: '' })

describe('api client', () => {
  it('returns the data of a successful envelope', async () => {
    const { bridge } = fakeBridge((_channel, input) => success({ pong: (input as { message: string }).message }))
    await expect(createApiClient(bridge).call('system:ping', { message: 'hi' })).resolves.toEqual({ pong: 'hi' })
  })

  it('throws an ApiError carrying code, sentence, retryable, request id and details', async () => {
    const { bridge } = fakeBridge(() => ({
      success: false,
      data: null,
      error: 'Invalid input for system:ping: message: Too small',
      errorCode: 'VALIDATION_ERROR',
      requestId: 'req-42',
      timestamp: '',
      retryable: false,
      details: { field: 'message' },
    }))
    const error = await createApiClient(bridge)
      .call('system:ping', { message: '' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({
      code: 'VALIDATION_ERROR',
      message: 'Invalid input for system:ping: message: Too small',
      retryable: false,
      requestId: 'req-42',
      details: { field: 'message' },
    })
  })
})

describe('browser-mode address', () => {
  it('takes the token from the printed address\'s fragment, remembers it, and finds it again after a reload without it', () => {
    const storage = new Map<string, string>()
    const store = { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v) }
    expect(resolveAccessToken('#token=abc123', store)).toBe('abc123')
    expect(storage.get(TOKEN_STORAGE_KEY)).toBe('abc123')
    expect(resolveAccessToken('', store)).toBe('abc123')
    expect(resolveAccessToken('#/logs', store)).toBe('abc123')
    expect(resolveAccessToken('', null)).toBeNull()
  })

  it('builds the socket URL on the page host without the token, which goes in the subprotocols', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:5123' })).toBe('ws://127.0.0.1:5123/ws')
    expect(webSocketUrl({ protocol: 'https:', host: 'panel.local' })).toBe('wss://panel.local/ws')
    expect(wsProtocols('abc_-1')).toEqual(['gologin-panel', 'token.abc_-1'])
    expect(wsProtocols(null)).toEqual(['gologin-panel'])
    expect(withoutToken('http://127.0.0.1:5123/#token=x')).toBe('http://127.0.0.1:5123/')
    expect(withoutToken('http://127.0.0.1:5123/#/logs')).toBeNull()
  })
})

describe('hash routes', () => {
  it('reads the page and its parameters, falling back to Profiles', () => {
    expect(parseHash('#/logs?session=abc')).toEqual({ page: 'logs', params: { session: 'abc' } })
    expect(parseHash('#/settings')).toEqual({ page: 'settings', params: {} })
    expect(parseHash('')).toEqual({ page: 'profiles', params: {} })
    expect(parseHash('#/nope')).toEqual({ page: 'profiles', params: {} })
    expect(formatHash({ page: 'logs', params: { session: 'a&b', empty: '' } })).toBe('#/logs?session=a%26b')
    expect(parseHash(formatHash({ page: 'logs', params: { session: 'a&b' } })).params.session).toBe('a&b')
  })
})

describe('connectStore', () => {
  it('loads system info and recent lines, then follows pushed lines without duplicating any', async () => {
    const info = { appVersion: '1.2.3', mode: 'browser', dataDir: '/d', logFile: '/d/l', platform: 'linux-x64', startedAt: 't0' }
    const { bridge, push } = fakeBridge((channel) => (channel === 'system:info' ? success(info) : success(logLines(1, 3))))
    const store = createAppStore()
    const stop = connectStore(store, bridge, createApiClient(bridge), null)
    // A line pushed before the snapshot answered must survive the merge.
    push([{ channel: 'logs', items: logLines(4, 1) } as EventBatch])
    await new Promise<void>((resolve) => {
      const unsubscribe = store.subscribe((state) => state.logsLoaded && (unsubscribe(), resolve()))
    })
    expect(store.getState().connection).toBe('connected')
    expect(store.getState().systemInfo?.appVersion).toBe('1.2.3')
    expect(store.getState().logEntries.map((e) => e.seq)).toEqual([1, 2, 3, 4])
    push([{ channel: 'logs', items: logLines(5, 2) } as EventBatch])
    expect(store.getState().logEntries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    stop()
  })
})
