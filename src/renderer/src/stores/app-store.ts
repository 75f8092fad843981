import { createStore, type StoreApi } from 'zustand/vanilla'
import { createBatchesSlice, type BatchesSlice } from './batches-slice'
import { createConnectionSlice, type ConnectionSlice } from './connection-slice'
import { withDerivedViews } from './derived-views'
import { createLogViewSlice, type LogViewSlice } from './log-view-slice'
import { createLogsSlice, type LogsSlice } from './logs-slice'
import { createProfileViewSlice, type ProfileViewSlice } from './profile-view-slice'
import { createProfilesSlice, type ProfilesSlice } from './profiles-slice'
import { createSessionsSlice, type SessionsSlice } from './sessions-slice'
import { createSettingsSlice, type SettingsSlice } from './settings-slice'
import { createUiSlice, type UiSlice } from './ui-slice'

/** The renderer's one store, split into slices. */
export type AppState = LogsSlice &
  LogViewSlice &
  ConnectionSlice &
  UiSlice &
  ProfilesSlice &
  ProfileViewSlice &
  SessionsSlice &
  BatchesSlice &
  SettingsSlice
export type AppStore = StoreApi<AppState>

export function createAppStore(): AppStore {
  return createStore<AppState>()(
    withDerivedViews((...args) => ({
      ...createLogsSlice(...args),
      ...createLogViewSlice(...args),
      ...createConnectionSlice(...args),
      ...createUiSlice(...args),
      ...createProfilesSlice(...args),
      ...createProfileViewSlice(...args),
      ...createSessionsSlice(...args),
      ...createBatchesSlice(...args),
      ...createSettingsSlice(...args),
    })),
  )
}

/** The page's store instance (tests build their own with `createAppStore`). */
export const appStore = createAppStore()
