/**
 * Alerts where operators look (issue 22, row 4): the notices that carry an `alert` (the same event source as the
 * desktop notifications and toasts) go to the webhook targets in Settings → Alerts, sent by one host for the fleet.
 */
import type { AlertTestResult } from '../../../shared/contract/alerts'
import type { EventBatch } from '../../../shared/ipc-contract'
import type { Database } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import type { Redactor } from '../../logging/redact'
import type { SettingsService } from '../settings/settings-service'
import { AlertDispatcher, type RetryPolicy } from './alert-dispatcher'
import { LocalAlertQueue, PostgresAlertOutbox, type AlertQueue } from './alert-outbox'
import { AlertTargetStore } from './alert-targets'
import type { AlertEvent } from './webhook-payloads'

export { AlertTargetStore, type AlertTarget } from './alert-targets'
export type { AlertEvent } from './webhook-payloads'

type Notice = EventBatch<'notice'>['items'][number]

/** The settings the sender reads again before it sends (another host may have changed them). */
const ALERT_SETTINGS = ['alertTargets', 'alertRepeatMinutes', 'alertTelegramApiUrl'] as const
const CLOSE_GRACE_MS = 2_000

export interface AlertsDeps {
  db: Pick<Database, 'kind' | 'dataSource'>
  settings: SettingsService
  events: Pick<EventHub, 'subscribe'>
  redactor: Redactor
  hostId: string
  log: Logger
  /** PostgreSQL: how often a host tries to become the sender (default 2 s). */
  pollMs?: number
  retry?: RetryPolicy
}

export interface Alerts {
  readonly targets: AlertTargetStore
  /** Hands an alert to the sender (this host on SQLite; the fleet's sender on PostgreSQL). */
  raise(notice: Notice): Promise<void>
  /** The Test button: a test message to the target, sent from this host now. */
  test(id: string): Promise<AlertTestResult>
  /** Whether this host sends the fleet's alerts. */
  isSender(): boolean
  close(): Promise<void>
}

export async function startAlerts(deps: AlertsDeps): Promise<Alerts> {
  const { settings, redactor, log } = deps
  const targets = new AlertTargetStore({ settings, log, onSecret: (value) => redactor.addSecret(value) })
  const dispatcher = new AlertDispatcher({
    targets: () => targets.all(),
    telegramApiUrl: () => settings.get('alertTelegramApiUrl'),
    repeatMinutes: () => settings.get('alertRepeatMinutes'),
    redactor,
    log,
    retry: deps.retry,
  })
  const shared = deps.db.kind === 'postgres'
  const send = async (event: AlertEvent) => {
    if (shared) await settings.reload([...ALERT_SETTINGS])
    return dispatcher.dispatch(event)
  }
  const queue: AlertQueue = shared ? new PostgresAlertOutbox({ dataSource: deps.db.dataSource, hostId: deps.hostId, send, log, pollMs: deps.pollMs }) : new LocalAlertQueue({ send, log })
  await queue.start()

  const raise = (notice: Notice): Promise<void> => {
    if (!notice.alert) return Promise.resolve()
    const event: AlertEvent = {
      kind: notice.alert.kind,
      key: notice.alert.key,
      level: notice.level,
      title: redactor.redactString(notice.title),
      body: redactor.redactString(notice.body),
      host: deps.hostId,
      at: new Date().toISOString(),
    }
    return queue.push(event)
  }
  const unsubscribe = deps.events.subscribe((batches) => {
    for (const batch of batches) if (batch.channel === 'notice') for (const notice of (batch as EventBatch<'notice'>).items) void raise(notice)
  })

  return {
    targets,
    raise,
    async test(id) {
      const target = targets.get(id)
      return dispatcher.test(target, {
        kind: 'test',
        key: `test:${id}`,
        level: 'info',
        title: 'Test alert from the GoLogin panel',
        body: `Alerts of the panel reach “${target.name}”. Sent from host ${deps.hostId}.`,
        host: deps.hostId,
        at: new Date().toISOString(),
      })
    },
    isSender: () => (queue instanceof PostgresAlertOutbox ? queue.isSender : true),
    async close() {
      unsubscribe()
      const closed = queue.close()
      // A delivery under way gets a moment to finish (its answer may be on the way); one still retrying is cut short.
      let timer: NodeJS.Timeout | undefined
      await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))])
      clearTimeout(timer)
      dispatcher.close()
      await closed
    },
  }
}
