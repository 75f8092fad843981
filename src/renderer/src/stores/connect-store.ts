import type { PanelBridge } from '../../../shared/bridge'
import type { ApiClient } from '../api/client'
import type { WsBridge } from '../api/ws-bridge'
import type { AppStore } from './app-store'
import { createEventDispatcher } from './event-dispatcher'

/** The ring buffer holds fewer lines than this; ask for all of them. */
const RECENT_LOG_LIMIT = 10_000

/**
 * Feeds the store from the panel: pushed events through the dispatcher, then the snapshots
 * (`system:info`, `logs:recent`) on start and again after every reconnect. Returns a stop function.
 */
export function connectStore(store: AppStore, bridge: PanelBridge, api: ApiClient, ws: WsBridge | null): () => void {
  const stopEvents = bridge.onEvents(createEventDispatcher(store))
  let startedAt: string | null = null

  const refresh = async () => {
    const state = store.getState()
    const [info, recent] = await Promise.allSettled([api.call('system:info'), api.call('logs:recent', { limit: RECENT_LOG_LIMIT })])
    let restarted = false
    if (info.status === 'fulfilled') {
      restarted = startedAt !== null && startedAt !== info.value.startedAt
      startedAt = info.value.startedAt
      state.setSystemInfo(info.value)
    } else {
      state.setSystemInfo(null, errorMessage(info.reason))
    }
    if (recent.status === 'fulfilled') state.syncRecentLogs(recent.value, { restarted })
    else state.showToast(`Could not load recent log lines: ${errorMessage(recent.reason)}`, 'error')
  }

  if (!ws) {
    // The desktop app's IPC is always there.
    store.getState().setConnection('connected')
    void refresh()
    return stopEvents
  }
  store.getState().setConnection(ws.status)
  const stopStatus = ws.onStatus((status) => {
    store.getState().setConnection(status)
    if (status === 'connected') void refresh()
  })
  if (ws.status === 'connected') void refresh()
  return () => {
    stopStatus()
    stopEvents()
  }
}

function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason)
}
