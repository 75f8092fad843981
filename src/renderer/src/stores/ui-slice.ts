import type { StateCreator } from 'zustand/vanilla'
import type { UpdateStatus } from '../../../shared/contract/system'
import type { AppState } from './app-store'

export interface Toast {
  id: number
  text: string
  tone: 'info' | 'success' | 'warn' | 'error'
  /** Bold first line (notices from main have one). */
  title?: string
}

export interface UiSlice {
  toasts: Toast[]
  showToast(text: string, tone?: Toast['tone'], title?: string): void
  dismissToast(id: number): void
  /** The installed app's self-update (desktop); null until known. */
  updateStatus: UpdateStatus | null
  setUpdateStatus(status: UpdateStatus): void
}

/** At most this many toasts at once; the oldest goes first. */
const MAX_TOASTS = 3
let nextToastId = 1

/** `toasts` with new ones added at the end, capped (shared by showToast and the `notice` event). */
export function addToasts(toasts: readonly Toast[], added: readonly Omit<Toast, 'id'>[]): Toast[] {
  return [...toasts, ...added.map((toast) => ({ ...toast, id: nextToastId++ }))].slice(-MAX_TOASTS)
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  toasts: [],
  showToast: (text, tone = 'info', title) => set((state) => ({ toasts: addToasts(state.toasts, [{ text, tone, title }]) })),
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) })),
  updateStatus: null,
  setUpdateStatus: (updateStatus) => set({ updateStatus }),
})
