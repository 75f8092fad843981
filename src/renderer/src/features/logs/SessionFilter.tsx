import { useEffect, useState } from 'react'
import type { SessionRow } from '../../../../shared/contract/sessions'
import { api } from '../../api'
import { formatClock } from '../../lib/format'
import { STATUS_LABELS } from '../../lib/labels'
import { useAppStore } from '../../stores/use-app-store'

/** Who a session is, in words: "@alice (Profile 7), attempt 2 at 14:03, failed". */
export function describeSession(row: Pick<SessionRow, 'username' | 'profileName' | 'profileId' | 'attempt' | 'startedAt' | 'createdAt' | 'status'>): string {
  const who = row.username ? `@${row.username}` : (row.profileName ?? `profile ${row.profileId}`)
  const profile = row.username && row.profileName ? ` (${row.profileName})` : ''
  const when = row.startedAt ?? row.createdAt
  return `${who}${profile}, attempt ${row.attempt}${when ? ` at ${formatClock(when)}` : ''}, ${STATUS_LABELS[row.status].toLowerCase()}`
}

/**
 * The session the Logs page is narrowed to (from a Sessions row's Logs link), named by its account rather than
 * its id, with a button to show every line again.
 */
export function SessionFilter({ sessionId, onClear }: { sessionId: string; onClear(): void }) {
  const known = useAppStore((state) => state.sessionsById.get(sessionId))
  const [fetched, setFetched] = useState<{ id: string; row: SessionRow | null } | null>(null)
  useEffect(() => {
    if (known) return
    let live = true
    api.call('sessions:get', { id: sessionId }).then(
      (row) => live && setFetched({ id: sessionId, row }),
      () => live && setFetched({ id: sessionId, row: null }),
    )
    return () => {
      live = false
    }
  }, [known, sessionId])
  const row = known ?? (fetched?.id === sessionId ? fetched.row : undefined)
  const text = row ? describeSession(row) : row === null ? 'not known to this panel' : 'loading…'
  return (
    <span className="session-filter" role="group" aria-label="Session filter" title={`Session ${sessionId}`}>
      <span className="session-filter-text">
        Session: <strong>{text}</strong>
      </span>
      <button type="button" className="link-button" onClick={onClear}>
        Show all sessions
      </button>
    </span>
  )
}
