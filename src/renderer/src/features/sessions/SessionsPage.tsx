import { useMemo, useState } from 'react'
import { FAILED_STATUSES, RETRYABLE_STATUSES, SESSION_STATUSES, type SessionRow, type SessionStatus } from '../../../../shared/contract/sessions'
import { EmptyState } from '../../components/EmptyState'
import { PageHeader } from '../../components/PageHeader'
import { formatClock, formatCount, plural } from '../../lib/format'
import { STATUS_LABELS } from '../../lib/labels'
import { useAppStore, useAppStoreShallow } from '../../stores/use-app-store'
import { BatchControls } from '../batches/BatchControls'
import { RetryDialog, type RetryTarget } from '../batches/RetryDialog'
import { isLive, pickBatch } from '../batches/batch-view'
import { ManualFixActions } from '../triage/ManualFixActions'
import { ScreenshotDialog } from './ScreenshotDialog'
import { SessionGrid } from './SessionGrid'

export function SessionsPage() {
  const s = useAppStoreShallow((state) => ({
    filter: state.sessionFilter,
    visible: state.sessionVisibleIds.length,
    loaded: state.sessionIds.length,
    load: state.sessionsLoad,
    batchList: state.batchList,
    setFilter: state.setSessionFilter,
  }))
  const [screenshot, setScreenshot] = useState<SessionRow | null>(null)
  const actions = useMemo(() => ({ onScreenshot: setScreenshot }), [])
  const filtering = Boolean(s.filter.batchId) || s.filter.statuses.length > 0

  const subtitle = s.load.state === 'loading' && s.loaded === 0 ? 'Loading…' : filtering ? `${formatCount(s.visible)} of ${plural(s.loaded, 'attempt')}` : plural(s.loaded, 'attempt')

  const toggleStatus = (status: SessionStatus) => {
    const statuses = s.filter.statuses.includes(status) ? s.filter.statuses.filter((item) => item !== status) : [...s.filter.statuses, status]
    s.setFilter({ statuses })
  }

  return (
    <div className="sessions-page">
      <PageHeader title="Sessions" subtitle={subtitle}>
        <div className="page-actions">
          <LiveBatchControls batchId={s.filter.batchId} />
          <RetryButton />
        </div>
      </PageHeader>
      <div className="grid-toolbar" role="toolbar" aria-label="Session filters">
        <select className={`filter-select batch-select${s.filter.batchId ? ' is-set' : ''}`} aria-label="Batch" value={s.filter.batchId} onChange={(event) => s.setFilter({ batchId: event.target.value })}>
          <option value="">All batches</option>
          {s.filter.batchId && !s.batchList.some((batch) => batch.batchId === s.filter.batchId) ? <option value={s.filter.batchId}>{s.filter.batchId}</option> : null}
          {s.batchList.map((batch) => (
            <option key={batch.batchId} value={batch.batchId}>
              {batch.apiApp} · {formatClock(batch.createdAt)} · {plural(batch.total, 'account')}
              {batch.failed ? ` · ${formatCount(batch.failed)} failed` : ''}
            </option>
          ))}
        </select>
        <div className="chip-group" role="group" aria-label="Statuses">
          {SESSION_STATUSES.map((status) => (
            <button key={status} type="button" className={`toggle-chip status-toggle-${status}`} aria-pressed={s.filter.statuses.includes(status)} onClick={() => toggleStatus(status)}>
              {STATUS_LABELS[status]}
            </button>
          ))}
        </div>
        {filtering ? (
          <button type="button" className="link-button" onClick={() => s.setFilter({ batchId: '', statuses: [] })}>
            Clear filters
          </button>
        ) : null}
      </div>
      <SelectionLine />
      <div className="grid-wrap">
        <SessionGrid actions={actions} empty={<SessionsEmpty filtering={filtering} error={s.load.state === 'error' ? s.load.error : null} loading={s.load.state === 'loading'} />} />
      </div>
      {screenshot ? <ScreenshotDialog session={screenshot} onClose={() => setScreenshot(null)} /> : null}
    </div>
  )
}

function SelectionLine() {
  const { selection, setSelection, byId } = useAppStoreShallow((state) => ({ selection: state.sessionSelection, setSelection: state.setSessionSelection, byId: state.sessionsById }))
  const profileIds = useMemo(() => [...new Set([...selection].flatMap((id) => byId.get(id)?.profileId ?? []))], [selection, byId])
  if (selection.size === 0) return null
  return (
    <div className="selection-bar">
      <span className="selection-count" role="status" aria-label="Selection">
        {plural(selection.size, 'session')} selected
      </span>
      <button type="button" className="link-button" onClick={() => setSelection(new Set(), null)}>
        Clear selection
      </button>
      <span className="selection-spacer" />
      <ManualFixActions profileIds={profileIds} />
    </div>
  )
}

