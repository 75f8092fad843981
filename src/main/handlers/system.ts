import type { SystemInfo, UpdateStatus } from '../../shared/contract/system'
import { DomainException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import type { PartialHandlerMap } from '../ipc/router'
import type { UpdatesPort } from '../services/platform'

/** Browser mode, workers and development: updates come with the server or the checkout, not from a feed. */
export function updatesOff(info: SystemInfo): UpdateStatus {
  const reasons: Record<SystemInfo['mode'], string> = {
    desktop: 'Updates are off in this build (development, or no update feed configured when it was packaged).',
    browser: 'Browser mode updates with the machine that serves it: install the new version there.',
    worker: 'Workers update with their installation.',
  }
  return { state: 'disabled', currentVersion: info.appVersion, version: null, percent: null, checkedAt: null, message: reasons[info.mode] }
}

export function systemHandlers(
  info: SystemInfo,
  log: Logger,
  updates: UpdatesPort | null = null,
): PartialHandlerMap<'system:info' | 'system:ping' | 'system:update' | 'system:installUpdate'> {
  return {
    'system:info': () => info,
    'system:ping': ({ message }) => {
      log.info('system.ping', {}, message)
      return { pong: message }
    },
    'system:update': () => updates?.status() ?? updatesOff(info),
    'system:installUpdate': () => {
      if (!updates) throw new DomainException('CONFLICT', updatesOff(info).message ?? 'Updates are off.')
      updates.installNow()
      return { restarting: true as const }
    },
  }
}
