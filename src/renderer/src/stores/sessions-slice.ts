import type { StateCreator } from 'zustand/vanilla'
import type { BatchSummary, SessionPatch, SessionRow, SessionStatus } from '../../../shared/contract/sessions'
import type { AppState } from './app-store'

export interface SessionFilter {
  /** `''` = every batch. */
  batchId: string
  /** Empty = every status. */
  statuses: readonly SessionStatus[]
}

export interface SessionsLoad {
  state: 'idle' | 'loading' | 'loaded' | 'error'
  total: number | null
  error: string | null
}

/**
 * Authorization attempts, normalised: a Map by session id and the ids newest first. Pushed patches
 * merge into the Map (a new Map per batch window); a row component subscribes to its own entry, so
 * a session that changes re-renders alone.
 */
export interface SessionsSlice {
  sessionsById: ReadonlyMap<string, SessionRow>
  /** Newest first. */
  sessionIds: readonly string[]
  sessionsLoad: SessionsLoad
  sessionFilter: SessionFilter
  /** The sessions the table shows (derived by `createSessionViewDeriver`). */
  sessionVisibleIds: readonly string[]
  sessionSelection: ReadonlySet<string>
  sessionAnchor: string | null
  batchList: readonly BatchSummary[]
  /** Ids pushed without their full row (created before the page loaded them); fetched one by one. */
  sessionsIncomplete: ReadonlySet<string>
  startSessionLoad(): void
  /** `replace`: the first page of a new load; otherwise one more page. */
  putSessionPage(rows: readonly SessionRow[], total: number, replace: boolean): void
  finishSessionLoad(): void
  failSessionLoad(message: string): void
  putSession(row: SessionRow): void
  setSessionFilter(patch: Partial<SessionFilter>): void
  setSessionSelection(selection: ReadonlySet<string>, anchor?: string | null): void
  setBatchList(list: readonly BatchSummary[]): void
}

const REQUIRED_FIELDS = ['profileId', 'status', 'createdAt'] as const

/** Fills what a partial first patch lacks so the row can render until its full copy arrives. */
function provisionalRow(patch: SessionPatch): SessionRow {
  return {
    batchId: null,
    profileId: '',
    profileName: null,
    username: '',
    apiApp: '',
    status: 'pending',
    step: null,
    errorCode: null,
    errorMessage: null,
    attempt: 1,
    retryOf: null,
    xUserId: null,
    scopes: null,
    tokenStatus: null,
    expiresAt: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    completedAt: null,
    durationMs: null,
    hasScreenshot: false,
    deliveredToCallback: false,
    callbackAnswer: null,
    ...patch,
  }
}

/** Newest first; sessions created together (one batch) keep the order they arrived in (a stable sort). */
const newestFirst = (a: SessionRow, b: SessionRow) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)

/**
 * Merges pushed patches: known sessions are updated in place, new ones go to the front (newest
 * first). Returns null when nothing applies.
 */
export function applySessionPatches(
  state: Pick<SessionsSlice, 'sessionsById' | 'sessionIds' | 'sessionsIncomplete'>,
  patches: readonly SessionPatch[],
): Pick<SessionsSlice, 'sessionsById' | 'sessionIds' | 'sessionsIncomplete'> | null {
  if (patches.length === 0) return null
  const byId = new Map(state.sessionsById)
  const created: SessionRow[] = []
  let incomplete: Set<string> | null = null
  for (const patch of patches) {
    const previous = byId.get(patch.id)
    if (previous) {
      byId.set(patch.id, { ...previous, ...patch })
      continue
    }
    const row = provisionalRow(patch)
    byId.set(patch.id, row)
    created.push(row)
    if (REQUIRED_FIELDS.some((field) => patch[field] === undefined)) (incomplete ??= new Set(state.sessionsIncomplete)).add(patch.id)
  }
  const sessionIds = created.length ? [...created.sort(newestFirst).map((row) => row.id), ...state.sessionIds] : state.sessionIds
  return { sessionsById: byId, sessionIds, sessionsIncomplete: incomplete ?? state.sessionsIncomplete }
}

export const createSessionsSlice: StateCreator<AppState, [], [], SessionsSlice> = (set) => ({
  sessionsById: new Map(),
  sessionIds: [],
  sessionsLoad: { state: 'idle', total: null, error: null },
  sessionFilter: { batchId: '', statuses: [] },
  sessionVisibleIds: [],
  sessionSelection: new Set(),
  sessionAnchor: null,
  batchList: [],
  sessionsIncomplete: new Set(),
  startSessionLoad: () => set((state) => ({ sessionsLoad: { state: 'loading', total: state.sessionsLoad.total, error: null } })),
  putSessionPage: (rows, total, replace) =>
    set((state) => {
      const byId = replace ? new Map<string, SessionRow>() : new Map(state.sessionsById)
      const ids = replace ? [] : [...state.sessionIds]
      if (replace) {
        // Sessions pushed while the first page was on its way (newer than anything in it) stay.
        const newest = rows.length ? rows[0].createdAt : ''
        for (const id of state.sessionIds) {
          const row = state.sessionsById.get(id)
          if (!row || row.createdAt <= newest) break
          byId.set(id, row)
          ids.push(id)
        }
      }
      for (const row of rows) {
        if (!byId.has(row.id)) ids.push(row.id)
        byId.set(row.id, row)
      }
      return { sessionsById: byId, sessionIds: ids, sessionsLoad: { state: 'loading', total, error: null } }
    }),
  finishSessionLoad: () => set((state) => ({ sessionsLoad: { ...state.sessionsLoad, state: 'loaded' } })),
  failSessionLoad: (message) => set((state) => ({ sessionsLoad: { ...state.sessionsLoad, state: 'error', error: message } })),
  putSession: (row) =>
    set((state) => {
      const byId = new Map(state.sessionsById)
      const known = byId.has(row.id)
      byId.set(row.id, { ...row, ...pickNewer(byId.get(row.id), row) })
      const incomplete = new Set(state.sessionsIncomplete)
      incomplete.delete(row.id)
      return { sessionsById: byId, sessionIds: known ? state.sessionIds : [row.id, ...state.sessionIds], sessionsIncomplete: incomplete }
    }),
  setSessionFilter: (patch) => set((state) => ({ sessionFilter: { ...state.sessionFilter, ...patch }, sessionSelection: new Set() })),
  setSessionSelection: (sessionSelection, anchor) =>
    set((state) => ({ sessionSelection, sessionAnchor: anchor === undefined ? state.sessionAnchor : anchor })),
  setBatchList: (batchList) => set({ batchList }),
})

/** A fetched row can be older than patches that arrived meanwhile: keep the later status. */
function pickNewer(held: SessionRow | undefined, fetched: SessionRow): Partial<SessionRow> {
  if (!held) return {}
  const rank = (row: SessionRow) => (row.completedAt ? 3 : row.startedAt ? 2 : 1)
  return rank(held) > rank(fetched) ? held : {}
}
