import type { StateCreator } from 'zustand/vanilla'
import type { AppState } from './app-store'
import { FACET_FIELDS, SORT_FIELDS, filterFieldsFor, filterProfileIds, profileFacets, sameIds, sortProfileIds } from './profile-view'
import { fieldsVersion } from './profiles-slice'

/**
 * Keeps `profileSortedIds`, `profileVisibleIds` and `profileFacets` in step with the rows, the
 * filters and the sort. Each is recomputed only when what it reads changed: a status patch does
 * not re-sort rows sorted by name, a keystroke in search only refilters the sorted ids.
 */
export function createProfileViewDeriver(): (state: AppState) => Partial<AppState> | null {
  let sortInputs: unknown[] = []
  let filterInputs: unknown[] = []
  let facetVersion = -1

  return (state) => {
    const changes: Partial<AppState> = {}
    const sortFields = SORT_FIELDS[state.profileSort.column] ?? []
    const nextSortInputs = [state.profileIds, state.profileSort, fieldsVersion(state.profileFieldVersions, sortFields)]
    let sortedIds = state.profileSortedIds
    if (!sameInputs(sortInputs, nextSortInputs)) {
      sortInputs = nextSortInputs
      sortedIds = sortProfileIds(state.profilesById, state.profileIds, state.profileSort)
      changes.profileSortedIds = sortedIds
    }
    const nextFilterInputs = [sortedIds, state.profileFilter, fieldsVersion(state.profileFieldVersions, filterFieldsFor(state.profileFilter))]
    if (!sameInputs(filterInputs, nextFilterInputs)) {
      filterInputs = nextFilterInputs
      const visible = filterProfileIds(state.profilesById, sortedIds, state.profileFilter)
      if (!sameIds(visible, state.profileVisibleIds)) changes.profileVisibleIds = visible
    }
    const nextFacetVersion = fieldsVersion(state.profileFieldVersions, FACET_FIELDS)
    if (nextFacetVersion !== facetVersion) {
      facetVersion = nextFacetVersion
      const facets = profileFacets(state.profilesById)
      const held = state.profileFacets
      if (
        !sameIds(facets.apiApps, held.apiApps) ||
        !sameIds(facets.folders, held.folders) ||
        !sameIds(facets.tags, held.tags) ||
        !sameIds(facets.tokenApps, held.tokenApps)
      ) {
        changes.profileFacets = facets
      }
    }
    return Object.keys(changes).length ? changes : null
  }
}

/** The Sessions table's rows: the loaded sessions (newest first) that pass the batch and status filters. */
export function createSessionViewDeriver(): (state: AppState) => Partial<AppState> | null {
  let inputs: unknown[] = []
  return (state) => {
    const { batchId, statuses } = state.sessionFilter
    const filtering = Boolean(batchId) || statuses.length > 0
    const next = [state.sessionIds, state.sessionFilter, filtering ? state.sessionsById : null]
    if (sameInputs(inputs, next)) return null
    inputs = next
    let visible: readonly string[] = state.sessionIds
    if (filtering) {
      const wanted = new Set(statuses)
      const list: string[] = []
      for (const id of state.sessionIds) {
        const row = state.sessionsById.get(id)
        if (row && (!batchId || row.batchId === batchId) && (wanted.size === 0 || wanted.has(row.status))) list.push(id)
      }
      visible = list
    }
    return sameIds(visible, state.sessionVisibleIds) ? null : { sessionVisibleIds: visible }
  }
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}

/**
 * Store middleware: every `setState` (a slice action or a whole batch of pushed events) also
 * brings the derived views (profiles grid, sessions table) up to date in the same update, so
 * subscribers are notified once.
 */
export function withDerivedViews(config: StateCreator<AppState>): StateCreator<AppState> {
  return (set, get, api) => {
    const derivers = [createProfileViewDeriver(), createSessionViewDeriver()]
    const derive = (state: AppState): Partial<AppState> | null => {
      let changes: Partial<AppState> = {}
      let changed = false
      for (const deriver of derivers) {
        const more = deriver(changed ? { ...state, ...changes } : state)
        if (more) {
          changes = { ...changes, ...more }
          changed = true
        }
      }
      return changed ? changes : null
    }
    const setDerived: typeof set = (partial, replace) =>
      set((state) => {
        const patch = typeof partial === 'function' ? partial(state) : partial
        if (patch === state) return state
        const next = (replace ? patch : { ...state, ...(patch as Partial<AppState>) }) as AppState
        const changes = derive(next)
        return changes ? { ...next, ...changes } : next
      }, replace as false)
    api.setState = setDerived
    const initial = config(setDerived, get, api)
    return { ...initial, ...derive(initial) }
  }
}
