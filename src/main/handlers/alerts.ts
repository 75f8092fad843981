import type { PartialHandlerMap } from '../ipc/router'
import type { Alerts } from '../services/alerts'

type AlertsChannel = 'alerts:listTargets' | 'alerts:saveTarget' | 'alerts:deleteTarget' | 'alerts:testTarget'

/** Settings → Alerts: the webhook targets (listed without their secrets) and the Test button. */
export function alertsHandlers(alerts: Pick<Alerts, 'targets' | 'test'>): PartialHandlerMap<AlertsChannel> {
  return {
    'alerts:listTargets': () => alerts.targets.list(),
    'alerts:saveTarget': (input) => alerts.targets.save(input),
    'alerts:deleteTarget': async ({ id }) => {
      await alerts.targets.delete(id)
      return { deleted: true as const }
    },
    'alerts:testTarget': ({ id }) => alerts.test(id),
  }
}
