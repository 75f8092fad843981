/**
 * Quitting within a bounded time (issue 6): the close steps run in order (workers, batches, profiles,
 * database), each given what is left of one overall deadline. A step that overruns is logged and left
 * behind so the next ones (above all stopping profiles and closing the database) still run.
 */
import type { Logger } from '../../logging/logger'

export interface ShutdownStep {
  name: string
  run: () => Promise<unknown> | unknown
  /** This step's own limit (default: whatever is left of the deadline). */
  timeoutMs?: number
}

export interface ShutdownReport {
  timedOut: string[]
  failed: string[]
  ms: number
}

export async function runShutdown(steps: readonly ShutdownStep[], options: { deadlineMs: number; log: Logger; minStepMs?: number }): Promise<ShutdownReport> {
  const started = Date.now()
  const report: ShutdownReport = { timedOut: [], failed: [], ms: 0 }
  for (const step of steps) {
    const left = Math.max(options.minStepMs ?? 500, options.deadlineMs - (Date.now() - started))
    const limit = Math.min(step.timeoutMs ?? left, left)
    const outcome = await settleWithin(step.run, limit)
    if (outcome === 'timeout') {
      report.timedOut.push(step.name)
      options.log.warn('shutdown.step_timeout', { step: step.name, limitMs: limit }, `Stopping ${step.name} took longer than ${limit} ms; going on without it`)
    } else if (outcome !== 'done') {
      report.failed.push(step.name)
      options.log.error('shutdown.step_failed', { step: step.name, err: outcome.error })
    }
  }
  report.ms = Date.now() - started
  return report
}

async function settleWithin(run: () => unknown, ms: number): Promise<'done' | 'timeout' | { error: unknown }> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  try {
    return await Promise.race([
      Promise.resolve()
        .then(run)
        .then(
          () => 'done' as const,
          (error: unknown) => ({ error }),
        ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}
