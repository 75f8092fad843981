import type { StateCreator } from 'zustand/vanilla'
import type { AppState } from './app-store'

export interface Toast {
  id: number
  text: string
  tone: 'info' | 'success' | 'error'
}

export interface UiSlice {
  toasts: Toast[]
  showToast(text: string, tone?: Toast['tone']): void
  dismissToast(id: number): void
}

/** At most this many toasts at once; the oldest goes first. */
const MAX_TOASTS = 3
let nextToastId = 1

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  toasts: [],
  showToast: (text, tone = 'info') =>
    set((state) => ({ toasts: [...state.toasts, { id: nextToastId++, text, tone }].slice(-MAX_TOASTS) })),
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
})
