import type { SystemInfo } from '../../shared/contract/system'
import type { Logger } from '../logging/logger'
import type { PartialHandlerMap } from '../ipc/router'

export function systemHandlers(info: SystemInfo, log: Logger): PartialHandlerMap<'system:info' | 'system:ping'> {
  return {
    'system:info': () => info,
    'system:ping': ({ message }) => {
      log.info('system.ping', {}, message)
      return { pong: message }
    },
  }
}
