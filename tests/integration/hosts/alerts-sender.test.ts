/**
 * Alerts are sent by one host for the whole fleet (issue 22, row 4): on one PostgreSQL database, an alert raised on
 * either host reaches the webhook target exactly once (through the alert outbox), an alert both hosts raise goes out
 * once, and when the sending host stops the other takes over, with the targets saved on the first.
 */
import { describe, expect, it } from 'vitest'
import type { AlertKind } from '../../../src/shared/contract/alerts'
import type { EventItem } from '../../../src/shared/ipc-contract'
import { startWebhookServer } from '../../helpers/webhook-server'
import { claimWorld, until } from './claims-world'

function notice(kind: AlertKind, key: string): EventItem<'notice'> {
  return { id: `${key}-${Date.now()}`, level: 'warn', title: `Alert ${key}`, body: `what happened (${key})`, alert: { kind, key } }
}

describe('alerts on a shared database', () => {
  it('an alert raised on either host is delivered exactly once, by one sender, which another host replaces', { timeout: 90_000 }, async () => {
    const hooks = await startWebhookServer()
    try {
      const world = await claimWorld()
      const core = { alerts: { pollMs: 200, retry: { retries: 2, minTimeoutMs: 50, maxTimeoutMs: 100 } } }
      const a = await world.host('a', { prepare: true, core })
      const b = await world.host('b', { core })
      await until('one host is the sender', () => a.core.alerts.isSender() || b.core.alerts.isSender(), 10_000)
      expect([a.core.alerts.isSender(), b.core.alerts.isSender()].filter(Boolean)).toHaveLength(1)
      // Not host_offline: a host's own health watch may raise that meanwhile.
      await a.core.alerts.targets.save({ name: 'Ops', type: 'generic', url: `${hooks.url}/fleet`, events: ['profiles_not_stopped', 'batch_finished', 'failure_rate', 'tokens_failing_refresh'] })

      a.core.events.emit('notice', notice('profiles_not_stopped', 'raised-on-a'))
      b.core.events.emit('notice', notice('batch_finished', 'raised-on-b'))
      // Both hosts' monitors see the fleet's failure rate: one alert.
      a.core.events.emit('notice', notice('failure_rate', 'FAILURE_RATE'))
      b.core.events.emit('notice', notice('failure_rate', 'FAILURE_RATE'))
      await hooks.until('/fleet', 3)
      const sentinel = (host: typeof a, key: string) => host.core.events.emit('notice', notice('tokens_failing_refresh', key))
      sentinel(b, 'sentinel-1')
      await hooks.until('/fleet', 4)
      const keys = () => hooks.received.filter((hook) => hook.path === '/fleet').map((hook) => hook.body.key)
      expect([...keys()].sort()).toEqual(['FAILURE_RATE', 'raised-on-a', 'raised-on-b', 'sentinel-1'])
      expect(hooks.received.filter((hook) => hook.path === '/fleet').map((hook) => hook.body.host)).toEqual(expect.arrayContaining(['a', 'b']))

      // The sender stops: the other host takes over and sends with the targets the first one saved.
      const [sender, other] = a.core.alerts.isSender() ? [a, b] : [b, a]
      await sender.close()
      await until('the other host is the sender', () => other.core.alerts.isSender(), 10_000)
      sentinel(other, 'after-takeover')
      await hooks.until('/fleet', 5)
      expect(keys().slice(4)).toEqual(['after-takeover'])
      // What was sent leaves the outbox.
      await until('the outbox is empty', async () => {
        const left: Array<{ n: string }> = await other.core.db.dataSource.query(`SELECT COUNT(*)::text AS n FROM alert_outbox`)
        return left[0].n === '0'
      }, 5_000)
    } finally {
      await hooks.close()
    }
  })
})
