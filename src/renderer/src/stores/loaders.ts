import type { RequestOutput } from '../../../shared/ipc-contract'
import type { ApiClient } from '../api/client'
import type { AppStore } from './app-store'

/** Rows per `profiles:list` page: the first page paints quickly, the rest follow. */
export const PROFILE_PAGE_SIZE = 5_000
export const SESSION_PAGE_SIZE = 5_000
/** The Sessions page keeps at most this many attempts of the current filter (newest first). */
export const SESSION_LOAD_CAP = 100_000

export interface Loaders {
  /** Loads every profile page by page; a newer call supersedes a running one. */
  loadProfiles(): Promise<void>
  /** Loads the sessions of the current filter, newest first. */
  loadSessions(): Promise<void>
  loadBatchList(): Promise<void>
  loadSettings(): Promise<void>
  /** Batch progress, monitor figures and the sync status. */
  loadLive(): Promise<void>
  /** Fetches full rows for sessions first seen as partial patches. */
  fetchIncompleteSessions(): Promise<void>
}

export function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason)
}

export function createLoaders(store: AppStore, api: ApiClient): Loaders {
  let profileGeneration = 0
  let sessionGeneration = 0
  const fetching = new Set<string>()
  const gaveUp = new Set<string>()

  return {
    async loadProfiles() {
      const generation = ++profileGeneration
      const state = store.getState()
      state.startProfileLoad()
      const ids: string[] = []
      let cursor: number | null = 0
      try {
        while (cursor !== null) {
          const page: RequestOutput<'profiles:list'> = await api.call('profiles:list', { cursor, limit: PROFILE_PAGE_SIZE })
          if (generation !== profileGeneration) return
          for (const row of page.rows) ids.push(row.id)
          store.getState().mergeProfilePage(page.rows, page.total)
          cursor = page.nextCursor
        }
        store.getState().finishProfileLoad(ids)
      } catch (error) {
        if (generation === profileGeneration) store.getState().failProfileLoad(errorText(error))
      }
    },

    async loadSessions() {
      const generation = ++sessionGeneration
      const { sessionFilter } = store.getState()
      store.getState().startSessionLoad()
      let cursor: number | undefined
      let loaded = 0
      try {
        do {
          const page: RequestOutput<'sessions:list'> = await api.call('sessions:list', {
            batchId: sessionFilter.batchId || undefined,
            statuses: sessionFilter.statuses.length ? [...sessionFilter.statuses] : undefined,
            limit: SESSION_PAGE_SIZE,
            cursor,
          })
          if (generation !== sessionGeneration) return
          store.getState().putSessionPage(page.rows, page.total, cursor === undefined)
          loaded += page.rows.length
          cursor = page.nextCursor ?? undefined
        } while (cursor !== undefined && loaded < SESSION_LOAD_CAP)
        store.getState().finishSessionLoad()
      } catch (error) {
        if (generation === sessionGeneration) store.getState().failSessionLoad(errorText(error))
      }
    },

    async loadBatchList() {
      try {
        const list = await api.call('sessions:batches', { limit: 200 })
        if (Array.isArray(list)) store.getState().setBatchList(list)
      } catch {
        // The filter then offers "All batches" only; the table itself reports load errors.
      }
    },

    async loadSettings() {
      const [view, apps] = await Promise.allSettled([api.call('settings:get'), api.call('apiApps:list')])
      const state = store.getState()
      try {
        if (view.status === 'fulfilled') state.setSettingsView(view.value)
        else state.setSettingsError(errorText(view.reason))
        if (apps.status === 'fulfilled') state.setApiApps(apps.value)
        else if (view.status === 'fulfilled') state.setSettingsError(errorText(apps.reason))
      } catch (error) {
        // An answer of an unexpected shape (an older or newer panel): say so instead of an unhandled rejection.
        state.setSettingsError(errorText(error))
      }
    },

    async loadLive() {
      const [batches, monitor, sync, drain] = await Promise.allSettled([
        api.call('batch:active'),
        api.call('monitor:get'),
        api.call('profiles:syncStatus'),
        api.call('hosts:drainStatus'),
      ])
      const state = store.getState()
      if (batches.status === 'fulfilled' && Array.isArray(batches.value)) state.setBatches(batches.value.filter((batch) => batch && typeof batch.id === 'string'))
      if (monitor.status === 'fulfilled') state.setMonitor(monitor.value)
      if (sync.status === 'fulfilled') state.setSyncProgress(sync.value)
      if (drain.status === 'fulfilled') state.setDrain(drain.value)
    },

    async fetchIncompleteSessions() {
      const wanted = [...store.getState().sessionsIncomplete].filter((id) => !fetching.has(id) && !gaveUp.has(id)).slice(0, 50)
      await Promise.all(
        wanted.map(async (id) => {
          fetching.add(id)
          try {
            store.getState().putSession(await api.call('sessions:get', { id }))
          } catch {
            // Keep the provisional row (its later patches still apply) and do not ask again.
            gaveUp.add(id)
          } finally {
            fetching.delete(id)
          }
        }),
      )
    },
  }
}
