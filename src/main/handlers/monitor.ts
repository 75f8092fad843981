import type { PartialHandlerMap } from '../ipc/router'
import type { ProfileSlots } from '../services/gologin/profile-slots'
import type { PanelWorkers } from '../workers'

/**
 * `monitor:get` answers fresh figures; `workers:runNow` runs a background task now and answers its status;
 * `slots:giveUp` lets go of a profile whose stop GoLogin never confirmed.
 */
export function monitorHandlers(
  workers: Pick<PanelWorkers, 'monitor' | 'runNow'>,
  slots: Pick<ProfileSlots, 'giveUp'>,
): PartialHandlerMap<'monitor:get' | 'workers:runNow' | 'slots:giveUp'> {
  return {
    'monitor:get': () => workers.monitor.snapshot(),
    'workers:runNow': ({ name }) => workers.runNow(name),
    'slots:giveUp': async ({ profileId }) => {
      await slots.giveUp(profileId)
      return { profileId, givenUp: true as const }
    },
  }
}
