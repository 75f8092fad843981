import type { PanelBridge } from '../../../shared/bridge'
import type { ApiClient } from '../api/client'
import type { WsBridge } from '../api/ws-bridge'
import type { AppState, AppStore } from './app-store'
import { createEventDispatcher } from './event-dispatcher'
import { createLoaders, errorText, type Loaders } from './loaders'

/** The ring buffer holds fewer lines than this; ask for all of them. */
const RECENT_LOG_LIMIT = 10_000
/** A reload asked for while one runs waits this long, so a burst of reload events loads once. */
const RELOAD_COALESCE_MS = 300

/**
 * Feeds the store from the panel: pushed events through the dispatcher, then the snapshots
 * (system info, recent logs, profiles, sessions, settings, batches) on start and again after
 * every reconnect. Returns a stop function.
 */
export function connectStore(
  store: AppStore,
  bridge: PanelBridge,
  api: ApiClient,
  ws: WsBridge | null,
  loaders: Loaders = createLoaders(store, api),
): () => void {
  const stopEvents = bridge.onEvents(createEventDispatcher(store))
  const stopWatchers = watchStore(store, loaders)
  let startedAt: string | null = null

  const refresh = async () => {
    const state = store.getState()
    void loaders.loadProfiles()
    void loaders.loadSessions()
    void loaders.loadBatchList()
    void loaders.loadSettings()
    void loaders.loadLive()
    const [info, recent] = await Promise.allSettled([api.call('system:info'), api.call('logs:recent', { limit: RECENT_LOG_LIMIT })])
    let restarted = false
    if (info.status === 'fulfilled') {
      restarted = startedAt !== null && startedAt !== info.value.startedAt
      startedAt = info.value.startedAt
      state.setSystemInfo(info.value)
    } else {
      state.setSystemInfo(null, errorText(info.reason))
    }
    if (recent.status === 'fulfilled') state.syncRecentLogs(recent.value, { restarted })
    else state.showToast(`Could not load recent log lines: ${errorText(recent.reason)}`, 'error')
  }

  if (!ws) {
    // The desktop app's IPC is always there.
    store.getState().setConnection('connected')
    void refresh()
    return () => {
      stopWatchers()
      stopEvents()
    }
  }
  store.getState().setConnection(ws.status)
  const stopStatus = ws.onStatus((status) => {
    store.getState().setConnection(status)
    if (status === 'connected') void refresh()
  })
  if (ws.status === 'connected') void refresh()
  return () => {
    stopStatus()
    stopWatchers()
    stopEvents()
  }
}

/** Side effects of state changes: reloads asked for by events or filters. */
function watchStore(store: AppStore, loaders: Loaders): () => void {
  let reloadTimer: ReturnType<typeof setTimeout> | null = null
  const changed = <T>(state: AppState, previous: AppState, pick: (s: AppState) => T) => pick(state) !== pick(previous)
  const unsubscribe = store.subscribe((state, previous) => {
    if (changed(state, previous, (s) => s.profilesReloadToken)) {
      if (reloadTimer) clearTimeout(reloadTimer)
      reloadTimer = setTimeout(() => {
        reloadTimer = null
        void loaders.loadProfiles()
        void loaders.loadBatchList()
      }, RELOAD_COALESCE_MS)
    }
    if (changed(state, previous, (s) => s.sessionFilter.batchId) || changed(state, previous, (s) => s.sessionFilter.statuses)) {
      void loaders.loadSessions()
    }
    if (state.sessionsIncomplete.size > 0 && changed(state, previous, (s) => s.sessionsIncomplete)) void loaders.fetchIncompleteSessions()
    // A batch appeared or finished: the batch filter's list and counts change.
    if (changed(state, previous, (s) => s.batchesById) && batchStatesChanged(state, previous)) void loaders.loadBatchList()
  })
  return () => {
    if (reloadTimer) clearTimeout(reloadTimer)
    unsubscribe()
  }
}

function batchStatesChanged(state: AppState, previous: AppState): boolean {
  for (const [id, batch] of state.batchesById) {
    const before = previous.batchesById.get(id)
    if (!before || before.state !== batch.state) return true
  }
  return false
}

export type { Loaders }
