/**
 * The Hosts page's view of the `hosts` table: every host of a shared PostgreSQL database with its heartbeat, slots
 * and summary, and whether it is still alive (a heartbeat within the claim lease, at least 10 s: each host beats
 * every poll of its claims, at most every second); hosts silent for a day are left out. SQLite: one machine, no
 * hosts table to read.
 */
import { DRAIN_ACTIONS, type DrainAction, type HostsOverview, type HostView } from '../../../shared/contract/hosts'

/** A row of the `hosts` table as the claim store reads it. */
export interface HostRecord {
  hostId: string
  startedAt: string
  heartbeatAt: string
  slots: number
  running: number
  summary: unknown
  launcher?: string | null
  declaredDeadAt?: string | null
  profilesReleased?: number
  profilesHeld?: number
  drainRequest?: string | null
}

export interface HostsOverviewDeps {
  shared: boolean
  hostId: string
  /** How long a claim lasts without renewal: a host silent for longer has lost its claims. */
  leaseMs: number
  list(): Promise<HostRecord[]>
  now?: () => number
}

const MIN_ONLINE_MS = 10_000

/** A host silent for longer than this is offline (its claims are lost after their lease anyway). */
export function offlineAfterMs(leaseMs: number): number {
  return Math.max(MIN_ONLINE_MS, leaseMs)
}
/** Hosts silent for longer are left out (a panel's host id changes with each start; its old rows are history). */
export const FORGET_HOST_MS = 24 * 3_600_000

export async function hostsOverview(deps: HostsOverviewDeps): Promise<HostsOverview> {
  if (!deps.shared) return { shared: false, thisHost: deps.hostId, hosts: [] }
  const now = deps.now?.() ?? Date.now()
  const onlineMs = offlineAfterMs(deps.leaseMs)
  const hosts = (await deps.list())
    .filter((row) => now - Date.parse(row.heartbeatAt) <= FORGET_HOST_MS)
    .map((row) => view(row, deps.hostId, now - Date.parse(row.heartbeatAt) <= onlineMs))
  // This host first, then the live ones, then by the newest heartbeat.
  hosts.sort((a, b) => Number(b.thisHost) - Number(a.thisHost) || Number(b.online) - Number(a.online) || (a.heartbeatAt < b.heartbeatAt ? 1 : -1))
  return { shared: true, thisHost: deps.hostId, hosts }
}

function view(row: HostRecord, thisHost: string, online: boolean): HostView {
  const summary = (row.summary && typeof row.summary === 'object' ? row.summary : {}) as Record<string, unknown>
  const count = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : null)
  const logs = (summary.logs && typeof summary.logs === 'object' ? summary.logs : {}) as Record<string, unknown>
  return {
    hostId: row.hostId,
    thisHost: row.hostId === thisHost,
    online,
    startedAt: row.startedAt,
    heartbeatAt: row.heartbeatAt,
    slots: row.slots,
    launcher: row.launcher ?? null,
    running: row.running,
    slotsInUse: count('slotsInUse'),
    waiting: count('waiting'),
    warnings: typeof logs.warnings === 'number' ? logs.warnings : null,
    errors: typeof logs.errors === 'number' ? logs.errors : null,
    lastError: typeof logs.lastError === 'string' ? logs.lastError : null,
    problem: problemOf(summary.health),
    declaredDeadAt: online ? null : (row.declaredDeadAt ?? null),
    profilesReleased: online ? 0 : (row.profilesReleased ?? 0),
    profilesHeld: row.profilesHeld ?? 0,
    kind: summary.kind === 'worker' || summary.kind === 'desktop' || summary.kind === 'browser' ? summary.kind : null,
    // An offline host claims nothing anyway, and its next start clears what it said.
    draining: online ? drainingOf(summary.drain) : null,
    drainRequest: online && DRAIN_ACTIONS.includes(row.drainRequest as DrainAction) ? (row.drainRequest as DrainAction) : null,
  }
}

/** The heartbeat's `drain` (DrainState's status) when the host drains. */
function drainingOf(drain: unknown): HostView['draining'] {
  if (!drain || typeof drain !== 'object') return null
  const { draining, since, exitWhenEmpty } = drain as { draining?: unknown; since?: unknown; exitWhenEmpty?: unknown }
  return draining === true ? { since: typeof since === 'string' ? since : '', exitWhenEmpty: exitWhenEmpty === true } : null
}

/** The heartbeat's `health` when the host says it cannot work. */
function problemOf(health: unknown): HostView['problem'] {
  if (!health || typeof health !== 'object') return null
  const { ok, reason, since } = health as { ok?: unknown; reason?: unknown; since?: unknown }
  return ok === false && typeof reason === 'string' ? { reason, since: typeof since === 'string' ? since : '' } : null
}

/** How far back a host's log summary looks. */
export const LOG_SUMMARY_WINDOW_MS = 15 * 60_000

/** What a host's heartbeat says of its log: warnings and errors of the last 15 minutes, and the newest error's sentence. */
export function logSummary(
  entries: ReadonlyArray<{ ts: string; level: string; event: string; msg?: string }>,
  now = Date.now(),
): { warnings: number; errors: number; lastError: string | null } {
  const since = now - LOG_SUMMARY_WINDOW_MS
  let warnings = 0
  let errors = 0
  let lastError: string | null = null
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]
    if (Date.parse(entry.ts) < since) break
    if (entry.level === 'warn') warnings++
    else if (entry.level === 'error') {
      errors++
      lastError ??= (entry.msg ?? entry.event).slice(0, 300)
    }
  }
  return { warnings, errors, lastError }
}
