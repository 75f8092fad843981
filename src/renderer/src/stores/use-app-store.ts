import { useStore } from 'zustand'
import { useShallow } from 'zustand/react/shallow'
import { appStore, type AppState } from './app-store'

/** Reads one value (or a stable reference) from the page's store. */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector)
}

/** Reads several values at once; re-renders only when one of them changes (shallow compare). */
export function useAppStoreShallow<T extends object>(selector: (state: AppState) => T): T {
  return useStore(appStore, useShallow(selector))
}