function LiveBatchControls({ batchId }: { batchId: string }) {
  const { batches, dismissed } = useAppStoreShallow((state) => ({ batches: state.batchesById, dismissed: state.dismissedBatches }))
  const filtered = batchId ? batches.get(batchId) : undefined
  const batch = filtered && isLive(filtered) ? filtered : pickBatch(batches.values(), dismissed).batch
  return batch && isLive(batch) ? <BatchControls batch={batch} /> : null
}

/**
 * Retry: the selected sessions; else "Retry failed (N)", the failed and timed-out sessions the page lists (of the
 * chosen batch, or of every batch), and apart from them "Retry cancelled (N)". The counts follow the listed rows,
 * which follow the database live.
 */
function RetryButton() {
  const s = useAppStoreShallow((state) => ({
    selection: state.sessionSelection,
    filterBatch: state.sessionFilter.batchId,
    byId: state.sessionsById,
  }))
  const [retrying, setRetrying] = useState<RetryTarget | null>(null)
  const selectedRetryable = useMemo(() => [...s.selection].filter((id) => isRetryable(s.byId.get(id))), [s.selection, s.byId])
  const listed = useMemo(() => {
    const failed: string[] = []
    const cancelled: string[] = []
    for (const row of s.byId.values()) {
      if (s.filterBatch && row.batchId !== s.filterBatch) continue
      if ((FAILED_STATUSES as readonly SessionStatus[]).includes(row.status)) failed.push(row.id)
      else if (row.status === 'cancelled') cancelled.push(row.id)
    }
    return { failed, cancelled }
  }, [s.filterBatch, s.byId])
  const targetOf = (kind: 'failed' | 'cancelled'): RetryTarget =>
    s.filterBatch ? { batchId: s.filterBatch, statuses: kind === 'failed' ? [...FAILED_STATUSES] : ['cancelled'] } : { sessionIds: listed[kind] }
  const where = s.filterBatch ? 'of this batch' : 'of every batch listed'

  if (s.selection.size > 0) {
    return (
      <>
        <button
          type="button"
          className="button button-primary"
          onClick={() => setRetrying({ sessionIds: selectedRetryable })}
          disabled={selectedRetryable.length === 0}
          title="New attempts for the selected sessions that failed, timed out or were cancelled"
        >
          {`Retry selected (${formatCount(selectedRetryable.length)})`}
        </button>
        {retrying ? <RetryDialog target={retrying} onClose={() => setRetrying(null)} /> : null}
      </>
    )
  }
  return (
    <>
      {listed.cancelled.length ? (
        <button type="button" className="button" onClick={() => setRetrying(targetOf('cancelled'))} title={`New attempts for the cancelled sessions ${where}`}>
          {`Retry cancelled (${formatCount(listed.cancelled.length)})`}
        </button>
      ) : null}
      <button
        type="button"
        className="button button-primary"
        onClick={() => setRetrying(targetOf('failed'))}
        disabled={listed.failed.length === 0}
        title={`New attempts for the failed and timed-out sessions ${where}`}
      >
        {`Retry failed (${formatCount(listed.failed.length)})`}
      </button>
      {retrying ? <RetryDialog target={retrying} onClose={() => setRetrying(null)} /> : null}
    </>
  )
}

function isRetryable(row: SessionRow | undefined): boolean {
  return Boolean(row && (RETRYABLE_STATUSES as readonly SessionStatus[]).includes(row.status))
}

function SessionsEmpty({ filtering, error, loading }: { filtering: boolean; error: string | null; loading: boolean }) {
  const setFilter = useAppStore((state) => state.setSessionFilter)
  if (error) return <p className="text-error">The sessions could not be loaded: {error}</p>
  if (loading) return <p>Loading sessions…</p>
  if (filtering) {
    return (
      <p>
        No session matches the filters.{' '}
        <button type="button" className="link-button" onClick={() => setFilter({ batchId: '', statuses: [] })}>
          Clear filters
        </button>
      </p>
    )
  }
  return (
    <EmptyState title="No authorization attempts yet" actions={<a className="button" href="#/profiles">Open Profiles</a>}>
      <p>Select profiles on the Profiles page and click Authorize selected. Every attempt appears here live: its step, how long it took and, when it fails, why.</p>
    </EmptyState>
  )
}
