import { afterEach, describe, expect, it, vi } from 'vitest'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { createAppStore } from '../../../src/renderer/src/stores/app-store'
import { createEventDispatcher } from '../../../src/renderer/src/stores/event-dispatcher'
import { SEARCH_DEBOUNCE_MS } from '../../../src/renderer/src/stores/profile-view-slice'
import { profileRow, profileRows, sessionRow } from './grid-fixtures'

const batch = (channel: string, items: unknown[]) => ({ channel, items }) as EventBatch

function loadedStore(count = 100) {
  const store = createAppStore()
  const rows = profileRows(count)
  store.getState().mergeProfilePage(rows, count)
  store.getState().finishProfileLoad(rows.map((row) => row.id))
  return store
}

afterEach(() => {
  vi.useRealTimers()
})

describe('profile grid state', () => {
  it('derives the visible rows in sort order as pages arrive, before the load is complete', () => {
    const store = createAppStore()
    store.getState().startProfileLoad()
    store.getState().mergeProfilePage(profileRows(3, 10), 6)
    expect(store.getState().profileVisibleIds).toEqual(['p00010', 'p00011', 'p00012'])
    expect(store.getState().profilesLoad).toMatchObject({ state: 'loading', loaded: 3, total: 6 })
    store.getState().mergeProfilePage(profileRows(3, 0), 6)
    expect(store.getState().profileVisibleIds).toEqual(['p00000', 'p00001', 'p00002', 'p00010', 'p00011', 'p00012'])
  })

  it('drops rows that a completed reload no longer lists and keeps the selection of the others', () => {
    const store = loadedStore(5)
    store.getState().setProfileSelection(new Set(['p00001', 'p00004']))
    store.getState().mergeProfilePage(profileRows(4), 4)
    store.getState().finishProfileLoad(profileRows(4).map((row) => row.id))
    expect(store.getState().profileVisibleIds).toEqual(['p00000', 'p00001', 'p00002', 'p00003'])
    expect(store.getState().profilesById.has('p00004')).toBe(false)
  })

  it('applies a pushed batch of profile patches in one store update and keeps the sorted ids when the sort column is untouched', () => {
    const store = loadedStore()
    const dispatch = createEventDispatcher(store)
    const sortedBefore = store.getState().profileSortedIds
    const visibleBefore = store.getState().profileVisibleIds
    let updates = 0
    store.subscribe(() => updates++)
    dispatch([batch('profiles', [{ id: 'p00003', lastStatus: 'in_progress', inUse: true }, { id: 'p00007', lastStatus: 'failed' }])])
    expect(updates).toBe(1)
    expect(store.getState().profilesById.get('p00003')).toMatchObject({ lastStatus: 'in_progress', inUse: true, name: 'Profile 00003' })
    expect(store.getState().profileSortedIds).toBe(sortedBefore)
    expect(store.getState().profileVisibleIds).toBe(visibleBefore)
  })

  it('re-sorts and refilters when a patch touches what the view depends on', () => {
    const store = loadedStore(10)
    store.getState().setProfileSort({ column: 'status', desc: false })
    store.getState().setProfileFilter({ status: 'failed' })
    expect(store.getState().profileVisibleIds).toEqual([])
    createEventDispatcher(store)([batch('profiles', [{ id: 'p00008', lastStatus: 'failed' }])])
    expect(store.getState().profileVisibleIds).toEqual(['p00008'])
    expect(store.getState().profileSortedIds[0]).toBe('p00008')
  })

  it('ignores patches for profiles it has not loaded', () => {
    const store = loadedStore(2)
    const before = store.getState().profilesById
    createEventDispatcher(store)([batch('profiles', [{ id: 'unknown', lastStatus: 'failed' }])])
    expect(store.getState().profilesById).toBe(before)
  })

  it('applies the typed search after a short pause, and at once when it is cleared', () => {
    vi.useFakeTimers()
    const store = loadedStore(20)
    store.getState().setProfileSearch('00001')
    expect(store.getState().profileSearchDraft).toBe('00001')
    expect(store.getState().profileVisibleIds).toHaveLength(20)
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS)
    expect(store.getState().profileVisibleIds).toEqual(['p00001'])
    store.getState().setProfileSearch('')
    expect(store.getState().profileVisibleIds).toHaveLength(20)
  })

  it('keeps the selection when the filters hide selected rows', () => {
    const store = loadedStore(10)
    store.getState().setProfileSelection(new Set(['p00001', 'p00002']))
    store.getState().setProfileFilter({ search: 'profile 00001' })
    expect(store.getState().profileVisibleIds).toEqual(['p00001'])
    expect([...store.getState().profileSelection]).toEqual(['p00001', 'p00002'])
  })

  it('offers the folders, tags and API apps in use to the filter menus', () => {
    const store = createAppStore()
    store.getState().mergeProfilePage([profileRow(1, { folder: 'EU', tags: ['vip'] }), profileRow(2, { apiApp: 'AIOTT2' })], 2)
    expect(store.getState().profileFacets).toEqual({ apiApps: ['AIOTT1', 'AIOTT2'], folders: ['Batch 1', 'EU'], tags: ['vip', 'x'], tokenApps: [] })
  })
})

