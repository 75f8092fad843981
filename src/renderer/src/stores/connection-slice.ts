import type { StateCreator } from 'zustand/vanilla'
import type { SystemInfo } from '../../../shared/contract/system'
import type { ConnectionStatus } from '../api/ws-bridge'
import type { AppState } from './app-store'

export interface ConnectionSlice {
  connection: ConnectionStatus
  systemInfo: SystemInfo | null
  /** Why `system:info` failed, for the status bar. */
  systemInfoError: string | null
  setConnection(status: ConnectionStatus): void
  setSystemInfo(info: SystemInfo | null, error?: string | null): void
}

export const createConnectionSlice: StateCreator<AppState, [], [], ConnectionSlice> = (set) => ({
  connection: 'connecting',
  systemInfo: null,
  systemInfoError: null,
  setConnection: (connection) => set({ connection }),
  setSystemInfo: (systemInfo, error = null) => set((state) => ({ systemInfo: systemInfo ?? state.systemInfo, systemInfoError: error })),
})
