/**
 * Liveness and readiness of a host (`/health`, `/ready` on workers and the panel's REST API host; issue 22 row 2).
 * `/ready` answers within `budgetMs` whatever the database does: it checks the database with a short-timeout
 * ping (one at a time), GoLogin from what is already known (the reachability probe of host-health.ts and the
 * client's recorded token stop: never a GoLogin request, which would count toward its rate limit), and the drain
 * state. X is never touched.
 */
import type { DrainState } from './drain-state'
import type { HostHealthState } from './host-health'

export interface ReadinessCheck {
  ok: boolean
  /** What was found, in a sentence (no secret, no URL with credentials). */
  detail: string
}

export interface ReadinessReport {
  ready: boolean
  checks: { database: ReadinessCheck; gologin: ReadinessCheck; drain: ReadinessCheck }
  /** How long the checks took. */
  ms: number
}

export interface LivenessReport {
  status: 'alive'
  uptimeSeconds: number
  /** This host's mode: desktop, browser or worker. */
  mode: string
}

export interface ReadinessDeps {
  /** One cheap query (`SELECT 1`); rejects when the database cannot answer. */
  ping: () => Promise<unknown>
  /** GoLogin as this host last saw it (host-health.ts): reachability probe, token stop, slots held by failed stops. */
  health: () => HostHealthState
  drain: Pick<DrainState, 'current'>
  mode: string
  /** How long the database ping may take before the host counts as not ready (default 60 ms: the answer fits in 100 ms with room for a busy event loop). */
  pingTimeoutMs?: number
  now?: () => number
}

export class Readiness {
  private pinging: Promise<void> | null = null
  private readonly startedAt: number
  private readonly now: () => number

  constructor(private readonly deps: ReadinessDeps) {
    this.now = deps.now ?? performance.now.bind(performance)
    this.startedAt = this.now()
  }

  liveness(): LivenessReport {
    return { status: 'alive', uptimeSeconds: Math.floor((this.now() - this.startedAt) / 1000), mode: this.deps.mode }
  }

  async readiness(): Promise<ReadinessReport> {
    const began = this.now()
    const database = await this.database()
    const health = this.deps.health()
    const gologin: ReadinessCheck = health.ok ? { ok: true, detail: 'GoLogin reachable, its token usable' } : { ok: false, detail: `${health.reason} (since ${health.since})` }
    const status = this.deps.drain.current()
    const drain: ReadinessCheck = status.draining ? { ok: false, detail: `Draining since ${status.since}: finishing what runs, claiming nothing more` } : { ok: true, detail: 'Not draining' }
    return { ready: database.ok && gologin.ok && drain.ok, checks: { database, gologin, drain }, ms: Math.round((this.now() - began) * 10) / 10 }
  }

  /** A ping bounded in time; a ping still under way (a database that does not answer) is waited on again, not repeated. */
  private async database(): Promise<ReadinessCheck> {
    const timeoutMs = this.deps.pingTimeoutMs ?? 60
    let failure: unknown = null
    this.pinging ??= Promise.resolve()
      .then(() => this.deps.ping())
      .then(() => undefined)
      .finally(() => (this.pinging = null))
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
    const outcome = await Promise.race([this.pinging.then(() => 'ok' as const, (error: unknown) => ((failure = error), 'failed' as const)), late])
    clearTimeout(timer)
    if (outcome === 'ok') return { ok: true, detail: 'The database answers' }
    if (outcome === 'late') return { ok: false, detail: `The database did not answer within ${timeoutMs} ms` }
    return { ok: false, detail: `The database refused the check (${errorName(failure)})` }
  }
}

/** The error's code or class only: a driver's message may carry a host name or worse. */
function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) return code
  return error instanceof Error ? error.name : 'error'
}