describe('sessions, batches and notices from pushed events', () => {
  it('puts new sessions first, merges later patches and applies a whole message in one update', () => {
    const store = createAppStore()
    store.getState().putSessionPage([sessionRow('old', { createdAt: '2025-01-01T00:00:00.000Z' })], 1, true)
    let updates = 0
    store.subscribe(() => updates++)
    createEventDispatcher(store)([
      batch('sessions', [sessionRow('s1'), sessionRow('s2'), { id: 'old', status: 'failed', errorCode: 'X_LOGGED_OUT' }]),
      batch('progress', [{ id: 'b1', state: 'running', total: 2, done: 0 }]),
    ])
    expect(updates).toBe(1)
    expect(store.getState().sessionIds).toEqual(['s1', 's2', 'old'])
    expect(store.getState().sessionsById.get('old')).toMatchObject({ status: 'failed', errorCode: 'X_LOGGED_OUT' })
    expect(store.getState().batchesById.get('b1')).toMatchObject({ state: 'running', total: 2 })
  })

  it('keeps a session first seen as a partial patch, marked to be fetched in full', () => {
    const store = createAppStore()
    createEventDispatcher(store)([batch('sessions', [{ id: 'x', status: 'in_progress', step: 'consent' }])])
    expect(store.getState().sessionsById.get('x')).toMatchObject({ status: 'in_progress', step: 'consent', attempt: 1 })
    expect(store.getState().sessionsIncomplete.has('x')).toBe(true)
    store.getState().putSession(sessionRow('x', { status: 'pending' }))
    // The fetched copy is older than the pushed status: the status already pushed wins.
    expect(store.getState().sessionsById.get('x')?.status).toBe('pending')
    expect(store.getState().sessionsIncomplete.has('x')).toBe(false)
  })

  it('filters the session table by batch and status, following live status changes', () => {
    const store = createAppStore()
    store.getState().putSessionPage([sessionRow('a', { batchId: 'b1' }), sessionRow('b', { batchId: 'b2' }), sessionRow('c', { batchId: 'b1', status: 'failed' })], 3, true)
    store.getState().setSessionFilter({ batchId: 'b1' })
    expect(store.getState().sessionVisibleIds).toEqual(['a', 'c'])
    store.getState().setSessionFilter({ statuses: ['failed'] })
    expect(store.getState().sessionVisibleIds).toEqual(['c'])
    createEventDispatcher(store)([batch('sessions', [{ id: 'a', status: 'failed' }])])
    expect(store.getState().sessionVisibleIds).toEqual(['a', 'c'])
  })

  it('keeps sessions pushed while the first page was loading when that page arrives', () => {
    const store = createAppStore()
    createEventDispatcher(store)([batch('sessions', [sessionRow('new', { createdAt: '2025-01-02T00:00:00.000Z' })])])
    store.getState().putSessionPage([sessionRow('older', { createdAt: '2025-01-01T00:00:00.000Z' })], 1, true)
    expect(store.getState().sessionIds).toEqual(['new', 'older'])
  })

  it('turns notices into toasts, and sync, monitor, settings and reload events into state', () => {
    const store = createAppStore()
    createEventDispatcher(store)([
      batch('notice', [{ id: 'n1', level: 'warn', title: 'Batch finished', body: '18 authorized, 2 failed' }]),
      batch('profiles:reload', [{ reason: 'sync', at: 't' }]),
      batch('sync', [{ running: true, fetched: 30, total: 90 }]),
    ])
    const state = store.getState()
    expect(state.toasts).toEqual([expect.objectContaining({ title: 'Batch finished', text: '18 authorized, 2 failed', tone: 'warn' })])
    expect(state.profilesReloadToken).toBe(1)
    expect(state.syncProgress).toMatchObject({ running: true, fetched: 30 })
  })
})
