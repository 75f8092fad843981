/**
 * The panel's four timed workers (sync, cleanup, monitor, token refresh), built from their services and
 * kept in step with the settings. The composition root creates them once, starts them after start-up
 * recovery, and stops them first on quit.
 */
import type { WorkerStatusDto } from '../../shared/contract/monitor'
import { DomainException } from '../../shared/errors'
import type { Database } from '../db'
import type { EventHub } from '../ipc/event-hub'
import type { LogSystem } from '../logging/logger'
import { GoneHosts } from '../services/hosts/gone-hosts'
import { SessionCleanup, type LiveSessions } from '../services/lifecycle/session-cleanup'
import type { SettingsService } from '../services/settings/settings-service'
import { TokenRefresher, type ApiAppSource, type TokenRefreshClient } from '../services/tokens/token-refresher'
import { UnverifiedTokenCheck, type UnverifiedCheckClient } from '../services/tokens/unverified-check'
import { TokenClaims } from '../services/tokens/token-claims'
import { CleanupWorker } from './cleanup-worker'
import { MonitorWorker, type SlotReadings } from './monitor-worker'
import { ProfileSyncWorker, type GoLoginTokenState, type ProfileSyncSource } from './profile-sync-worker'
import { TokenRefreshWorker } from './token-refresh-worker'
import type { Worker } from './worker'

export { Worker, type WorkerOptions, type WorkerStatus } from './worker'
export { ProfileSyncWorker, CleanupWorker, MonitorWorker, TokenRefreshWorker }

export const WORKER_NAMES = ['sync', 'cleanup', 'monitor', 'token-refresh'] as const
export type WorkerName = (typeof WORKER_NAMES)[number]

export interface PanelWorkersDeps {
  dataDir: string
  /** `<dataDir>/screenshots` */
  screenshotDir: string
  db: Database
  settings: Pick<SettingsService, 'get' | 'onChange'>
  /** The profile slots (`core.gologin.slots`). */
  slots: SlotReadings & { list(): Array<{ profileId: string }>; subscribe(listener: () => void): () => void }
  /** The GoLogin API client (`core.gologin.client`): whether a usable token is set. */
  gologin: GoLoginTokenState
  /** `core.gologinService` */
  syncSource: ProfileSyncSource
  /** `OAuthService` */
  /** Refreshes tokens; with `verifyCredentials` and `revoke` (the OAuthService) it also re-checks tokens kept unverified. */
  oauth: TokenRefreshClient & Partial<UnverifiedCheckClient>
  /** `core.apiApps` */
  apiApps: ApiAppSource
  /** Sessions the batch runner still holds (never timed out by the cleanup). */
  live?: LiveSessions | null
  /** PostgreSQL: this host (the cleanup resets only its own `in_use` flags and never times out claimed work). */
  hostId?: string
  events: EventHub
  logs: LogSystem
}

export interface PanelWorkers {
  readonly sync: ProfileSyncWorker
  readonly cleanup: CleanupWorker
  readonly monitor: MonitorWorker
  readonly tokenRefresh: TokenRefreshWorker
  readonly refresher: TokenRefresher
  get(name: WorkerName): Worker
  statuses(): WorkerStatusDto[]
  /** Runs one now (joins a running iteration) and answers its status afterwards. */
  runNow(name: WorkerName): Promise<WorkerStatusDto>
  start(): void
  /** Stops every worker, waiting for running iterations. */
  stop(): Promise<void>
}

