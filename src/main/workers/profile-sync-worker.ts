import { Worker, type WorkerStatus } from './worker'
import type { Logger } from '../logging/logger'

/** What the sync worker needs from the GoLogin service (`core.gologinService` fits). */
export interface ProfileSyncSource {
  syncProfiles(signal?: AbortSignal): Promise<unknown>
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
  log: Logger
  onStatus?: (status: WorkerStatus) => void
}

/**
 * Syncs profiles from GoLogin every `syncIntervalMinutes` (default 15) and once at start-up. Without a
 * usable GoLogin token it does nothing and says so once (not every run) until a token is set.
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
    await this.deps.source.syncProfiles(signal)
  }
}
