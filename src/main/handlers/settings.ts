import type { z } from 'zod'
import type { settingsContract } from '../../shared/contract/settings'
import type { RequestMeta } from '../ipc/router'
import type { ApiAppService } from '../services/api-apps/api-app-service'
import { fieldsError } from '../services/settings/field-errors'
import type { SettingsService } from '../services/settings/settings-service'

type SettingsChannel = keyof typeof settingsContract
type Input<C extends SettingsChannel> = z.output<(typeof settingsContract)[C]['input']>
type Output<C extends SettingsChannel> = (typeof settingsContract)[C]['output']

/** Same shape as `PartialHandlerMap<SettingsChannel>` once `settingsContract` is in the request contract. */
export type SettingsHandlerMap = {
  [C in SettingsChannel]: (input: Input<C>, meta: RequestMeta) => Promise<Output<C>> | Output<C>
}

export function settingsHandlers(settings: SettingsService, apiApps: ApiAppService): SettingsHandlerMap {
  return {
    'settings:get': () => settings.view(),
    'settings:update': (patch) => {
      // The targets are checked field by field only through 'alerts:saveTarget' (Settings → Alert webhooks).
      if ('alertTargets' in patch) throw fieldsError('Settings not saved', { alertTargets: 'is edited in Settings → Alert webhooks, one target at a time' })
      return settings.update(patch)
    },
    'apiApps:list': () => apiApps.list(),
    'apiApps:save': (input) => apiApps.save(input),
    'apiApps:delete': async ({ name }) => {
      await apiApps.delete(name)
      return { deleted: true as const }
    },
  }
}