export function createPanelWorkers(deps: PanelWorkersDeps): PanelWorkers {
  const { settings, logs } = deps
  let monitor: MonitorWorker | null = null
  const pushLive = () => monitor?.pushLive()

  const sync = new ProfileSyncWorker({
    source: deps.syncSource,
    gologin: deps.gologin,
    intervalMinutes: () => settings.get('syncIntervalMinutes'),
    sharedDatabase: deps.db.kind === 'postgres',
    log: logs.logger('worker.sync'),
    onStatus: pushLive,
  })
  const cleanupTask = new SessionCleanup({
    db: deps.db,
    slots: deps.slots,
    live: deps.live,
    hostId: deps.hostId,
    sessionTimeoutHours: () => settings.get('sessionTimeoutHours'),
    screenshotRetentionDays: () => settings.get('screenshotRetentionDays'),
    screenshotDir: deps.screenshotDir,
    dataDir: deps.dataDir,
    events: deps.events,
    log: logs.logger('worker.cleanup'),
  })
  const goneHosts = new GoneHosts({ db: deps.db, log: logs.logger('worker.cleanup') })
  // Sessions, flags and screenshots first; then the rows of hosts gone for good.
  const cleanupPass = { run: async (signal?: AbortSignal) => [await cleanupTask.run(signal), await goneHosts.run()] }
  const cleanup = new CleanupWorker(cleanupPass, { intervalMinutes: () => settings.get('cleanupIntervalMinutes'), log: logs.logger('worker.cleanup'), onStatus: pushLive })
  // A shared database: one host refreshes (or re-checks) a token at a time.
  const tokenClaims = new TokenClaims(deps.db.dataSource, deps.hostId ?? 'this-host')
  const refresher = new TokenRefresher({
    db: deps.db,
    claims: tokenClaims,
    oauth: deps.oauth,
    apiApps: deps.apiApps,
    marginMinutes: () => settings.get('tokenRefreshMarginMinutes'),
    events: deps.events,
    log: logs.logger('worker.token_refresh'),
  })
  const { verifyCredentials, revoke } = deps.oauth
  const unverified =
    verifyCredentials && revoke
      ? new UnverifiedTokenCheck({
          db: deps.db,
          oauth: { verifyCredentials: verifyCredentials.bind(deps.oauth), revoke: revoke.bind(deps.oauth) },
          apiApps: deps.apiApps,
          log: logs.logger('worker.token_refresh'),
          events: deps.events,
          claims: tokenClaims,
        })
      : null
  const refreshPass = {
    // Refreshing first (tokens about to expire), then the tokens kept unverified, whatever the refresh pass did.
    async refreshDue(signal?: AbortSignal) {
      try {
        return await refresher.refreshDue(signal)
      } finally {
        await unverified?.run(signal).catch((error: unknown) => logs.logger('worker.token_refresh').warn('tokens.unverified_failed', { err: error }))
      }
    },
  }
  const tokenRefresh = new TokenRefreshWorker(refreshPass, {
    marginMinutes: () => settings.get('tokenRefreshMarginMinutes'),
    log: logs.logger('worker.token_refresh'),
    onStatus: pushLive,
  })
  const all: Worker[] = [sync, cleanup, tokenRefresh]
  const statuses = () => all.map((worker) => worker.status())
  monitor = new MonitorWorker({
    db: deps.db,
    slots: deps.slots,
    gologin: deps.gologin,
    workers: statuses,
    intervalSeconds: () => settings.get('monitorIntervalSeconds'),
    thresholds: () => ({ failureRatePercent: settings.get('alertFailureRatePercent'), failuresPerHour: settings.get('alertFailuresPerHour') }),
    events: deps.events,
    log: logs.logger('worker.monitor'),
    hostId: deps.hostId,
  })
  all.push(monitor)
  const byName = new Map<string, Worker>(all.map((worker) => [worker.name, worker]))

  const unsubscribers: Array<() => void> = []
  const follow = () => {
    unsubscribers.push(
      deps.slots.subscribe(pushLive),
      // A session changed status (pushed by this host, or read back from another host's change).
      deps.events.subscribe((batches) => {
        if (batches.some((batch) => batch.channel === 'sessions' && batch.items.some((item) => 'status' in item))) monitor!.sessionsChanged()
      }),
      settings.onChange((_view, changed) => {
        if (changed.includes('syncIntervalMinutes')) sync.reschedule()
        if (changed.includes('cleanupIntervalMinutes')) cleanup.reschedule()
        if (changed.includes('monitorIntervalSeconds')) monitor!.reschedule()
        if (changed.includes('tokenRefreshMarginMinutes')) tokenRefresh.reschedule()
      }),
    )
  }

  const get = (name: WorkerName): Worker => {
    const worker = byName.get(name)
    if (!worker) throw new DomainException('NOT_FOUND', `There is no background task called ${name}.`)
    return worker
  }

  return {
    sync,
    cleanup,
    monitor,
    tokenRefresh,
    refresher,
    get,
    statuses,
    async runNow(name) {
      const worker = get(name)
      await worker.runNow()
      return worker.status()
    },
    start() {
      if (!unsubscribers.length) follow()
      for (const worker of all) worker.start()
    },
    async stop() {
      for (const unsubscribe of unsubscribers.splice(0)) unsubscribe()
      // Refreshes already sent (a manual "run now" too) are stored before the database closes.
      await Promise.all([...all.map((worker) => worker.stop()), refresher.close()])
    },
  }
}
