import type { PartialHandlerMap } from '../ipc/router'
import type { SessionQueries } from '../services/automation/session-queries'

/** The Sessions page: newest-first pages with filters, one session, its screenshot, the batches known. */
export function sessionsHandlers(sessions: SessionQueries): PartialHandlerMap<'sessions:list' | 'sessions:get' | 'sessions:screenshot' | 'sessions:batches'> {
  return {
    'sessions:list': (query) => sessions.list(query),
    'sessions:get': ({ id }) => sessions.get(id),
    'sessions:screenshot': ({ id }) => sessions.screenshot(id),
    'sessions:batches': ({ limit }) => sessions.batches(limit),
  }
}
