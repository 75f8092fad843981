import { useState } from 'react'
import type { UnstoppedProfile } from '../../../../shared/contract/monitor'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatClock, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'

/**
 * Profiles whose stop GoLogin has not confirmed: each keeps its slot and is stopped again with back-off.
 * The status bar says how many; the dialog lists them with "stopping… retry n" and lets the operator give
 * up on one (after closing it in GoLogin by hand), which frees its slot.
 */
export function UnstoppedProfilesItem() {
  const count = useAppStore((state) => state.monitor?.unstoppedProfiles.length ?? 0)
  const [open, setOpen] = useState(false)
  return (
    <>
      {count > 0 ? (
        <button type="button" className="link-button statusbar-item statusbar-alert alert-warn" onClick={() => setOpen(true)}>
          ⚠ {plural(count, 'profile')} not stopped
        </button>
      ) : null}
      {/* Stays open when the list empties, so the operator sees the outcome of a Give up or a late stop. */}
      {open ? <UnstoppedDialog onClose={() => setOpen(false)} /> : null}
    </>
  )
}

const NONE: UnstoppedProfile[] = []

function UnstoppedDialog({ onClose }: { onClose(): void }) {
  const profiles = useAppStore((state) => state.monitor?.unstoppedProfiles ?? NONE)
  const names = useAppStore((state) => state.profilesById)
  const [busy, setBusy] = useState<string | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const giveUp = async (profileId: string) => {
    setBusy(profileId)
    setProblem(null)
    try {
      await api.call('slots:giveUp', { profileId })
      appStore.getState().showToast('Its slot is free again. Close the profile in GoLogin if it still runs.', 'info', 'Gave up stopping the profile')
    } catch (error) {
      setProblem(errorMessage(error))
    } finally {
      setBusy(null)
    }
  }
  const footer = (
    <button type="button" className="button" onClick={onClose}>
      Close
    </button>
  )
  return (
    <Dialog title="Profiles not confirmed stopped" onClose={onClose} footer={footer} size="wide" problem={problem}>
      <p className="dialog-summary">
        GoLogin has not confirmed that these profiles stopped, so their browsers may still run. Each keeps its slot and is stopped
        again automatically. Give up on one only after closing it in GoLogin yourself.
      </p>
      {profiles.length === 0 ? <p>All profiles are stopped now.</p> : null}
      <ul className="unstopped-list" aria-label="Profiles not confirmed stopped">
        {profiles.map((profile) => {
          const name = names.get(profile.profileId)?.name ?? profile.profileId
          return (
            <li key={profile.profileId} aria-label={name}>
              <div>
                <strong>{name}</strong> — stopping… retry {profile.stopAttempts}
                {profile.nextStopAt ? <span className="muted"> · next try {formatClock(profile.nextStopAt)}</span> : null}
                {profile.lastStopError ? <div className="muted">{profile.lastStopError}</div> : null}
              </div>
              <button type="button" className="button button-small" onClick={() => giveUp(profile.profileId)} disabled={busy !== null}>
                {busy === profile.profileId ? 'Giving up…' : 'Give up'}
              </button>
            </li>
          )
        })}
      </ul>
    </Dialog>
  )
}
