import { useEffect, useState } from 'react'
import type { BatchStartResult } from '../../../../shared/contract/batches'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatCount, plural } from '../../lib/format'
import { appStore } from '../../stores/app-store'

/** The planner's reason for an account authorized again after its failed attempt (batch-planner.ts). */
const VALID_TOKEN_SINCE = 'has a valid token since'

export type RetryTarget = { batchId: string; statuses?: Array<'failed' | 'timeout' | 'cancelled'> } | { sessionIds: string[] }

interface RetryDialogProps {
  target: RetryTarget
  onClose(): void
}

/** Skip reasons counted by kind: the part before a parenthesis (session ids and attempt numbers differ per row). */
function groupReasons(skipped: BatchStartResult['skipped']): Array<[string, number]> {
  const counts = new Map<string, number>()
  for (const { reason } of skipped) {
    const kind = reason.replace(/\s*\(.*$/, '')
    counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1])
}

/**
 * Retry: says how many accounts get a new attempt and how many are skipped and why, before anything
 * starts. Accounts authorized again since their failed attempt are skipped unless the operator asks to
 * re-authorize them anyway.
 */
export function RetryDialog({ target, onClose }: RetryDialogProps) {
  const [reauthorize, setReauthorize] = useState(false)
  /** The plan for the current choice (a stale answer for the other choice is not shown). */
  const [answer, setAnswer] = useState<{ reauthorize: boolean; plan: BatchStartResult | null; problem: string | null } | null>(null)
  const [validSince, setValidSince] = useState(0)
  const [startProblem, setStartProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    let current = true
    api
      .call('batch:retryPlan', { ...target, reauthorize })
      .then((plan) => {
        if (!current) return
        setAnswer({ reauthorize, plan, problem: null })
        // Counted without re-authorization, so the checkbox keeps its number once ticked.
        if (!reauthorize) setValidSince(plan.skipped.filter((skip) => skip.reason.startsWith(VALID_TOKEN_SINCE)).length)
      })
      .catch((error: unknown) => current && setAnswer({ reauthorize, plan: null, problem: errorMessage(error) }))
    return () => {
      current = false
    }
  }, [target, reauthorize])
  const shown = answer?.reauthorize === reauthorize ? answer : null
  const plan = shown?.plan ?? null
  const problem = startProblem ?? shown?.problem ?? null

  const start = async () => {
    setBusy(true)
    setStartProblem(null)
    const state = appStore.getState()
    try {
      const result = await api.call('batch:retry', { ...target, reauthorize })
      state.showToast(`${plural(result.queued, 'account')} queued again${result.skipped.length ? `, ${formatCount(result.skipped.length)} skipped` : ''}.`, 'success', 'Retry started')
      // The new attempts form a new batch: follow it.
      state.setSessionFilter({ batchId: result.batchId, statuses: [] })
      onClose()
    } catch (error) {
      setStartProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const queued = plan?.queued ?? 0
  const footer = (
    <>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="button" className="button button-primary" onClick={start} disabled={busy || !plan || queued === 0}>
        {busy ? 'Starting…' : `Retry ${plural(queued, 'account')}`}
      </button>
    </>
  )
  const groups = plan ? groupReasons(plan.skipped) : []
  return (
    <Dialog title="Retry failed accounts" onClose={onClose} footer={footer} busy={busy} problem={problem}>
      {plan ? (
        <>
          <p className="dialog-summary">
            <strong>{plural(queued, 'account')}</strong> will get a new attempt{plan.skipped.length ? `; ${formatCount(plan.skipped.length)} skipped` : ''}.
          </p>
          {groups.length ? (
            <ul className="dialog-notes" aria-label="Skipped accounts">
              {groups.map(([reason, count]) => (
                <li key={reason}>
                  {formatCount(count)} {reason}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : problem ? null : (
        <p>Checking which accounts can be retried…</p>
      )}
      {validSince > 0 ? (
        <label className="check-line">
          <input type="checkbox" checked={reauthorize} onChange={(event) => setReauthorize(event.target.checked)} disabled={busy} />
          Re-authorize anyway the {plural(validSince, 'account that has', 'accounts that have')} a valid token since (it will be replaced)
        </label>
      ) : null}
    </Dialog>
  )
}
