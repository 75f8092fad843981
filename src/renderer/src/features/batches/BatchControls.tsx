import { useState } from 'react'
import type { BatchProgress } from '../../../../shared/contract/batches'
import { FAILED_STATUSES } from '../../../../shared/contract/sessions'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatCount, plural } from '../../lib/format'
import { RetryDialog, type RetryTarget } from './RetryDialog'
import { appStore } from '../../stores/app-store'

async function control(action: 'batch:pause' | 'batch:resume' | 'batch:cancel', batchId: string): Promise<void> {
  try {
    appStore.getState().setBatches([await api.call(action, { batchId })])
  } catch (error) {
    appStore.getState().showToast(`Could not ${action.slice(6)} the batch: ${errorMessage(error)}`, 'error')
  }
}

/** Pause / Resume / Cancel of a live batch (Cancel asks first). */
export function BatchControls({ batch }: { batch: BatchProgress }) {
  const [confirming, setConfirming] = useState(false)
  const [busy, setBusy] = useState(false)
  const run = async (action: 'batch:pause' | 'batch:resume' | 'batch:cancel') => {
    setBusy(true)
    await control(action, batch.id)
    setBusy(false)
  }
  if (batch.state === 'finished' || batch.state === 'cancelled') return null
  return (
    <span className="batch-controls">
      {batch.state === 'paused' ? (
        <button type="button" className="button button-small" onClick={() => run('batch:resume')} disabled={busy}>
          Resume
        </button>
      ) : (
        <button type="button" className="button button-small" onClick={() => run('batch:pause')} disabled={busy || batch.state === 'cancelling'}>
          Pause
        </button>
      )}
      <button type="button" className="button button-small" onClick={() => setConfirming(true)} disabled={busy || batch.state === 'cancelling'}>
        Cancel batch
      </button>
      {confirming ? (
        <Dialog
          title="Cancel this batch?"
          onClose={() => setConfirming(false)}
          footer={
            <>
              <button type="button" className="button" onClick={() => setConfirming(false)}>
                Keep running
              </button>
              <button
                type="button"
                className="button button-danger"
                onClick={() => {
                  setConfirming(false)
                  void run('batch:cancel')
                }}
              >
                Cancel batch
              </button>
            </>
          }
        >
          <p className="dialog-summary">
            {plural(batch.queued, 'queued account')} will not be authorized; the {plural(batch.running, 'running one')} stop cleanly
            and their profiles are closed. Finished accounts keep their tokens. You can retry the cancelled ones later.
          </p>
        </Dialog>
      ) : null}
    </span>
  )
}

/**
 * "Retry N failed" (failed and timed-out sessions) or "Retry N cancelled" of a finished batch: a new batch of new
 * attempts for those sessions. `count` is the batch's figure of that kind, counted in the database.
 */
export function RetryBatchButton({ batch, kind, count }: { batch: BatchProgress; kind: 'failed' | 'cancelled'; count: number }) {
  const [target, setTarget] = useState<RetryTarget | null>(null)
  return (
    <>
      <button
        type="button"
        className="button button-small"
        onClick={() => setTarget({ batchId: batch.id, statuses: kind === 'failed' ? [...FAILED_STATUSES] : ['cancelled'] })}
        title={kind === 'failed' ? 'New attempts for the failed and timed-out accounts of this batch' : 'New attempts for the cancelled accounts of this batch'}
      >
        {`Retry ${formatCount(count)} ${kind}`}
      </button>
      {target ? <RetryDialog target={target} onClose={() => setTarget(null)} /> : null}
    </>
  )
}
