import { useEffect, useMemo, useState } from 'react'
import { NEEDS_MANUAL_FIX, type BatchStartResult, type RetryGroupFacts } from '../../../../shared/contract/batches'
import { FAILURE_GROUP_LABELS, FAILURE_GROUPS, type FailureGroup } from '../../../../shared/errors'
import { api } from '../../api'
import { Dialog } from '../../components/Dialog'
import { errorMessage, formatCount, plural } from '../../lib/format'
import { describeErrorCode } from '../../lib/labels'
import { appStore } from '../../stores/app-store'
import { exportFailures } from '../triage/failure-export'
import { setManualFix } from '../triage/ManualFixActions'

/** How `groupReasons` shows the skip of an account set aside as "needs a manual fix". */
const MANUAL_FIX_KIND = NEEDS_MANUAL_FIX.replace(/\s*\(.*$/, '')

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

const GROUP_HINTS: Record<FailureGroup, string> = {
  retry: 'network, proxy, time-outs, X server errors, the profile did not start',
  person: 'logged out, locked, suspended, denied, another account logged in, the API app misconfigured: fix these first',
}

/**
 * Retry: the failed accounts in two groups, "retry may help" (retried by default) and "needs a person" (left out
 * unless ticked; they can be set aside as "needs a manual fix" from here), how many get a new attempt and how
 * many are skipped and why, before anything starts. Accounts authorized again since their failed attempt are
 * skipped unless the operator asks to re-authorize them anyway.
 */
export function RetryDialog({ target, onClose }: RetryDialogProps) {
  const [reauthorize, setReauthorize] = useState(false)
  const [groups, setGroups] = useState<ReadonlySet<FailureGroup>>(() => new Set<FailureGroup>(['retry']))
  /** Bumped after marking accounts: the plan is asked again. */
  const [revision, setRevision] = useState(0)
  const choice = `${reauthorize}|${[...groups].sort().join(',')}|${revision}`
  /** The plan for the current choice (a stale answer for another choice is not shown). */
  const [answer, setAnswer] = useState<{ choice: string; plan: BatchStartResult | null; problem: string | null } | null>(null)
  const [validSince, setValidSince] = useState(0)
  const [startProblem, setStartProblem] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const groupList = useMemo(() => FAILURE_GROUPS.filter((group) => groups.has(group)), [groups])
  useEffect(() => {
    let current = true
    api
      .call('batch:retryPlan', { ...target, reauthorize, groups: groupList.length ? groupList : ['retry'] })
      .then((plan) => {
        if (!current) return
        setAnswer({ choice, plan, problem: null })
        // Counted without re-authorization, so the checkbox keeps its number once ticked.
        if (!reauthorize) setValidSince(plan.skipped.filter((skip) => skip.reason.startsWith(VALID_TOKEN_SINCE)).length)
      })
      .catch((error: unknown) => current && setAnswer({ choice, plan: null, problem: errorMessage(error) }))
    return () => {
      current = false
    }
  }, [target, reauthorize, groupList, choice])
  const shown = answer?.choice === choice ? answer : null
  const plan = shown?.plan ?? null
  const problem = startProblem ?? shown?.problem ?? null

  const start = async () => {
    setBusy(true)
    setStartProblem(null)
    const state = appStore.getState()
    try {
      const result = await api.call('batch:retry', { ...target, reauthorize, groups: groupList })
      state.showToast(`${plural(result.queued, 'account')} queued again${result.skipped.length ? `, ${formatCount(result.skipped.length)} skipped` : ''}.`, 'success', 'Retry started')
      // The new attempts form a new batch: follow it.
      state.setSessionFilter({ batchId: result.batchId, statuses: [] })
      onClose()
    } catch (error) {
      setStartProblem(errorMessage(error))
      setBusy(false)
    }
  }

  const toggleGroup = (group: FailureGroup, on: boolean) =>
    setGroups((before) => {
      const next = new Set(before)
      if (on) next.add(group)
      else next.delete(group)
      return next
    })
  const markPerson = async (profileIds: string[]) => {
    setBusy(true)
    if (await setManualFix(profileIds, true)) {
      toggleGroup('person', false)
      setRevision((n) => n + 1)
    }
    setBusy(false)
  }

  const clearMarks = async (profileIds: string[]) => {
    setBusy(true)
    if (await setManualFix(profileIds, false)) setRevision((n) => n + 1)
    setBusy(false)
  }

  const queued = groupList.length ? (plan?.queued ?? 0) : 0
  const leftOut = plan?.triage ? FAILURE_GROUPS.filter((group) => !groups.has(group)).reduce((sum, group) => sum + plan.triage![group].accounts, 0) : 0
  const footer = (
    <>
      <button type="button" className="button footer-start" onClick={() => void exportFailures(target)} disabled={busy} title="The failed, timed-out and cancelled attempts as CSV (no token or secret in it)">
        Export failures (CSV)
      </button>
      <button type="button" className="button" onClick={onClose} disabled={busy}>
        Cancel
      </button>
      <button type="button" className="button button-primary" onClick={start} disabled={busy || !plan || queued === 0}>
        {busy ? 'Starting…' : `Retry ${plural(queued, 'account')}`}
      </button>
    </>
  )
  const skippedGroups = plan ? groupReasons(plan.skipped) : []
  return (
    <Dialog title="Retry failed accounts" onClose={onClose} footer={footer} busy={busy} problem={problem}>
      {plan ? (
        <>
          <p className="dialog-summary">
            <strong>{plural(queued, 'account')}</strong> will get a new attempt
            {leftOut ? `; ${formatCount(leftOut)} left out (group not ticked)` : ''}
            {plan.skipped.length ? `; ${formatCount(plan.skipped.length)} skipped` : ''}.
          </p>
          {plan.triage ? (
            <div className="retry-groups">
              {FAILURE_GROUPS.map((group) => (
                <RetryGroup
                  key={group}
                  group={group}
                  facts={plan.triage![group]}
                  checked={groups.has(group)}
                  disabled={busy}
                  onToggle={(on) => toggleGroup(group, on)}
                  onMark={group === 'person' ? () => void markPerson(plan.triage!.person.profileIds) : undefined}
                />
              ))}
            </div>
          ) : null}
          {skippedGroups.length ? (
            <ul className="dialog-notes" aria-label="Skipped accounts">
              {skippedGroups.map(([reason, count]) => (
                <li key={reason}>
                  {formatCount(count)} {reason}
                  {reason === MANUAL_FIX_KIND ? (
                    <>
                      {' '}
                      <button type="button" className="link-button" disabled={busy} onClick={() => void clearMarks(plan.skipped.filter((skip) => skip.reason === NEEDS_MANUAL_FIX).map((skip) => skip.profileId))}>
                        Clear the mark
                      </button>
                    </>
                  ) : null}
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

/** One failure group: a checkbox "retry these", its count and codes; "needs a person" can be set aside from here. */
function RetryGroup(props: { group: FailureGroup; facts: RetryGroupFacts; checked: boolean; disabled: boolean; onToggle(on: boolean): void; onMark?: () => void }) {
  const { group, facts } = props
  const label = FAILURE_GROUP_LABELS[group]
  return (
    <section className={`retry-group retry-group-${group}`} aria-label={label}>
      <label className="check-line">
        <input type="checkbox" checked={props.checked} disabled={props.disabled || facts.accounts === 0} onChange={(event) => props.onToggle(event.target.checked)} />
        <span>
          <strong>{label}</strong>: {plural(facts.accounts, 'account')}
        </span>
      </label>
      <p className="muted retry-group-hint">{GROUP_HINTS[group]}</p>
      {facts.codes.length ? (
        <ul className="retry-group-codes">
          {facts.codes.map(({ code, accounts }) => (
            <li key={code ?? 'none'} title={describeErrorCode(code)?.sentence}>
              {formatCount(accounts)} <span className="error-code">{code ?? 'no code'}</span>
            </li>
          ))}
        </ul>
      ) : null}
      {props.onMark && facts.accounts > 0 ? (
        <button type="button" className="button button-small" disabled={props.disabled} onClick={props.onMark} title="Leave these accounts out of retries until the mark is cleared (Profiles: filter “Needs a manual fix”)">
          Mark {plural(facts.accounts, 'account')} as needing a manual fix
        </button>
      ) : null}
    </section>
  )
}
