/**
 * Alerts where operators look (issue 22, row 4): webhook targets (generic JSON, Slack, Discord, Telegram) that
 * receive the panel's notable moments — the same events the desktop app shows as notifications.
 */
import { z } from 'zod'
import { isLoopbackHost } from './settings'
import { request, returns } from './define'

/** What an alert is about; a target receives the kinds it lists. */
export const ALERT_KINDS = ['batch_finished', 'failure_rate', 'gologin_stopped', 'profiles_not_stopped', 'host_offline', 'tokens_failing_refresh'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const ALERT_KIND_LABELS: Record<AlertKind, string> = {
  batch_finished: 'Batch finished (summary)',
  failure_rate: 'Failure rate above its threshold',
  gologin_stopped: 'GoLogin token revoked or 429 stop',
  profiles_not_stopped: 'Profiles not stopped',
  host_offline: 'A host offline or unhealthy',
  tokens_failing_refresh: 'Tokens failing refresh',
}

export const ALERT_TARGET_TYPES = ['generic', 'slack', 'discord', 'telegram'] as const
export type AlertTargetType = (typeof ALERT_TARGET_TYPES)[number]

export const ALERT_TARGET_TYPE_LABELS: Record<AlertTargetType, string> = {
  generic: 'Generic JSON webhook',
  slack: 'Slack incoming webhook',
  discord: 'Discord webhook',
  telegram: 'Telegram bot',
}

/** What a notice carries when it is also an alert: its kind and its identity (the same key is not re-sent within the window). */
export interface NoticeAlert {
  kind: AlertKind
  key: string
}

/** https://, or http:// only to this machine (what is sent there must be encrypted on the way). */
export function isWebhookUrl(value: string): boolean {
  try {
    const parsed = new URL(value)
    return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))
  } catch {
    return false
  }
}

const WEBHOOK_URL_MESSAGE = 'must be an https:// URL (http:// only to this machine: 127.0.0.1, ::1 or localhost)'

const webhookUrl = z.string({ error: 'must be text' }).trim().min(1, 'is required').max(2_000, 'is too long').refine(isWebhookUrl, WEBHOOK_URL_MESSAGE)

export const alertTargetInputSchema = z
  .object({
    /** Absent: a new target. */
    id: z.string().min(1).max(64).optional(),
    name: z.string({ error: 'must be text' }).trim().min(1, 'is required').max(60, 'is too long'),
    type: z.enum(ALERT_TARGET_TYPES, { error: 'must be generic, slack, discord or telegram' }),
    /** Write-only (Slack and Discord URLs carry their secret). Omitted: keep the stored one. */
    url: webhookUrl.optional(),
    /** Telegram, write-only. Omitted: keep the stored one. */
    botToken: z
      .string({ error: 'must be text' })
      .trim()
      .regex(/^\d{3,20}:[A-Za-z0-9_-]{20,100}$/, 'must look like 123456789:AA… (the token BotFather gave)')
      .optional(),
    /** Telegram: the chat, group or channel the bot writes to. */
    chatId: z
      .string({ error: 'must be text' })
      .trim()
      .regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,40})$/, 'must be a numeric chat id (e.g. -1001234567890) or @channelname')
      .optional(),
    events: z.array(z.enum(ALERT_KINDS, { error: 'has an unknown event' }), { error: 'must be a list of events' }).min(1, 'must list at least one event').default([...ALERT_KINDS]),
    enabled: z.boolean({ error: 'must be true or false' }).default(true),
  })
  .strict()

export type AlertTargetInput = z.input<typeof alertTargetInputSchema>

/** A target as the renderer sees it: never its URL's secret nor its bot token. */
export interface AlertTargetView {
  id: string
  name: string
  type: AlertTargetType
  /** Scheme and host only (`https://hooks.slack.com/…`); null for Telegram. */
  urlShown: string | null
  hasBotToken: boolean
  chatId: string | null
  events: AlertKind[]
  enabled: boolean
}

export interface AlertTestResult {
  delivered: true
  /** The HTTP status the target answered. */
  status: number
}

export const alertsContract = {
  'alerts:listTargets': request(z.undefined().or(z.object({}).strict()), returns<AlertTargetView[]>()),
  /** Creates or updates; a `VALIDATION_ERROR` lists every bad field in `details.fields` (nothing stored changes then). */
  'alerts:saveTarget': request(z.custom<AlertTargetInput>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected an alert target'), returns<AlertTargetView>()),
  'alerts:deleteTarget': request(z.object({ id: z.string().min(1).max(64) }).strict(), returns<{ deleted: true }>()),
  /** Sends a test message to the target now (no rate limit); fails with the target's answer. */
  'alerts:testTarget': request(z.object({ id: z.string().min(1).max(64) }).strict(), returns<AlertTestResult>()),
}
