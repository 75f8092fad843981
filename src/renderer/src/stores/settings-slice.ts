import type { StateCreator } from 'zustand/vanilla'
import type { ApiAppView, SettingsView } from '../../../shared/contract/settings'
import type { AppState } from './app-store'

/** The settings view and the API apps, as main last sent them. */
export interface SettingsSlice {
  settingsView: SettingsView | null
  apiApps: readonly ApiAppView[] | null
  settingsError: string | null
  setSettingsView(view: SettingsView): void
  setApiApps(apps: readonly ApiAppView[]): void
  setSettingsError(message: string | null): void
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  settingsView: null,
  apiApps: null,
  settingsError: null,
  setSettingsView: (settingsView) => set({ settingsView, settingsError: null }),
  setApiApps: (apps) => set({ apiApps: [...apps].sort((a, b) => String(a.name).localeCompare(String(b.name))) }),
  setSettingsError: (settingsError) => set({ settingsError }),
})
