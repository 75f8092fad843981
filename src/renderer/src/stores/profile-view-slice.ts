import type { StateCreator } from 'zustand/vanilla'
import type { AppTokenWant } from '../../../shared/app-tokens'
import type { SessionStatus } from '../../../shared/contract/sessions'
import type { AppState } from './app-store'

/** `none` = no attempt yet; `''` = any status. */
export type StatusFilter = SessionStatus | 'none' | ''
/** `''` = any; `NONE` = rows without a value. */
export const NONE = '\u0000none'
/** `''` = active and inactive profiles. */
export type ActiveFilter = '' | 'active' | 'inactive'
/** `''` = any; else `want:app` (e.g. `needs:AIOTT1`; app names have no colon). */
export type AppTokenFilter = '' | `${AppTokenWant}:${string}`

export function appTokenFilter(want: AppTokenWant, app: string): AppTokenFilter {
  return `${want}:${app}`
}

export function parseAppTokenFilter(value: AppTokenFilter): { want: AppTokenWant; app: string } | null {
  const colon = value.indexOf(':')
  if (colon < 0) return null
  const want = value.slice(0, colon)
  return want === 'valid' || want === 'needs' ? { want, app: value.slice(colon + 1) } : null
}

export interface ProfileFilter {
  search: string
  status: StatusFilter
  apiApp: string
  folder: string
  tag: string
  /** No successful authorization ever (whatever the last attempt did). */
  neverAuthorized: boolean
  /** A token that expires within the next hour, or has expired. */
  tokenExpiring: boolean
  /** Profiles still in the GoLogin account (active), or those gone from it (inactive). */
  active: ActiveFilter
  /** The account's token for one API app: valid, or needing authorization. */
  appToken: AppTokenFilter
  /** Set aside as "needs a manual fix". */
  manualFix: boolean
}

export const EMPTY_PROFILE_FILTER: ProfileFilter = {
  search: '',
  status: '',
  apiApp: '',
  folder: '',
  tag: '',
  neverAuthorized: false,
  tokenExpiring: false,
  active: '',
  appToken: '',
  manualFix: false,
}

/** Typing in search waits this long for the next key before the 40,000 rows are refiltered. */
export const SEARCH_DEBOUNCE_MS = 40

export interface ProfileSort {
  column: string
  desc: boolean
}

export interface ProfileFacets {
  apiApps: readonly string[]
  folders: readonly string[]
  tags: readonly string[]
  /** API apps some account holds a token (or a pass-through delivery) for. */
  tokenApps: readonly string[]
}

/**
 * Grid filters, sort and selection (kept in the store so they survive switching pages), and the
 * view derived from them by `attachProfileView` (sorted ids, visible ids, filter menu values).
 */
export interface ProfileViewSlice {
  profileFilter: ProfileFilter
  /** What the search box shows (the filter follows it after a short pause in typing). */
  profileSearchDraft: string
  profileSort: ProfileSort
  /** Selected profile ids; independent of the filters (a hidden row stays selected). */
  profileSelection: ReadonlySet<string>
  /** Where a Shift-click range starts. */
  profileAnchor: string | null
  /** Every profile id in the current sort order. */
  profileSortedIds: readonly string[]
  /** The ids that pass the filters, in sort order: the grid's rows. */
  profileVisibleIds: readonly string[]
  profileFacets: ProfileFacets
  setProfileFilter(patch: Partial<ProfileFilter>): void
  /** Search box input: shown at once, applied after `SEARCH_DEBOUNCE_MS` (at once when cleared). */
  setProfileSearch(text: string): void
  clearProfileFilters(): void
  setProfileSort(sort: ProfileSort): void
  setProfileSelection(selection: ReadonlySet<string>, anchor?: string | null): void
}

export const createProfileViewSlice: StateCreator<AppState, [], [], ProfileViewSlice> = (set) => {
  let searchTimer: ReturnType<typeof setTimeout> | null = null
  const applySearch = (search: string) => set((state) => ({ profileFilter: { ...state.profileFilter, search } }))
  const cancelSearch = () => {
    if (searchTimer) clearTimeout(searchTimer)
    searchTimer = null
  }
  return {
    profileFilter: EMPTY_PROFILE_FILTER,
    profileSearchDraft: '',
    profileSort: { column: 'name', desc: false },
    profileSelection: new Set(),
    profileAnchor: null,
    profileSortedIds: [],
    profileVisibleIds: [],
    profileFacets: { apiApps: [], folders: [], tags: [], tokenApps: [] },
    setProfileFilter: (patch) => set((state) => ({ profileFilter: { ...state.profileFilter, ...patch } })),
    setProfileSearch: (text) => {
      cancelSearch()
      set({ profileSearchDraft: text })
      if (text.trim() === '') applySearch('')
      else searchTimer = setTimeout(() => applySearch(text), SEARCH_DEBOUNCE_MS)
    },
    clearProfileFilters: () => {
      cancelSearch()
      set({ profileFilter: EMPTY_PROFILE_FILTER, profileSearchDraft: '' })
    },
    setProfileSort: (profileSort) => set({ profileSort }),
    setProfileSelection: (profileSelection, anchor) =>
      set((state) => ({ profileSelection, profileAnchor: anchor === undefined ? state.profileAnchor : anchor })),
  }
}
