import type { Logger } from '../logging/logger'
import { Worker, type WorkerStatus } from './worker'

/** One cleanup pass (`SessionCleanup` fits). */
export interface CleanupTask {
  run(signal?: AbortSignal): Promise<unknown>
}

/** Hourly (`cleanupIntervalMinutes`): stale sessions → timeout, stale in-use flags, old screenshots. */
export class CleanupWorker extends Worker {
  constructor(
    private readonly task: CleanupTask,
    options: { intervalMinutes: () => number; log: Logger; onStatus?: (status: WorkerStatus) => void },
  ) {
    super({ name: 'cleanup', intervalMs: () => options.intervalMinutes() * 60_000, runOnStart: true, minBackoffMs: 60_000, log: options.log, onStatus: options.onStatus })
  }

  protected async runOnce(signal: AbortSignal): Promise<void> {
    await this.task.run(signal)
  }
}
