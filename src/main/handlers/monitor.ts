import type { PartialHandlerMap } from '../ipc/router'
import type { PanelWorkers } from '../workers'

/** `monitor:get` answers fresh figures; `workers:runNow` runs a background task now and answers its status. */
export function monitorHandlers(workers: Pick<PanelWorkers, 'monitor' | 'runNow'>): PartialHandlerMap<'monitor:get' | 'workers:runNow'> {
  return {
    'monitor:get': () => workers.monitor.snapshot(),
    'workers:runNow': ({ name }) => workers.runNow(name),
  }
}
