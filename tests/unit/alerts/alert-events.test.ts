/**
 * Which notices become webhook alerts (the monitor's thresholds, a host turning unhealthy) and how long texts are cut
 * to what Slack, Discord and Telegram accept.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { watchHostHealth } from '../../../src/main/services/alerts/health-alerts'
import { webhookRequest, type AlertEvent } from '../../../src/main/services/alerts/webhook-payloads'
import type { AlertTarget } from '../../../src/main/services/alerts/alert-targets'
import type { HostHealthState } from '../../../src/main/services/hosts/host-health'
import { alertOfNotice } from '../../../src/main/workers/alerts'

afterEach(() => {
  vi.useRealTimers()
})

const target = (type: AlertTarget['type']): AlertTarget => ({
  id: 't',
  name: 'T',
  type,
  url: type === 'telegram' ? null : 'https://hooks.example/x',
  botToken: type === 'telegram' ? '123:abc' : null,
  chatId: type === 'telegram' ? '-100' : null,
  events: ['batch_finished'],
  enabled: true,
})
const event: AlertEvent = { kind: 'batch_finished', key: 'batch:1', level: 'warn', title: 'Authorization batch finished (APP)', body: 'x'.repeat(5_000), host: 'h1', at: '2026-12-07T18:00:00.000Z' }

describe('alert events', () => {
  it('maps the monitor’s alerts to webhook kinds under the fleet’s key', () => {
    expect(alertOfNotice('FAILURE_RATE', { code: 'FAILURE_RATE', level: 'warn', message: '' })).toEqual({ kind: 'failure_rate', key: 'FAILURE_RATE' })
    expect(alertOfNotice('FAILURES_PER_HOUR', { code: 'FAILURES_PER_HOUR', level: 'error', message: '' })).toEqual({ kind: 'failure_rate', key: 'FAILURES_PER_HOUR' })
    expect(alertOfNotice('TOKENS_EXPIRING', { code: 'TOKENS_EXPIRING', level: 'warn', message: '' })?.kind).toBe('tokens_failing_refresh')
    expect(alertOfNotice('WORKER_FAILING:token-refresh', { code: 'WORKER_FAILING', level: 'warn', message: '' })?.kind).toBe('tokens_failing_refresh')
    expect(alertOfNotice('WORKER_FAILING:sync', { code: 'WORKER_FAILING', level: 'warn', message: '' })).toBeNull()
  })

  it('cuts long texts to what each service accepts', () => {
    const discord = webhookRequest(target('discord'), event, 'https://api.telegram.org').body as { content: string; embeds: Array<{ description: string }> }
    expect(discord.embeds[0].description).toHaveLength(4_096)
    const telegram = webhookRequest(target('telegram'), event, 'http://127.0.0.1:9/tg/')
    expect(telegram.url).toBe('http://127.0.0.1:9/tg/bot123:abc/sendMessage')
    expect((telegram.body as { text: string }).text).toHaveLength(4_096)
    const slack = webhookRequest(target('slack'), event, '').body as { blocks: Array<{ text?: { text: string } }> }
    expect(slack.blocks[1].text!.text).toHaveLength(3_000)
  })

  it('raises one notice per health problem of this host, again once it healed and failed anew', () => {
    vi.useFakeTimers()
    let state: HostHealthState = { ok: true }
    const emitted: Array<{ title: string; alert?: { kind: string; key: string } }> = []
    const stop = watchHostHealth({ state: () => state, hostId: 'h1', events: { emit: (_channel, item) => void emitted.push(item as never) }, everyMs: 1_000 })
    vi.advanceTimersByTime(1_000)
    state = { ok: false, reason: 'GoLogin unreachable', since: '' }
    vi.advanceTimersByTime(3_000)
    expect(emitted).toEqual([expect.objectContaining({ title: 'Host h1 is unhealthy', alert: { kind: 'host_offline', key: 'host-unhealthy:h1:GoLogin unreachable' } })])
    state = { ok: true }
    vi.advanceTimersByTime(1_000)
    state = { ok: false, reason: 'GoLogin unreachable', since: '' }
    vi.advanceTimersByTime(1_000)
    expect(emitted).toHaveLength(2)
    stop()
  })
})
