import { useEffect, useState } from 'react'
import type { SessionRow } from '../../../../shared/contract/sessions'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'

/** The page the browser showed when the attempt failed. */
export function ScreenshotDialog({ session, onClose }: { session: SessionRow; onClose(): void }) {
  const [state, setState] = useState<{ url: string | null; error: string | null; loading: boolean }>({ url: null, error: null, loading: true })
  useEffect(() => {
    let live = true
    api.call('sessions:screenshot', { id: session.id }).then(
      ({ dataUrl }) => live && setState({ url: dataUrl, error: dataUrl ? null : 'No screenshot was kept for this attempt.', loading: false }),
      (error) => live && setState({ url: null, error: errorMessage(error), loading: false }),
    )
    return () => {
      live = false
    }
  }, [session.id])
  const who = session.username ? `@${session.username}` : session.profileId
  return (
    <Dialog title={`Screenshot — ${who}`} onClose={onClose} size="wide">
      {state.loading ? <p className="muted">Loading…</p> : null}
      {state.error ? <p className="form-problem">{state.error}</p> : null}
      {state.url ? <img className="screenshot" src={state.url} alt={`The browser page of ${who} when the attempt ended (${session.errorCode ?? session.status})`} /> : null}
    </Dialog>
  )
}
