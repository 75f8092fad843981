import type { LogEntry } from '../../../shared/contract/logs'
import type { EventBatch, EventChannel, EventItem } from '../../../shared/ipc-contract'
import type { AppState, AppStore } from './app-store'
import { appendLogLines } from './logs-slice'

/** How one event channel's items change the state; pure, returns only the changed fields. */
export type ChannelReducer<E extends EventChannel> = (state: AppState, items: EventItem<E>[]) => Partial<AppState>
export type ChannelReducers = { [E in EventChannel]: ChannelReducer<E> }

export const channelReducers: ChannelReducers = {
  logs: (state, items) => ({ logEntries: appendLogLines(state.logEntries, newerLines(state.logEntries, items), state.logCap) }),
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
