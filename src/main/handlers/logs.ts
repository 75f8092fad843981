import type { LogSystem } from '../logging/logger'
import type { PartialHandlerMap } from '../ipc/router'

export function logsHandlers(logs: LogSystem): PartialHandlerMap<'logs:recent'> {
  return {
    'logs:recent': ({ limit }) => logs.ring.recent(limit),
  }
}
