import { describe, expect, it, vi } from 'vitest'
import type { ApiClient } from '../../../src/renderer/src/api/client'
import { ApiError } from '../../../src/renderer/src/api/api-error'
import { createAppStore } from '../../../src/renderer/src/stores/app-store'
import { createLoaders } from '../../../src/renderer/src/stores/loaders'
import { profileRows, sessionRow } from './grid-fixtures'

/** An api whose answers the test releases one by one. */
function manualApi() {
  const calls: { channel: string; input: unknown; resolve(value: unknown): void; reject(error: unknown): void }[] = []
  const api: ApiClient = {
    call: ((channel: string, input: unknown) => new Promise((resolve, reject) => calls.push({ channel, input, resolve, reject }))) as ApiClient['call'],
  }
  const next = async (channel: string) => {
    await vi.waitFor(() => expect(calls.some((call) => call.channel === channel)).toBe(true))
    return calls.splice(calls.findIndex((call) => call.channel === channel), 1)[0]
  }
  return { api, next }
}

describe('loaders', () => {
  it('shows the first page of profiles before the next one arrives, then completes', async () => {
    const { api, next } = manualApi()
    const store = createAppStore()
    const done = createLoaders(store, api).loadProfiles()
    const first = await next('profiles:list')
    expect(first.input).toEqual({ cursor: 0, limit: 5_000 })
    first.resolve({ rows: profileRows(2, 0), nextCursor: 2, total: 3 })
    const second = await next('profiles:list')
    expect(store.getState().profileVisibleIds).toEqual(['p00000', 'p00001'])
    expect(store.getState().profilesLoad).toMatchObject({ state: 'loading', loaded: 2, total: 3 })
    expect(second.input).toEqual({ cursor: 2, limit: 5_000 })
    second.resolve({ rows: profileRows(1, 2), nextCursor: null, total: 3 })
    await done
    expect(store.getState().profileVisibleIds).toHaveLength(3)
    expect(store.getState().profilesLoad.state).toBe('loaded')
  })

  it('a newer load supersedes one still running, and a failure is reported as such', async () => {
    const { api, next } = manualApi()
    const store = createAppStore()
    const loaders = createLoaders(store, api)
    const stale = loaders.loadProfiles()
    const staleCall = await next('profiles:list')
    const fresh = loaders.loadProfiles()
    const freshCall = await next('profiles:list')
    freshCall.reject(new ApiError({ code: 'INTERNAL_ERROR', message: 'This feature is not available yet.', retryable: true }))
    await fresh
    staleCall.resolve({ rows: profileRows(5), nextCursor: null, total: 5 })
    await stale
    expect(store.getState().profilesById.size).toBe(0)
    expect(store.getState().profilesLoad).toMatchObject({ state: 'error', error: 'This feature is not available yet.' })
  })

  it('loads the sessions of the current filter and fetches partial ones in full', async () => {
    const { api, next } = manualApi()
    const store = createAppStore()
    const loaders = createLoaders(store, api)
    store.getState().setSessionFilter({ batchId: 'b7', statuses: ['failed'] })
    const done = loaders.loadSessions()
    const call = await next('sessions:list')
    expect(call.input).toEqual({ batchId: 'b7', statuses: ['failed'], limit: 5_000, cursor: undefined })
    call.resolve({ rows: [sessionRow('s1', { batchId: 'b7', status: 'failed' })], nextCursor: null, total: 1 })
    await done
    expect(store.getState().sessionVisibleIds).toEqual(['s1'])

    store.setState({ sessionsIncomplete: new Set(['s9']) })
    const fetched = loaders.fetchIncompleteSessions()
    const get = await next('sessions:get')
    expect(get.input).toEqual({ id: 's9' })
    get.resolve(sessionRow('s9', { batchId: 'b7', status: 'failed', createdAt: '2025-02-01T00:00:00.000Z' }))
    await fetched
    expect(store.getState().sessionIds[0]).toBe('s9')
    expect(store.getState().sessionsIncomplete.size).toBe(0)
  })
})
