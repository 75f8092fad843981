import { createStore, type StoreApi } from 'zustand/vanilla'
import { createConnectionSlice, type ConnectionSlice } from './connection-slice'
import { createLogViewSlice, type LogViewSlice } from './log-view-slice'
import { createLogsSlice, type LogsSlice } from './logs-slice'
import { createUiSlice, type UiSlice } from './ui-slice'

/** The renderer's one store, split into slices (profiles, sessions, settings join here later). */
export type AppState = LogsSlice & LogViewSlice & ConnectionSlice & UiSlice
export type AppStore = StoreApi<AppState>

export function createAppStore(): AppStore {
  return createStore<AppState>()((...args) => ({
    ...createLogsSlice(...args),
    ...createLogViewSlice(...args),
    ...createConnectionSlice(...args),
    ...createUiSlice(...args),
  }))
}

/** The page's store instance (tests build their own with `createAppStore`). */
export const appStore = createAppStore()
