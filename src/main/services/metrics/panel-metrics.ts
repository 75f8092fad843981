/**
 * Prometheus metrics of one host (issue 22): a Registry of its own per core (several cores in one process never
 * collide), process metrics, counters and histograms fed by the log points where the events already happen (one
 * tap on the LogSystem: no counting code beside them), and gauges read at scrape time — this host's slots and
 * health from memory, the database's sessions and tokens through one cached aggregated query.
 *
 * Labels take values from fixed sets only (statuses, steps, error codes, endpoints): never a username, an id, a
 * path or anything a secret could hide in. Metric names are listed in METRIC_NAMES (the dashboard and README use them).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { SESSION_STATUSES, SESSION_STEPS, TOKEN_STATUSES } from '../../../shared/contract/sessions'
import { ERROR_CODES } from '../../../shared/errors'
import type { LogSystem } from '../../logging/logger'
import type { HostHealthState } from '../hosts/host-health'
import type { FiguresAnswer } from './database-figures'

const P = 'gologin_panel_'

export const METRIC_NAMES = {
  info: `${P}info`,
  sessions: `${P}sessions`,
  queueDepth: `${P}queue_depth`,
  tokens: `${P}tokens`,
  tokensExpiring24h: `${P}tokens_expiring_24h`,
  databaseFiguresUp: `${P}database_figures_up`,
  attempts: `${P}attempts_total`,
  attemptDuration: `${P}attempt_duration_seconds`,
  stepDuration: `${P}attempt_step_duration_seconds`,
  slotsInUse: `${P}slots_in_use`,
  slotsTotal: `${P}slots_total`,
  slotsWaiting: `${P}slots_waiting`,
  profilesStopPending: `${P}profiles_stop_pending`,
  profilesNotStopped: `${P}profiles_not_stopped_total`,
  gologinRequests: `${P}gologin_requests_total`,
  gologin429: `${P}gologin_429_total`,
  gologinBudgetWait: `${P}gologin_budget_wait_seconds`,
  gologinTokenStopped: `${P}gologin_token_stopped`,
  xCalls: `${P}x_calls_total`,
  tokenRefreshes: `${P}token_refreshes_total`,
  claims: `${P}claims_total`,
  leaseRenewalsFailed: `${P}lease_renewals_failed_total`,
  leasesLost: `${P}leases_lost_total`,
  hostHealthy: `${P}host_healthy`,
  hostDraining: `${P}host_draining`,
} as const

/** What the gauges read at scrape time; bound once the core has built them (until then they stay empty). */
export interface MetricSources {
  databaseFigures(): Promise<FiguresAnswer>
  slots(): { slotsInUse: number; maxConcurrent: number; waiting: number; stopPending: number }
  gologinTokenStopped(): boolean
  health(): HostHealthState
  draining(): boolean
}

/** Attempt parts timed by the automator: the session's steps, then the final write and the profile stop. */
const STEP_LABELS = new Set<string>([...SESSION_STEPS, 'store', 'stop'])
const ERROR_CODE_LABELS = new Set<string>(ERROR_CODES)
const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled'])
/** X's endpoints by what the OAuth clients call them (oauth-service.ts, oauth1-client.ts). */
const X_ENDPOINTS: Record<string, string> = {
  'code exchange': 'oauth2_token_exchange',
  'token refresh': 'oauth2_token_refresh',
  'token revoke': 'oauth2_revoke',
  'users/me': 'users_me',
  'request token': 'oauth1_request_token',
  'access token': 'oauth1_access_token',
  'token invalidation': 'oauth1_invalidate_token',
}
const REFRESH_OUTCOMES: Record<string, string> = {
  'tokens.refreshed': 'refreshed',
  'tokens.refresh_failed': 'failed',
  'tokens.refresh_rate_limited': 'rate_limited',
  'tokens.refresh_rejected': 'rejected',
  'tokens.refresh_superseded': 'superseded',
  'tokens.refresh_store_failed': 'store_failed',
}
const NOT_STOPPED: Record<string, string> = {
  'gologin.profile.stop_given_up': 'stop_given_up',
  'recovery.profile_not_stopped': 'recovery',
  'hosts.dead_profile_not_stopped': 'dead_host',
}

export function errorCodeLabel(value: unknown): string {
  if (value === null || value === undefined || value === '') return 'none'
  return typeof value === 'string' && ERROR_CODE_LABELS.has(value) ? value : 'OTHER'
}

/** An HTTP status as a label: the status itself (a bounded set of numbers), or `error` / `cancelled` without an answer. */
export function httpStatusLabel(value: unknown): string {
  if (value === 'cancelled') return 'cancelled'
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 599) return 'error'
  return String(value)
}

function oneOf(value: unknown, allowed: ReadonlySet<string> | readonly string[], other = 'other'): string {
  const set = allowed instanceof Set ? allowed : new Set(allowed)
  return typeof value === 'string' && set.has(value) ? value : other
}

