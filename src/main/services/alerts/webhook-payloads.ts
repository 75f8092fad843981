/** What each kind of target receives for one alert (pure: the shapes are easy to test and to read). */
import type { AlertKind } from '../../../shared/contract/alerts'
import type { AlertTarget } from './alert-targets'

/** One alert as it travels (outbox row, webhook): text only, already redacted, never a secret. */
export interface AlertEvent {
  kind: AlertKind | 'test'
  /** Identity: the same key is not sent again within the repeat window. */
  key: string
  level: 'info' | 'warn' | 'error'
  title: string
  body: string
  /** The host that raised it. */
  host: string
  /** ISO time it was raised. */
  at: string
}

export interface WebhookRequest {
  url: string
  body: unknown
}

const LEVEL_ICONS = { info: 'ℹ️', warn: '⚠️', error: '🛑' } as const
const DISCORD_COLORS = { info: 0x3b82f6, warn: 0xf59e0b, error: 0xdc2626 } as const

/** Discord refuses `content` over 2,000 characters and embed descriptions over 4,096; Telegram texts over 4,096. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)

export function webhookRequest(target: AlertTarget, event: AlertEvent, telegramApiUrl: string): WebhookRequest {
  const icon = LEVEL_ICONS[event.level]
  const footer = `${event.kind} · host ${event.host} · ${event.at}`
  switch (target.type) {
    case 'generic':
      return {
        url: target.url!,
        body: { source: 'gologin-panel', kind: event.kind, key: event.key, level: event.level, title: event.title, message: event.body, host: event.host, at: event.at },
      }
    case 'slack':
      return {
        url: target.url!,
        body: {
          text: `${icon} ${event.title}: ${event.body}`,
          blocks: [
            { type: 'header', text: { type: 'plain_text', text: clip(`${icon} ${event.title}`, 150) } },
            { type: 'section', text: { type: 'plain_text', text: clip(event.body, 3_000) } },
            { type: 'context', elements: [{ type: 'plain_text', text: clip(footer, 300) }] },
          ],
        },
      }
    case 'discord':
      return {
        url: target.url!,
        body: {
          content: clip(`${icon} **${event.title}**`, 2_000),
          embeds: [{ title: clip(event.title, 256), description: clip(event.body, 4_096), color: DISCORD_COLORS[event.level], footer: { text: clip(`${event.kind} · host ${event.host}`, 2_048) }, timestamp: event.at }],
          allowed_mentions: { parse: [] },
        },
      }
    case 'telegram':
      return {
        url: `${telegramApiUrl.replace(/\/+$/, '')}/bot${target.botToken!}/sendMessage`,
        body: { chat_id: target.chatId, text: clip(`${icon} ${event.title}\n${event.body}\n— ${footer}`, 4_096), disable_web_page_preview: true },
      }
  }
}
