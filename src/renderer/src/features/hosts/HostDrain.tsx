import { useState } from 'react'
import type { DrainAction, HostView } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { errorMessage, plural } from '../../lib/format'

/** What a host's drain looks like on the Hosts page: this host's own state is known at once, another's from its heartbeat. */
export interface DrainView {
  draining: HostView['draining']
  request: HostView['drainRequest']
}

const REQUESTED: Record<DrainAction, string> = {
  drain: 'drain requested…',
  drain_exit: 'drain and stop requested…',
  resume: 'resume requested…',
}

/** "draining since 13:02 · finishing 2 · stops when empty", or the request it has not taken yet. */
export function DrainNote({ view, running }: { view: DrainView; running: number }) {
  if (view.request) {
    return (
      <div className="hosts-drain" role="note">
        {REQUESTED[view.request]}
      </div>
    )
  }
  if (!view.draining) return null
  const since = view.draining.since ? ` since ${new Date(view.draining.since).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : ''
  const left = running > 0 ? `finishing ${plural(running, 'authorization')}` : 'nothing left to finish'
  return (
    <div className="hosts-drain" role="note">
      <strong>draining</strong>
      {since} · {left}
      {view.draining.exitWhenEmpty ? ' · stops when empty' : ''}
    </div>
  )
}

/**
 * Drain (finish what runs, claim nothing more), Drain and stop (a worker exits once empty) or Resume, for any online
 * host: this one at once, another with its next heartbeat. `onDone` gets the sentence of what happened.
 */
export function DrainActions({ hostId, kind, view, onDone }: { hostId: string; kind: HostView['kind']; view: DrainView; onDone(message: string, failed?: boolean): void }) {
  const [busy, setBusy] = useState(false)
  const act = async (action: DrainAction) => {
    setBusy(true)
    try {
      onDone((await api.call('hosts:drain', { hostId, action })).message)
    } catch (error) {
      onDone(`Could not ${action === 'resume' ? 'resume' : 'drain'} ${hostId}: ${errorMessage(error)}`, true)
    } finally {
      setBusy(false)
    }
  }
  const draining = view.request ? view.request !== 'resume' : view.draining !== null
  return (
    <div className="hosts-actions">
      {draining ? (
        <button type="button" className="button button-small" disabled={busy} onClick={() => void act('resume')} title="Claim work again">
          Resume
        </button>
      ) : (
        <>
          <button
            type="button"
            className="button button-small"
            disabled={busy}
            onClick={() => void act('drain')}
            title="Finish what it runs and claim nothing more (before maintenance); queued accounts go to the other hosts"
          >
            Drain
          </button>
          {kind === 'worker' ? (
            <button type="button" className="button button-small" disabled={busy} onClick={() => void act('drain_exit')} title="Drain, then stop the worker once nothing runs">
              Drain and stop
            </button>
          ) : null}
        </>
      )}
    </div>
  )
}
