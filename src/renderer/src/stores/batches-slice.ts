import type { StateCreator } from 'zustand/vanilla'
import type { BatchProgress } from '../../../shared/contract/batches'
import type { DrainStatusView } from '../../../shared/contract/hosts'
import type { MonitorSnapshot } from '../../../shared/contract/monitor'
import type { AppState } from './app-store'

/** Live figures pushed by main: batch progress (keyed by batch id), the monitor's snapshot and this host's drain state. */
export interface BatchesSlice {
  batchesById: ReadonlyMap<string, BatchProgress>
  /** Finished batches the operator closed in the progress bar. */
  dismissedBatches: ReadonlySet<string>
  monitor: MonitorSnapshot | null
  /** This host drains (finishes what it runs, claims nothing more): the status bar says so. */
  drain: DrainStatusView | null
  setBatches(batches: readonly BatchProgress[]): void
  dismissBatch(batchId: string): void
  setMonitor(snapshot: MonitorSnapshot | null): void
  setDrain(drain: DrainStatusView | null): void
}

export const createBatchesSlice: StateCreator<AppState, [], [], BatchesSlice> = (set) => ({
  batchesById: new Map(),
  dismissedBatches: new Set(),
  monitor: null,
  drain: null,
  setBatches: (batches) =>
    set((state) => {
      const next = new Map(state.batchesById)
      for (const batch of batches) next.set(batch.id, { ...next.get(batch.id), ...batch })
      return { batchesById: next }
    }),
  dismissBatch: (batchId) => set((state) => ({ dismissedBatches: new Set(state.dismissedBatches).add(batchId) })),
  setMonitor: (monitor) => set({ monitor }),
  setDrain: (drain) => set({ drain }),
})
