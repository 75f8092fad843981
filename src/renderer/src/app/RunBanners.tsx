import { useState } from 'react'
import type { RecoveredAccount, RestartNotice } from '../../../shared/contract/system'
import type { SessionStatus } from '../../../shared/contract/sessions'
import { formatCount, formatDateTime, plural } from '../lib/format'
import { useAppStore } from '../stores/use-app-store'
import { navigate } from './use-hash-route'

/** Banners about this run of the panel: sandbox mode, and what an unclean stop of the previous run left behind. */
export function RunBanners() {
  const info = useAppStore((state) => state.systemInfo)
  if (!info) return null
  return (
    <>
      {info.sandbox ? <SandboxBanner source={info.sandbox.source} /> : null}
      {info.restart ? <RestartBanner notice={info.restart} runStartedAt={info.startedAt} /> : null}
    </>
  )
}

function SandboxBanner({ source }: { source: 'command_line' | 'setting' }) {
  return (
    <div className="run-banner run-banner-sandbox" role="status" aria-label="Sandbox mode">
      <strong>Sandbox mode</strong>
      <span>
        GoLogin and X are simulated on this machine: no real account is touched and the tokens are not real.{' '}
        {source === 'command_line' ? 'Started with --sandbox: start the panel without it to use the real services.' : 'Turn it off in Settings → Sandbox (applies at the next start).'}
      </span>
    </div>
  )
}

const OUTCOME_WORDS: Record<RecoveredAccount['outcome'], string> = {
  failed: 'failed as interrupted',
  not_started: 'not started (cancelled)',
  resumed: 'resumed (back in the queue)',
}

/** Accounts named one by one before "and N more": every running one (at most the slots), a few of the queued ones. */
const NAMED: Record<RecoveredAccount['outcome'], number> = { failed: 50, resumed: 50, not_started: 8 }

/** Dismissed for this run only (keyed by its start), so a reload does not bring it back but the next crash does. */
function dismissKey(runStartedAt: string): string {
  return `restart-notice-dismissed:${runStartedAt}`
}

function RestartBanner({ notice, runStartedAt }: { notice: RestartNotice; runStartedAt: string }) {
  const [dismissed, setDismissed] = useState(() => readDismissed(dismissKey(runStartedAt)))
  const setSessionFilter = useAppStore((state) => state.setSessionFilter)
  if (dismissed) return null
  const when = notice.stoppedAt
    ? `${formatDateTime(notice.stoppedAt)} (${notice.stoppedAtSource === 'log' ? 'its last log line' : 'the last account it started'})`
    : 'an unknown time'
  const groups = (['failed', 'resumed', 'not_started'] as const)
    .map((outcome) => ({ outcome, count: outcome === 'failed' ? notice.failed : outcome === 'resumed' ? notice.resumed : notice.notStarted }))
    .filter((group) => group.count > 0)
  // The Sessions page filters by one batch: the one most of these accounts belong to, with the statuses they got.
  const batchId = mostCommon(notice.accounts.map((account) => account.batchId).filter((id): id is string => Boolean(id)))
  // Resumed ones may end in any status by now: then the batch alone.
  const statuses: SessionStatus[] = notice.resumed ? [] : [...(notice.failed ? (['failed'] as const) : []), ...(notice.notStarted ? (['cancelled'] as const) : [])]
  return (
    <section className="run-banner run-banner-restart" role="alert" aria-label="The panel stopped unexpectedly">
      <div className="run-banner-head">
        <strong>The panel stopped without shutting down at {when}</strong>
        <button
          type="button"
          className="icon-button"
          aria-label="Dismiss the restart notice"
          onClick={() => {
            writeDismissed(dismissKey(runStartedAt))
            setDismissed(true)
          }}
        >
          ×
        </button>
      </div>
      <ul className="run-banner-groups">
        {groups.map(({ outcome, count }) => (
          <li key={outcome} data-outcome={outcome}>
            <b>{plural(count, 'account')}</b> {OUTCOME_WORDS[outcome]}
            <AccountNames accounts={notice.accounts.filter((account) => account.outcome === outcome)} total={count} named={NAMED[outcome]} />
          </li>
        ))}
      </ul>
      <div>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            setSessionFilter({ batchId: batchId ?? '', statuses })
            navigate('sessions')
          }}
        >
          Show them in Sessions
        </button>
        {notice.failed || notice.notStarted ? <span className="muted"> — “Retry failed” there authorizes them again.</span> : null}
      </div>
    </section>
  )
}

function AccountNames({ accounts, total, named: limit }: { accounts: RecoveredAccount[]; total: number; named: number }) {
  if (!accounts.length) return null
  const named = accounts.slice(0, limit)
  const more = total - named.length
  return (
    <span className="run-banner-accounts">
      :{' '}
      {named.map((account, i) => (
        <span key={account.sessionId}>
          {i ? ', ' : ''}@{account.username ?? '?'}
          {account.step ? <span className="muted"> (at {account.step.replace(/_/g, ' ')})</span> : null}
        </span>
      ))}
      {more > 0 ? <span className="muted"> and {formatCount(more)} more</span> : null}
    </span>
  )
}

function mostCommon(values: string[]): string | null {
  const counts = new Map<string, number>()
  let best: string | null = null
  for (const value of values) {
    const n = (counts.get(value) ?? 0) + 1
    counts.set(value, n)
    if (!best || n > (counts.get(best) ?? 0)) best = value
  }
  return best
}

function readDismissed(key: string): boolean {
  try {
    return window.localStorage.getItem(key) === '1'
  } catch {
    return false
  }
}

function writeDismissed(key: string): void {
  try {
    window.localStorage.setItem(key, '1')
  } catch {
    // Private mode: dismissed until the page reloads.
  }
}
