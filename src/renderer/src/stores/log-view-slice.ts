import type { StateCreator } from 'zustand/vanilla'
import type { LogLevel } from '../../../shared/contract/logs'
import { levelsFrom } from '../features/logs/filter'
import type { AppState } from './app-store'

export type LevelToggles = Record<LogLevel, boolean>

/** The Logs page's filters; kept in the store so they survive switching pages. */
export interface LogViewSlice {
  logLevels: LevelToggles
  logSearch: string
  /** "Clear view": lines at or before this ISO time are hidden (nothing is deleted). */
  logHiddenBefore: string | null
  toggleLogLevel(level: LogLevel): void
  /** Shows `level` and every more severe level. */
  setLogMinLevel(level: LogLevel): void
  setLogSearch(text: string): void
  setLogHiddenBefore(ts: string | null): void
}

export const createLogViewSlice: StateCreator<AppState, [], [], LogViewSlice> = (set) => ({
  logLevels: { debug: true, info: true, warn: true, error: true },
  logSearch: '',
  logHiddenBefore: null,
  toggleLogLevel: (level) => set((state) => ({ logLevels: { ...state.logLevels, [level]: !state.logLevels[level] } })),
  setLogMinLevel: (level) => set({ logLevels: levelsFrom(level) }),
  setLogSearch: (logSearch) => set({ logSearch }),
  setLogHiddenBefore: (logHiddenBefore) => set({ logHiddenBefore }),
})
