import { useEffect, useRef, useState } from 'react'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'

type Phase = 'starting' | 'open' | 'closing' | 'failed'

/**
 * Open profile: the panel starts the profile through the GoLogin app (its window opens there) and holds one
 * slot for it, so batches run with one fewer, until the operator clicks Done.
 */
export function OpenProfileDialog({ profileId, onClose }: { profileId: string; onClose(): void }) {
  const profile = useAppStore((state) => state.profilesById.get(profileId))
  const [phase, setPhase] = useState<Phase>('starting')
  const [problem, setProblem] = useState<string | null>(null)
  const [clearMark, setClearMark] = useState(true)
  const opened = useRef(false)

  useEffect(() => {
    let current = true
    api.call('triage:open', { profileId }).then(
      () => {
        opened.current = true
        if (current) setPhase('open')
        // Closed while it was starting: stop it at once.
        else void api.call('triage:done', { profileId }).catch(() => undefined)
      },
      (error: unknown) => {
        if (!current) return
        setProblem(errorMessage(error))
        setPhase('failed')
      },
    )
    return () => {
      current = false
      // Unmounted while open (the page changed under it): never leave the profile holding a slot.
      if (opened.current) void api.call('triage:done', { profileId }).catch(() => undefined)
      opened.current = false
    }
  }, [profileId])

  const done = async (clear: boolean) => {
    if (!opened.current) {
      // Still waiting for a slot or starting: give the start up (main stops it once it settles).
      if (phase === 'starting') void api.call('triage:done', { profileId }).catch(() => undefined)
      onClose()
      return
    }
    setPhase('closing')
    try {
      const result = await api.call('triage:done', { profileId, clearMark: clear })
      opened.current = false
      appStore.getState().showToast(`Profile closed${result.cleared ? '; the account is back in retries' : ''}.`, 'success', 'Manual fix done')
      onClose()
    } catch (error) {
      setProblem(errorMessage(error))
      setPhase('open')
    }
  }

  const name = profile ? `${profile.name}${profile.username ? ` (@${profile.username})` : ''}` : profileId
  const footer =
    phase === 'failed' ? (
      <button type="button" className="button" onClick={onClose}>
        Close
      </button>
    ) : (
      <button type="button" className="button button-primary" disabled={phase !== 'open'} onClick={() => done(Boolean(profile?.manualFixSince) && clearMark)}>
        {phase === 'closing' ? 'Closing…' : 'Done'}
      </button>
    )
  return (
    <Dialog title={`Open profile — ${name}`} onClose={() => void done(false)} footer={footer} busy={phase === 'closing'} problem={problem}>
      {phase === 'starting' ? <p role="status">Starting the profile (waiting for a free slot if all are busy)…</p> : null}
      {phase === 'open' || phase === 'closing' ? (
        <>
          <p className="dialog-summary" role="status">
            The profile is open in the GoLogin app. Fix the account there by hand (log in, unlock it, answer X’s checks), then click Done: the
            panel stops the profile and frees its slot.
          </p>
          <p className="muted">It holds one profile slot until then; batches run with one fewer.</p>
          {profile?.manualFixSince ? (
            <label className="check-line">
              <input type="checkbox" checked={clearMark} onChange={(event) => setClearMark(event.target.checked)} />
              Fixed: clear “Needs a manual fix” so retries pick the account up again
            </label>
          ) : null}
        </>
      ) : null}
    </Dialog>
  )
}
