import { useMemo } from 'react'
import { navigate } from '../../app/use-hash-route'
import { formatCount } from '../../lib/format'
import { useAppStore, useAppStoreShallow } from '../../stores/use-app-store'
import { BatchControls, RetryBatchButton } from './BatchControls'
import { barSegments, BATCH_STATE_LABELS, etaText, isLive, pickBatch, waitNote } from './batch-view'

/**
 * The batch bar on every page: done / total, authorized, failed, cancelled and skipped (each counted apart, in the
 * database), running slots, ETA, and the controls.
 */
export function BatchProgressBar() {
  const { batches, dismissed } = useAppStoreShallow((state) => ({ batches: state.batchesById, dismissed: state.dismissedBatches }))
  const dismiss = useAppStore((state) => state.dismissBatch)
  const setSessionFilter = useAppStore((state) => state.setSessionFilter)
  const { batch, others } = useMemo(() => pickBatch(batches.values(), dismissed), [batches, dismissed])
  if (!batch) return null
  const live = isLive(batch)
  const segments = barSegments(batch)
  const waiting = waitNote(batch)
  const eta = etaText(batch)
  return (
    <section className={`batch-bar batch-${batch.state}`} aria-label="Batch progress">
      <span className="batch-title">
        <strong>{batch.apiApp}</strong> <span className="batch-state">{BATCH_STATE_LABELS[batch.state]}</span>
        {batch.retryOf ? <span className="muted"> · retry</span> : null}
      </span>
      <div
        className="batch-track"
        role="progressbar"
        aria-label="Batch done"
        aria-valuemin={0}
        aria-valuemax={batch.total}
        aria-valuenow={batch.done}
        aria-valuetext={`${batch.done} of ${batch.total} done`}
      >
        <span className="batch-fill-ok" style={{ width: `${segments.succeeded}%` }} />
        <span className="batch-fill-failed" style={{ width: `${segments.failed}%` }} />
        <span className="batch-fill-other" style={{ width: `${segments.other}%` }} />
      </div>
      <span className="batch-figures">
        <span className="batch-done" title="Accounts finished (any outcome) / accounts in the batch">
          {formatCount(batch.done)} / {formatCount(batch.total)}
        </span>
        <span className="text-ok" title="Authorized">
          ✓ {formatCount(batch.succeeded)}
        </span>
        <span className={batch.failed ? 'text-error' : 'muted'} title="Failed or timed out">
          ✗ {formatCount(batch.failed)}
        </span>
        {batch.cancelled ? (
          <span className="muted" title="Cancelled before they finished">
            {formatCount(batch.cancelled)} cancelled
          </span>
        ) : null}
        {batch.skipped ? (
          <span className="muted" title="Not queued when the batch started (already in progress, no username mapped…)">
            {formatCount(batch.skipped)} skipped
          </span>
        ) : null}
        {live ? (
          <span title="Profiles running now / slots">
            Slots {batch.slotsInUse}/{batch.maxSlots}
          </span>
        ) : null}
        {eta ? <span title="Estimated time to finish">ETA {eta}</span> : null}
        {others > 0 ? <span className="muted">+{others} more</span> : null}
      </span>
      {waiting ? (
        <span className="batch-wait" role="note">
          {waiting} —{' '}
          <button type="button" className="link-button" onClick={() => navigate('hosts')}>
            Release its profiles
          </button>
        </span>
      ) : null}
      <span className="batch-actions">
        <BatchControls batch={batch} />
        {!live && batch.failed > 0 ? <RetryBatchButton batch={batch} kind="failed" count={batch.failed} /> : null}
        {!live && batch.cancelled > 0 ? <RetryBatchButton batch={batch} kind="cancelled" count={batch.cancelled} /> : null}
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setSessionFilter({ batchId: batch.id })
            navigate('sessions')
          }}
        >
          Show sessions
        </button>
        {!live ? (
          <button type="button" className="icon-button" aria-label="Dismiss batch progress" onClick={() => dismiss(batch.id)}>
            ×
          </button>
        ) : null}
      </span>
    </section>
  )
}
