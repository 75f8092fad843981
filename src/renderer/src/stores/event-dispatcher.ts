import type { LogEntry } from '../../../shared/contract/logs'
import type { EventBatch, EventChannel, EventItem } from '../../../shared/ipc-contract'
import type { AppState, AppStore } from './app-store'
import { appendLogLines } from './logs-slice'
import { applyProfilePatches } from './profiles-slice'
import { applySessionPatches } from './sessions-slice'
import { addToasts } from './ui-slice'

/** How one event channel's items change the state; pure, returns only the changed fields. */
export type ChannelReducer<E extends EventChannel> = (state: AppState, items: EventItem<E>[]) => Partial<AppState>
export type ChannelReducers = { [E in EventChannel]: ChannelReducer<E> }

const NOTICE_TONES = { info: 'info', warn: 'warn', error: 'error' } as const

export const channelReducers: ChannelReducers = {
  logs: (state, items) => ({ logEntries: appendLogLines(state.logEntries, newerLines(state.logEntries, items), state.logCap) }),
  profiles: (state, items) => applyProfilePatches(state.profilesById, state.profileFieldVersions, items) ?? {},
  'profiles:reload': (state) => ({ profilesReloadToken: state.profilesReloadToken + 1 }),
  sync: (_state, items) => ({ syncProgress: items[items.length - 1] }),
  sessions: (state, items) => applySessionPatches(state, items) ?? {},
  progress: (state, items) => {
    const batchesById = new Map(state.batchesById)
    for (const item of items) batchesById.set(item.id, { ...batchesById.get(item.id), ...item })
    return { batchesById }
  },
  monitor: (_state, items) => ({ monitor: items[items.length - 1] }),
  notice: (state, items) => ({
    toasts: addToasts(
      state.toasts,
      items.map((notice) => ({ title: notice.title, text: notice.body, tone: NOTICE_TONES[notice.level] ?? 'info' })),
    ),
  }),
  settings: (_state, items) => ({ settingsView: items[items.length - 1], settingsError: null }),
  update: (_state, items) => ({ updateStatus: items[items.length - 1] }),
}

/**
 * A line can arrive twice: in the `logs:recent` snapshot and in the next pushed batch. Sequence
 * numbers only grow within a panel run (a restart is handled by the snapshot after reconnecting).
 */
function newerLines(entries: LogEntry[], items: LogEntry[]): LogEntry[] {
  const lastSeq = entries.length ? entries[entries.length - 1].seq : 0
  return items.length && items[0].seq <= lastSeq ? items.filter((item) => item.seq > lastSeq) : items
}

/**
 * Turns pushed messages into store updates: every channel in one message is applied in a single
 * `setState`, so subscribers re-render once per batch window rather than once per item.
 */
export function createEventDispatcher(store: AppStore, reducers: ChannelReducers = channelReducers): (batches: EventBatch[]) => void {
  return (batches) => {
    const known = batches.filter((batch) => Object.prototype.hasOwnProperty.call(reducers, batch.channel) && batch.items.length > 0)
    if (known.length === 0) return
    store.setState((state) => {
      let next = state
      for (const batch of known) {
        const reducer = reducers[batch.channel] as ChannelReducer<EventChannel>
        next = { ...next, ...reducer(next, batch.items) }
      }
      return next
    })
  }
}
