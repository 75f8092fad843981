import type { PartialHandlerMap } from '../ipc/router'
import type { BatchRunner } from '../services/automation/batch-runner'

/** "Authorize selected", its controls and "Retry failed". */
export function batchesHandlers(
  batches: BatchRunner,
): PartialHandlerMap<'batch:start' | 'batch:pause' | 'batch:resume' | 'batch:cancel' | 'batch:retry' | 'batch:retryPlan' | 'batch:check' | 'batch:active'> {
  return {
    'batch:start': (input) => batches.start(input),
    'batch:pause': ({ batchId }) => batches.pause(batchId),
    'batch:resume': ({ batchId }) => batches.resume(batchId),
    'batch:cancel': ({ batchId }) => batches.cancel(batchId),
    'batch:retry': (input) => batches.retry(input),
    'batch:retryPlan': (input) => batches.retryPlan(input),
    'batch:check': async ({ apiApp }) => {
      await batches.check(apiApp)
      return { apiApp, ready: true as const }
    },
    'batch:active': () => batches.active(),
  }
}
