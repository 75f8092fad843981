import { useEffect, useState } from 'react'
import { api } from '../api'
import { useAppStore, useAppStoreShallow } from '../stores/use-app-store'

/**
 * The status bar's word on the installed app's self-update: "Update available — restart to install" once a new
 * version is downloaded, with the button disabled (and saying why) while authorizations run here. Nothing shows
 * while there is nothing to say (no update, updates off).
 */
export function UpdateNotice() {
  const { status, setStatus, busy } = useAppStoreShallow((state) => ({
    status: state.updateStatus,
    setStatus: state.setUpdateStatus,
    busy: (state.monitor?.slotsInUse ?? 0) > 0 || [...state.batchesById.values()].some((batch) => batch.state === 'running' || batch.state === 'paused'),
  }))
  const showToast = useAppStore((state) => state.showToast)
  const [installing, setInstalling] = useState(false)

  useEffect(() => {
    let live = true
    api.call('system:update').then(
      (value) => live && setStatus(value),
      () => undefined,
    )
    return () => {
      live = false
    }
  }, [setStatus])

  if (!status) return null
  if (status.state === 'error') {
    return (
      <span className="statusbar-item" title={status.message ?? ''}>
        Update check failed
      </span>
    )
  }
  if (status.state === 'downloading') {
    return (
      <span className="statusbar-item" role="status">
        Downloading update {status.version}
        {status.percent !== null ? ` (${status.percent} %)` : ''}…
      </span>
    )
  }
  if (status.state !== 'ready') return null

  const install = async () => {
    setInstalling(true)
    try {
      await api.call('system:installUpdate')
    } catch (error) {
      setInstalling(false)
      showToast(error instanceof Error ? error.message : String(error), 'warn', 'The update waits')
    }
  }
  return (
    <span className="statusbar-item statusbar-update" role="status">
      Update {status.version} available —{' '}
      <button
        type="button"
        className="link-button"
        disabled={busy || installing}
        title={busy ? 'Authorizations are running: restart once they are done, or the update installs when you quit with nothing running.' : undefined}
        onClick={() => void install()}
      >
        {installing ? 'Restarting…' : 'restart to install'}
      </button>
      {busy ? <span className="muted"> (after the running work)</span> : null}
    </span>
  )
}
