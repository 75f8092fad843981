import { Worker, type WorkerStatus } from './worker'
import type { Logger } from '../logging/logger'
import { isSyncElsewhere } from '../services/gologin/gologin-service'

/** What the sync worker needs from the GoLogin service (`core.gologinService` fits). */
export interface ProfileSyncSource {
  syncProfiles(signal?: AbortSignal): Promise<unknown>
  /** When any host last started a sync that wrote profiles (null: never). */
  lastSyncedAt?(): Promise<Date | null>
}

/** Whether GoLogin can be called at all right now (the GoLogin client's status fits). */
export interface GoLoginTokenState {
  status(): { hasToken: boolean; tokenRevoked: boolean }
}

export interface ProfileSyncWorkerOptions {
  source: ProfileSyncSource
  gologin: GoLoginTokenState
  /** `syncIntervalMinutes` (0 = automatic sync off). */
  intervalMinutes: () => number
  /**
   * Several hosts share the database (PostgreSQL): a run is skipped when another host synced within the interval,
   * so N hosts sync as often as one (the GoLogin budget is shared too).
   */
  sharedDatabase?: boolean
  now?: () => number
  log: Logger
  onStatus?: (status: WorkerStatus) => void
}

/**
 * Syncs profiles from GoLogin every `syncIntervalMinutes` (default 15) and once at start-up. Without a
 * usable GoLogin token it does nothing and says so once (not every run) until a token is set. On a database
 * shared by several hosts, one host syncs at a time and a host skips its run when another one synced within the
 * interval.
 */
export class ProfileSyncWorker extends Worker {
  private skipped: 'no_token' | 'token_revoked' | null = null

  constructor(private readonly deps: ProfileSyncWorkerOptions) {
    super({
      name: 'sync',
      intervalMs: () => deps.intervalMinutes() * 60_000,
      runOnStart: true,
      minBackoffMs: 60_000,
      log: deps.log,
      onStatus: deps.onStatus,
    })
  }

  protected async runOnce(signal: AbortSignal): Promise<void> {
    const { hasToken, tokenRevoked } = this.deps.gologin.status()
    const reason = !hasToken ? 'no_token' : tokenRevoked ? 'token_revoked' : null
    if (reason) {
      if (this.skipped !== reason) {
        const msg =
          reason === 'no_token'
            ? 'Automatic profile sync waits for a GoLogin API token (Settings)'
            : 'Automatic profile sync is paused: GoLogin revoked the API token; enter a new one in Settings'
        this.deps.log.info('sync.skipped', { reason }, msg)
      }
      this.skipped = reason
      return
    }
    this.skipped = null
    if (this.deps.sharedDatabase && this.deps.source.lastSyncedAt) {
      const last = await this.deps.source.lastSyncedAt()
      const now = this.deps.now?.() ?? Date.now()
      // A little under the interval: this host's own previous run must not make it skip the next one.
      if (last && now - last.getTime() < this.deps.intervalMinutes() * 60_000 * 0.9) {
        this.deps.log.info('sync.recent', { lastSyncedAt: last.toISOString() }, `Automatic profile sync skipped: another host synced at ${last.toISOString()}`)
        return
      }
    }
    try {
      await this.deps.source.syncProfiles(signal)
    } catch (error) {
      // Another host is syncing right now: its sync is this run's (not a failure to back off from).
      if (!isSyncElsewhere(error)) throw error
    }
  }
}