export interface PanelMetricsOptions {
  logs: LogSystem
  /** `desktop`, `browser` or `worker` (a label of `gologin_panel_info`). */
  mode: string
  version: string
  /** Process metrics (default on; tests of many cores in one process may leave them off). */
  processMetrics?: boolean
}

/**
 * Node's process metrics, collected once per process (they describe the process, and each collection keeps an
 * event-loop monitor and a GC observer running for good): every core's scrape includes this one registry.
 */
let processRegistry: Registry | null = null
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export class PanelMetrics {
  /** This core's own metrics. */
  readonly registry = new Registry()
  /** What a scrape answers: this core's metrics, and the process metrics unless left off. */
  private readonly scraped: Registry
  private sources: MetricSources | null = null
  private readonly untap: () => void

  constructor(options: PanelMetricsOptions) {
    const registers = [this.registry]
    const sources = () => this.sources

    new Gauge({ name: METRIC_NAMES.info, help: 'This host: 1, with its mode and version', labelNames: ['mode', 'version'], registers }).set({ mode: options.mode, version: options.version }, 1)

    // ---- from the database (the same on every host of it) ----
    let figures: Promise<FiguresAnswer> | null = null
    // The four database gauges are collected one after the other in one scrape: they share one read.
    const read = (): Promise<FiguresAnswer> => {
      const from = sources()
      if (!from) return Promise.resolve({ figures: null, fresh: false })
      figures ??= from.databaseFigures().finally(() => setImmediate(() => (figures = null)))
      return figures
    }
    const sessions = new Gauge({
      name: METRIC_NAMES.sessions,
      help: 'Authorization sessions in the database, by state and error code (the same on every host of a shared database)',
      labelNames: ['state', 'error_code'],
      registers,
      async collect() {
        const answer = await read()
        if (!answer.figures) return
        sessions.reset()
        for (const state of SESSION_STATUSES) sessions.set({ state, error_code: 'none' }, 0)
        for (const row of answer.figures.sessions) sessions.inc({ state: oneOf(row.status, SESSION_STATUSES), error_code: errorCodeLabel(row.errorCode) }, row.count)
      },
    })
    const queue = new Gauge({
      name: METRIC_NAMES.queueDepth,
      help: 'Sessions waiting to be claimed (pending) in the database',
      registers,
      async collect() {
        const answer = await read()
        if (answer.figures) queue.set(answer.figures.sessions.filter((row) => row.status === 'pending').reduce((sum, row) => sum + row.count, 0))
      },
    })
    const tokens = new Gauge({
      name: METRIC_NAMES.tokens,
      help: 'Issued tokens in the database, by status',
      labelNames: ['status'],
      registers,
      async collect() {
        const answer = await read()
        if (!answer.figures) return
        tokens.reset()
        for (const status of TOKEN_STATUSES) tokens.set({ status }, 0)
        for (const row of answer.figures.tokens) tokens.inc({ status: oneOf(row.status, TOKEN_STATUSES) }, row.count)
      },
    })
    const expiring = new Gauge({
      name: METRIC_NAMES.tokensExpiring24h,
      help: 'Valid tokens whose access token expires within 24 hours',
      registers,
      async collect() {
        const answer = await read()
        if (answer.figures) expiring.set(answer.figures.expiringWithin24h)
      },
    })
    const databaseUp = new Gauge({
      name: METRIC_NAMES.databaseFiguresUp,
      help: '1 when the database figures of this scrape are current, 0 when the database did not answer in time (the last figures are shown)',
      registers,
      async collect() {
        databaseUp.set((await read()).fresh ? 1 : 0)
      },
    })

    // ---- this host, from memory ----
    const slotGauge = (name: string, help: string, pick: (slots: ReturnType<MetricSources['slots']>) => number) => {
      const gauge: Gauge = new Gauge({
        name,
        help,
        registers,
        collect() {
          const from = sources()
          if (from) gauge.set(pick(from.slots()))
        },
      })
    }
    slotGauge(METRIC_NAMES.slotsInUse, 'Profile slots of this host in use', (slots) => slots.slotsInUse)
    slotGauge(METRIC_NAMES.slotsTotal, 'Profile slots of this host', (slots) => slots.maxConcurrent)
    slotGauge(METRIC_NAMES.slotsWaiting, 'Attempts of this host waiting for a slot', (slots) => slots.waiting)
    slotGauge(METRIC_NAMES.profilesStopPending, 'Profiles whose stop failed and is retried (their slot stays taken)', (slots) => slots.stopPending)
    const stopped = new Gauge({
      name: METRIC_NAMES.gologinTokenStopped,
      help: '1 when GoLogin answered 429 (or 401 on a handshake) and every GoLogin call is stopped',
      registers,
      collect() {
        const from = sources()
        if (from) stopped.set(from.gologinTokenStopped() ? 1 : 0)
      },
    })
    const healthy = new Gauge({
      name: METRIC_NAMES.hostHealthy,
      help: 'Whether this host can work (GoLogin reachable, its token usable, a slot not held by a failed stop)',
      registers,
      collect() {
        const from = sources()
        if (from) healthy.set(from.health().ok ? 1 : 0)
      },
    })
    const draining = new Gauge({
      name: METRIC_NAMES.hostDraining,
      help: '1 while this host drains (finishes what it runs, claims nothing more)',
      registers,
      collect() {
        const from = sources()
        if (from) draining.set(from.draining() ? 1 : 0)
      },
    })

    // ---- events, counted where they are logged ----
    const attempts = new Counter({ name: METRIC_NAMES.attempts, help: 'Attempts this host finished, by outcome and error code', labelNames: ['status', 'error_code'], registers })
    const attemptDuration = new Histogram({
      name: METRIC_NAMES.attemptDuration,
      help: 'How long attempts of this host took, by outcome',
      labelNames: ['status'],
      buckets: [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600],
      registers,
    })
    const stepDuration = new Histogram({
      name: METRIC_NAMES.stepDuration,
      help: 'Time attempts of this host spent per step (starting_profile, connecting, consent, exchanging, verifying, store, stop)',
      labelNames: ['step'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers,
    })
    const notStopped = new Counter({ name: METRIC_NAMES.profilesNotStopped, help: 'Profiles GoLogin did not confirm stopped, by where it was tried', labelNames: ['where'], registers })
    const gologinRequests = new Counter({ name: METRIC_NAMES.gologinRequests, help: 'Requests this host sent to GoLogin (retries included), by HTTP status', labelNames: ['status'], registers })
    const gologin429 = new Counter({ name: METRIC_NAMES.gologin429, help: 'GoLogin answers 429 (the API token is revoked from then on)', registers })
    const budgetWait = new Histogram({
      name: METRIC_NAMES.gologinBudgetWait,
      help: "Time this host's GoLogin requests waited for a permit of the request budget (shared by the hosts of a database)",
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    })
    const xCalls = new Counter({ name: METRIC_NAMES.xCalls, help: 'Calls this host made to X, by endpoint and HTTP status', labelNames: ['endpoint', 'status'], registers })
    const refreshes = new Counter({ name: METRIC_NAMES.tokenRefreshes, help: 'Token refreshes this host tried, by outcome', labelNames: ['outcome'], registers })
    const claims = new Counter({ name: METRIC_NAMES.claims, help: 'Sessions this host claimed from the shared queue', registers })
    const renewals = new Counter({ name: METRIC_NAMES.leaseRenewalsFailed, help: "Failed renewals of this host's claim leases", registers })
    const lost = new Counter({ name: METRIC_NAMES.leasesLost, help: 'Claims this host lost (its attempt stopped)', registers })
    // Series that exist from the start, so rates and dashboards see 0 rather than nothing.
    for (const outcome of new Set(Object.values(REFRESH_OUTCOMES))) refreshes.inc({ outcome }, 0)
    for (const where of new Set(Object.values(NOT_STOPPED))) notStopped.inc({ where }, 0)

    this.untap = options.logs.tap((event, fields) => {
      const f = fields ?? {}
      switch (event) {
        case 'authorization.finished': {
          const status = oneOf(f.status, [...TERMINAL])
          attempts.inc({ status, error_code: errorCodeLabel(f.errorCode) })
          if (typeof f.totalMs === 'number') attemptDuration.observe({ status }, f.totalMs / 1000)
          for (const [step, ms] of Object.entries((f.stepsMs as Record<string, unknown> | undefined) ?? {})) {
            if (STEP_LABELS.has(step) && typeof ms === 'number') stepDuration.observe({ step }, ms / 1000)
          }
          return
        }
        case 'gologin.api.answered':
          gologinRequests.inc({ status: httpStatusLabel(f.status) })
          if (f.status === 429) gologin429.inc()
          return
        case 'gologin.budget.waited':
          if (typeof f.ms === 'number') budgetWait.observe(f.ms / 1000)
          return
        case 'x.call':
          xCalls.inc({ endpoint: X_ENDPOINTS[String(f.what)] ?? 'other', status: httpStatusLabel(f.status) })
          return
        case 'batch.claimed':
          claims.inc()
          return
        case 'batch.lease_renew_failed':
          renewals.inc()
          return
        case 'batch.lease_lost':
          lost.inc()
          return
      }
      const outcome = REFRESH_OUTCOMES[event]
      if (outcome) return void refreshes.inc({ outcome })
      const where = NOT_STOPPED[event]
      if (where) notStopped.inc({ where })
    })
    // Merged once every metric of this core is registered (merge copies the list it finds).
    this.scraped = options.processMetrics === false ? this.registry : Registry.merge([processMetrics(), this.registry])
  }

  /** Binds the gauges read at scrape time (once the core has built what they read). */
  observe(sources: MetricSources): void {
    this.sources = sources
  }

  /** The text exposition format. */
  scrape(): Promise<string> {
    return this.scraped.metrics()
  }

  get contentType(): string {
    return this.scraped.contentType
  }

  close(): void {
    this.untap()
    this.sources = null
  }
}
