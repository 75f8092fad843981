import { useState } from 'react'
import { api } from '../../api'
import { errorMessage, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { OpenProfileDialog } from './OpenProfileDialog'

/** Sets accounts aside as "needs a manual fix", or clears the mark; toasts what happened. */
export async function setManualFix(profileIds: readonly string[], on: boolean): Promise<boolean> {
  const { showToast } = appStore.getState()
  try {
    if (on) {
      const { marked } = await api.call('triage:mark', { profileIds: [...profileIds] })
      showToast(`${plural(marked, 'account')} set aside as needing a manual fix; retries leave them out until you clear the mark.`, 'success', 'Needs a manual fix')
    } else {
      const { cleared } = await api.call('triage:clear', { profileIds: [...profileIds] })
      showToast(`${plural(cleared, 'account')} back in retries.`, 'success', 'Manual fix cleared')
    }
    return true
  } catch (error) {
    showToast(`Could not ${on ? 'set the accounts aside' : 'clear the mark'}: ${errorMessage(error)}`, 'error')
    return false
  }
}

/**
 * Bulk actions of a selection (profile grid, sessions): mark / clear "needs a manual fix", and open the one
 * selected profile for the operator to fix by hand.
 */
export function ManualFixActions({ profileIds }: { profileIds: readonly string[] }) {
  const [busy, setBusy] = useState(false)
  const [opening, setOpening] = useState<string | null>(null)
  const run = async (on: boolean) => {
    setBusy(true)
    await setManualFix(profileIds, on)
    setBusy(false)
  }
  const none = profileIds.length === 0
  return (
    <span className="manual-fix-actions" role="group" aria-label="Manual fix">
      <button type="button" className="button button-small" disabled={busy || none} onClick={() => run(true)} title="Leave the selected accounts out of retries until the mark is cleared">
        Needs a manual fix
      </button>
      <button type="button" className="button button-small" disabled={busy || none} onClick={() => run(false)} title="Let retries pick the selected accounts up again">
        Clear manual fix
      </button>
      <button
        type="button"
        className="button button-small"
        disabled={profileIds.length !== 1}
        onClick={() => setOpening(profileIds[0])}
        title={profileIds.length === 1 ? 'Start this profile in GoLogin so you can fix the account by hand (it holds a slot until you click Done)' : 'Select one account to open its profile'}
      >
        Open profile…
      </button>
      {opening ? <OpenProfileDialog profileId={opening} onClose={() => setOpening(null)} /> : null}
    </span>
  )
}
