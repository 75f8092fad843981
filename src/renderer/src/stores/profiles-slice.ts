import type { StateCreator } from 'zustand/vanilla'
import type { ProfilePatch, ProfileRow, SyncProgress } from '../../../shared/contract/profiles'
import type { AppState } from './app-store'

export type ProfileField = keyof ProfileRow

export interface ProfilesLoad {
  state: 'idle' | 'loading' | 'loaded' | 'error'
  /** Rows received in the current load. */
  loaded: number
  total: number | null
  error: string | null
}

/**
 * All profiles in normalised form: a Map by GoLogin profile id plus the panel's order. Views
 * (filter, sort) are derived in the page; `profileFieldVersions` tells them which fields changed
 * since they last looked, so a status update does not re-sort 40,000 rows sorted by name.
 */
export interface ProfilesSlice {
  profilesById: ReadonlyMap<string, ProfileRow>
  profileIds: readonly string[]
  profilesLoad: ProfilesLoad
  /** Per field, a counter bumped whenever any row's value of that field may have changed. */
  profileFieldVersions: Readonly<Record<string, number>>
  /** Bumped by a `profiles:reload` event; the loader reloads when it changes. */
  profilesReloadToken: number
  syncProgress: SyncProgress | null
  startProfileLoad(): void
  /** Merges one page of `profiles:list` (rows replace older copies of themselves). */
  mergeProfilePage(rows: readonly ProfileRow[], total: number): void
  /** The load is complete: rows not in `ids` are gone from GoLogin's list, `ids` is the new order. */
  finishProfileLoad(ids: readonly string[]): void
  failProfileLoad(message: string): void
  /** An answer from `profiles:updateMapping`. */
  putProfile(row: ProfileRow): void
  setSyncProgress(progress: SyncProgress | null): void
}

/** Marks every field as changed (a page or a reload may change anything). */
export const ALL_FIELDS = '*'

export function bumpFields(versions: Readonly<Record<string, number>>, fields: Iterable<string>): Record<string, number> {
  const next = { ...versions }
  for (const field of fields) next[field] = (next[field] ?? 0) + 1
  return next
}

/** The version a view depending on `fields` must watch (all-field bumps count for every field). */
export function fieldsVersion(versions: Readonly<Record<string, number>>, fields: readonly string[]): number {
  let sum = versions[ALL_FIELDS] ?? 0
  for (const field of fields) sum += versions[field] ?? 0
  return sum
}

/**
 * Applies keyed patches. Patches for profiles the renderer has never seen are ignored (the next
 * reload brings them in full). Unchanged input gives back the same Map.
 */
export function applyProfilePatches(
  current: ReadonlyMap<string, ProfileRow>,
  versions: Readonly<Record<string, number>>,
  patches: readonly ProfilePatch[],
): { profilesById: ReadonlyMap<string, ProfileRow>; profileFieldVersions: Readonly<Record<string, number>> } | null {
  let next: Map<string, ProfileRow> | null = null
  const touched = new Set<string>()
  for (const patch of patches) {
    const previous = (next ?? current).get(patch.id)
    if (!previous) continue
    next ??= new Map(current)
    next.set(patch.id, { ...previous, ...patch })
    for (const key of Object.keys(patch)) if (key !== 'id') touched.add(key)
  }
  if (!next) return null
  return { profilesById: next, profileFieldVersions: bumpFields(versions, touched) }
}

export const createProfilesSlice: StateCreator<AppState, [], [], ProfilesSlice> = (set) => ({
  profilesById: new Map(),
  profileIds: [],
  profilesLoad: { state: 'idle', loaded: 0, total: null, error: null },
  profileFieldVersions: {},
  profilesReloadToken: 0,
  syncProgress: null,
  startProfileLoad: () => set((state) => ({ profilesLoad: { state: 'loading', loaded: 0, total: state.profilesLoad.total, error: null } })),
  mergeProfilePage: (rows, total) =>
    set((state) => {
      const next = new Map(state.profilesById)
      const added: string[] = []
      for (const row of rows) {
        if (!next.has(row.id)) added.push(row.id)
        next.set(row.id, row)
      }
      return {
        profilesById: next,
        // New rows show at once (progressive load); the final order comes with finishProfileLoad.
        profileIds: added.length ? [...state.profileIds, ...added] : state.profileIds,
        profileFieldVersions: bumpFields(state.profileFieldVersions, [ALL_FIELDS]),
        profilesLoad: { state: 'loading', loaded: state.profilesLoad.loaded + rows.length, total, error: null },
      }
    }),
  finishProfileLoad: (ids) =>
    set((state) => {
      let profilesById = state.profilesById
      if (ids.length !== state.profilesById.size) {
        const kept = new Map<string, ProfileRow>()
        for (const id of ids) {
          const row = state.profilesById.get(id)
          if (row) kept.set(id, row)
        }
        profilesById = kept
      }
      return {
        profilesById,
        profileIds: [...ids],
        profileFieldVersions: bumpFields(state.profileFieldVersions, [ALL_FIELDS]),
        profilesLoad: { state: 'loaded', loaded: ids.length, total: ids.length, error: null },
      }
    }),
  failProfileLoad: (message) => set((state) => ({ profilesLoad: { ...state.profilesLoad, state: 'error', error: message } })),
  putProfile: (row) =>
    set((state) => {
      if (!state.profilesById.has(row.id)) return {}
      const next = new Map(state.profilesById)
      next.set(row.id, row)
      return { profilesById: next, profileFieldVersions: bumpFields(state.profileFieldVersions, [ALL_FIELDS]) }
    }),
  setSyncProgress: (syncProgress) => set({ syncProgress }),
})
