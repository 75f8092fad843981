import { useCallback, useEffect, useState } from 'react'
import type { HostsOverview, HostView } from '../../../../shared/contract/hosts'
import { api } from '../../api'
import { EmptyState } from '../../components/EmptyState'
import { ReleaseHostDialog } from './ReleaseHostDialog'
import { DrainActions, DrainNote, type DrainView } from './HostDrain'
import { useAppStore } from '../../stores/use-app-store'
import { PageHeader } from '../../components/PageHeader'
import { errorMessage, formatRelative, plural } from '../../lib/format'

/** How often the page asks for the hosts while it is open (each host's heartbeat comes every second or so). */
const POLL_MS = 3_000

/**
 * Every host of a shared PostgreSQL database: the panels and headless workers that claim and run its
 * authorizations, each with its slots, what it runs now and its recent warnings and errors. A host whose
 * heartbeat stopped is shown offline: its claimed accounts go back to the queue after their lease and
 * another host finishes them.
 */
export function HostsPage() {
  const [overview, setOverview] = useState<HostsOverview | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [releasing, setReleasing] = useState<HostView | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [drainProblem, setDrainProblem] = useState<string | null>(null)
  const refresh = useCallback(async () => {
    try {
      setOverview(await api.call('hosts:list', {}))
      setProblem(null)
    } catch (error) {
      setProblem(errorMessage(error))
    }
  }, [])
  // This host's drain is known at once (pushed); another host's comes with its heartbeat.
  const ownDrain = useAppStore((state) => state.drain)
  const ownRunning = useAppStore((state) => state.monitor?.runningSessions ?? 0)
  const drainView = (host: HostView): DrainView =>
    host.thisHost && ownDrain ? { draining: ownDrain.draining ? { since: ownDrain.since ?? '', exitWhenEmpty: ownDrain.exitWhenEmpty } : null, request: null } : { draining: host.draining, request: host.drainRequest }
  const soloDrain: DrainView = { draining: ownDrain?.draining ? { since: ownDrain.since ?? '', exitWhenEmpty: false } : null, request: null }
  const drained = (message: string, failed?: boolean) => {
    setNotice(failed ? null : message)
    setDrainProblem(failed ? message : null)
    void refresh()
  }
  useEffect(() => {
    let cancelled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = async () => {
      try {
        const next = await api.call('hosts:list', {})
        if (cancelled) return
        setOverview(next)
        setProblem(null)
      } catch (error) {
        if (!cancelled) setProblem(errorMessage(error))
      }
      if (!cancelled) timer = setTimeout(() => void load(), POLL_MS)
    }
    void load()
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [])

  const online = overview?.hosts.filter((h) => h.online) ?? []
  const subtitle = overview?.shared
    ? `${plural(online.length, 'host')} online · ${plural(online.reduce((sum, h) => sum + h.slots, 0), 'slot')} · ${plural(online.reduce((sum, h) => sum + h.running, 0), 'authorization')} running`
    : 'The machines that run authorizations'
  return (
    <>
      <PageHeader title="Hosts" subtitle={subtitle} />
      {problem ? (
        <p className="form-problem" role="alert">
          The hosts could not be read: {problem}
        </p>
      ) : null}
      {drainProblem ? (
        <p className="form-problem" role="alert">
          {drainProblem}
        </p>
      ) : null}
      {notice ? (
        <p className="hosts-released" role="status">
          {notice}
        </p>
      ) : null}
      {releasing ? (
        <ReleaseHostDialog
          host={releasing}
          onClose={() => setReleasing(null)}
          onReleased={(message) => {
            setReleasing(null)
            setNotice(message)
            void refresh()
          }}
        />
      ) : null}
      {overview && !overview.shared ? (
        <EmptyState title="This machine only">
          <p>
            This panel keeps its data in SQLite on this machine, so it runs every authorization itself. To spread 40,000 accounts over several
            machines, put the panel on a shared PostgreSQL database (Settings → Database and hosts) and start workers on the other machines with{' '}
            <code>npm run worker</code> or their own desktop app.
          </p>
          <p>Draining this panel lets the authorizations it runs finish and starts no queued one until you resume it.</p>
          <DrainNote view={soloDrain} running={ownRunning} />
          <DrainActions hostId={overview.thisHost} kind={null} view={soloDrain} onDone={drained} />
        </EmptyState>
      ) : null}
      {overview?.shared ? (
        <div className="preview-table-wrap hosts-table-wrap">
          <table className="preview-table hosts-table" aria-label="Hosts">
            <thead>
              <tr>
                <th scope="col">Host</th>
                <th scope="col">State</th>
                <th scope="col">Running</th>
                <th scope="col">Slots in use</th>
                <th scope="col">Waiting</th>
                <th scope="col">Last 15 min</th>
                <th scope="col">Up since</th>
              </tr>
            </thead>
            <tbody>
              {overview.hosts.map((host) => (
                <tr key={host.hostId} aria-label={host.hostId} className={host.online ? undefined : 'muted'}>
                  <td>
                    <strong>{host.hostId}</strong>
                    {host.thisHost ? <span className="muted"> (this panel)</span> : null}
                  </td>
                  <td>
                    {host.online ? (host.problem ? 'online · takes no work' : 'online') : <span title={`Last heartbeat ${formatRelative(host.heartbeatAt)}`}>{offlineText(host)}</span>}
                    {host.online ? <DrainNote view={drainView(host)} running={host.running} /> : null}
                    {!host.online && !host.thisHost && host.profilesHeld > 0 ? (
                      <div className="hosts-actions">
                        <button type="button" className="button button-small" onClick={() => setReleasing(host)}>
                          Release this host’s profiles
                        </button>
                      </div>
                    ) : null}
                    {host.online && host.problem ? (
                      <div className="hosts-problem" role="note">
                        {host.problem.reason}
                        {host.problem.since ? ` since ${formatTime(host.problem.since)}` : ''}
                      </div>
                    ) : null}
                    {host.online ? <DrainActions hostId={host.hostId} kind={host.kind} view={drainView(host)} onDone={drained} /> : null}
                  </td>
                  <td>
                    {host.running} of {host.slots}
                  </td>
                  <td>{host.slotsInUse ?? '—'}</td>
                  <td>{host.waiting ?? '—'}</td>
                  <td title={host.lastError ?? undefined}>
                    {host.errors === null ? '—' : `${plural(host.errors, 'error')}, ${plural(host.warnings ?? 0, 'warning')}`}
                    {host.lastError ? <div className="muted hosts-last-error">{host.lastError}</div> : null}
                  </td>
                  <td>{formatRelative(host.startedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  )
}

/** "offline since 13:02 — 2 profiles released", or with the profiles it still holds. */
function offlineText(host: HostView): string {
  const since = `offline since ${formatTime(host.heartbeatAt)}`
  if (host.declaredDeadAt && host.profilesReleased > 0) return `${since} — ${plural(host.profilesReleased, 'profile')} released`
  if (host.profilesHeld > 0) return `${since} — holds ${plural(host.profilesHeld, 'profile')}`
  return since
}

/** "13:02" (today) as the operator's clock shows it. */
function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}
