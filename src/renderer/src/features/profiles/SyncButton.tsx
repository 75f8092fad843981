import { useState } from 'react'
import { api } from '../../api'
import { errorMessage, formatCount, formatDateTime, formatRelative } from '../../lib/format'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'

/** "Sync now", with the running sync's progress (pushed on the `sync` event) in place of its label. */
export function SyncButton() {
  const sync = useAppStore((state) => state.syncProgress)
  const [asking, setAsking] = useState(false)
  const running = Boolean(sync?.running)

  const start = async () => {
    setAsking(true)
    try {
      appStore.getState().setSyncProgress(await api.call('profiles:sync', {}))
    } catch (error) {
      appStore.getState().showToast(`Could not start the sync: ${errorMessage(error)}`, 'error')
    } finally {
      setAsking(false)
    }
  }

  const percent = sync?.running && sync.total ? Math.min(100, Math.round((sync.fetched / sync.total) * 100)) : null
  const title = sync?.error
    ? `Last sync failed: ${sync.error}`
    : sync?.finishedAt
      ? `Last sync ${formatDateTime(sync.finishedAt)}: ${formatCount(sync.added)} added, ${formatCount(sync.updated)} updated, ${formatCount(sync.deactivated)} gone`
      : 'Fetch every profile from GoLogin now'

  return (
    <span className="sync-control">
      <button type="button" className="button" onClick={start} disabled={running || asking} title={title} aria-describedby="sync-state">
        {running ? 'Syncing…' : 'Sync now'}
      </button>
      <span id="sync-state" className={`sync-state${sync?.error ? ' text-error' : ''}`} role="status" aria-label="Sync">
        {running ? (
          <>
            <span className="mini-progress" aria-hidden="true">
              <span style={{ width: `${percent ?? 5}%` }} />
            </span>
            {sync?.total ? `${formatCount(sync.fetched)} / ${formatCount(sync.total)}` : `${formatCount(sync?.fetched ?? 0)} fetched`}
          </>
        ) : sync?.error ? (
          'Last sync failed'
        ) : sync?.finishedAt ? (
          `Synced ${formatRelative(sync.finishedAt)}`
        ) : null}
      </span>
    </span>
  )
}
