import { useState } from 'react'
import type { HostView } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, plural } from '../../lib/format'

/**
 * Confirms "Release this host's profiles" for an offline host the operator knows is gone: its accounts go back to
 * the queue and its profiles to the other hosts at once, instead of after "host is dead after".
 */
export function ReleaseHostDialog({ host, onClose, onReleased }: { host: HostView; onClose(): void; onReleased(message: string): void }) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)
  const release = async () => {
    setBusy(true)
    setProblem(null)
    try {
      const result = await api.call('hosts:release', { hostId: host.hostId })
      onReleased(result.message)
    } catch (error) {
      setProblem(errorMessage(error))
      setBusy(false)
    }
  }
  return (
    <Dialog
      title={`Release the profiles of ${host.hostId}?`}
      onClose={onClose}
      busy={busy}
      problem={problem}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="button button-danger" onClick={() => void release()} disabled={busy}>
            {busy ? 'Releasing…' : 'Release profiles'}
          </button>
        </>
      }
    >
      <p>
        {host.hostId} holds {plural(host.profilesHeld, 'profile')} and has been silent since {new Date(host.heartbeatAt).toLocaleTimeString()}. Releasing
        puts the accounts it was running back in the queue and lets the other hosts start its profiles now.
      </p>
      <p className="muted">
        {host.launcher === 'cloud'
          ? 'Its cloud browsers are stopped in GoLogin first.'
          : 'With the GoLogin desktop app, a profile may still be open on that machine: close it there if the machine comes back.'}{' '}
        Only do this when that machine is really gone or stopped: a host that comes back keeps its hands off profiles other hosts hold.
      </p>
    </Dialog>
  )
}
