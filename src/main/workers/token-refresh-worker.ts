import type { Logger } from '../logging/logger'
import { Worker, type WorkerStatus } from './worker'

/** One refresh pass (`TokenRefresher` fits). */
export interface RefreshTask {
  refreshDue(signal?: AbortSignal): Promise<unknown>
}

/**
 * Refreshes tokens expiring within `tokenRefreshMarginMinutes`, at start-up (tokens may have run out while
 * the panel was closed) and then every third of the margin (at least each minute, at most every 5 minutes),
 * so every token is looked at more than once before it expires.
 */
export class TokenRefreshWorker extends Worker {
  constructor(
    private readonly task: RefreshTask,
    options: { marginMinutes: () => number; log: Logger; onStatus?: (status: WorkerStatus) => void },
  ) {
    super({
      name: 'token-refresh',
      intervalMs: () => refreshIntervalMs(options.marginMinutes()),
      runOnStart: true,
      minBackoffMs: 30_000,
      log: options.log,
      onStatus: options.onStatus,
    })
  }

  protected async runOnce(signal: AbortSignal): Promise<void> {
    await this.task.refreshDue(signal)
  }
}

export function refreshIntervalMs(marginMinutes: number): number {
  return Math.min(5 * 60_000, Math.max(60_000, Math.floor((marginMinutes * 60_000) / 3)))
}
