import { useMemo } from 'react'
import { navigate } from '../../app/use-hash-route'
import { formatCount } from '../../lib/format'
import { useAppStore, useAppStoreShallow } from '../../stores/use-app-store'
import { BatchControls, RetryBatchButton } from './BatchControls'
import { barSegments, BATCH_STATE_LABELS, formatEta, isLive, pickBatch, waitNote } from './batch-view'

/** The batch bar on every page: done / total, succeeded / failed, running slots, ETA, and the controls. */
export function BatchProgressBar() {
  const { batches, dismissed } = useAppStoreShallow((state) => ({ batches: state.batchesById, dismissed: state.dismissedBatches }))
  const dismiss = useAppStore((state) => state.dismissBatch)
  const setSessionFilter = useAppStore((state) => state.setSessionFilter)
  const { batch, others } = useMemo(() => pickBatch(batches.values(), dismissed), [batches, dismissed])
  if (!batch) return null
  const live = isLive(batch)
  const segments = barSegments(batch)
  const waiting = waitNote(batch)
  // Accounts waiting for an offline host: no time can be promised until it is released.
  const eta = live ? (waiting ? '—' : formatEta(batch.etaMs)) : null
  const failed = batch.failed + batch.cancelled
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
      </div>
      <span className="batch-figures">
        <span className="batch-done" title="Accounts finished (any outcome) / accounts in the batch">
          {formatCount(batch.done)} / {formatCount(batch.total)}
        </span>
        <span className="text-ok" title="Authorized">
          ✓ {formatCount(batch.succeeded)}
        </span>
        <span className={failed ? 'text-error' : 'muted'} title="Failed, timed out or cancelled">
          ✗ {formatCount(failed)}
        </span>
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
        {!live && failed > 0 ? <RetryBatchButton batch={batch} count={failed} /> : null}
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
