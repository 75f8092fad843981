/**
 * The webhook targets alerts go to, kept in the `alertTargets` setting: one JSON text stored encrypted like every
 * secret setting (a Slack or Discord URL is itself a secret, as is a Telegram bot token). The renderer sees a view
 * without them (the URL's scheme and host only); every URL and token in use is registered with the log redactor.
 */
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { ALERT_KINDS, ALERT_TARGET_TYPES, alertTargetInputSchema, type AlertTargetInput, type AlertTargetView } from '../../../shared/contract/alerts'
import { DomainException, ValidationException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import type { SettingsService } from '../settings/settings-service'
import { fieldsError, issuesToFields } from '../settings/field-errors'

/** A target as stored and used for sending (secrets included): main side only. */
export interface AlertTarget {
  id: string
  name: string
  type: (typeof ALERT_TARGET_TYPES)[number]
  url: string | null
  botToken: string | null
  chatId: string | null
  events: Array<(typeof ALERT_KINDS)[number]>
  enabled: boolean
}

const storedSchema = z.array(
  z.object({
    id: z.string(),
    name: z.string(),
    type: z.enum(ALERT_TARGET_TYPES),
    url: z.string().nullable(),
    botToken: z.string().nullable(),
    chatId: z.string().nullable(),
    events: z.array(z.enum(ALERT_KINDS)),
    enabled: z.boolean(),
  }),
)

export const MAX_ALERT_TARGETS = 20

export interface AlertTargetStoreDeps {
  settings: Pick<SettingsService, 'get' | 'update'>
  log: Logger
  /** Called with every secret of a target (its URL, its bot token), so the log redactor can scrub it. */
  onSecret: (value: string) => void
}

export class AlertTargetStore {
  constructor(private readonly deps: AlertTargetStoreDeps) {
    this.all()
  }

  /** Every stored target with its secrets (registered with the redactor on the way). */
  all(): AlertTarget[] {
    const raw = this.deps.settings.get('alertTargets')
    if (!raw) return []
    let parsed: AlertTarget[]
    try {
      parsed = storedSchema.parse(JSON.parse(raw))
    } catch {
      this.deps.log.error('alerts.targets_unreadable', {}, 'The stored alert targets are unreadable: none is used. Enter them again in Settings → Alerts.')
      return []
    }
    for (const target of parsed) {
      if (target.url) this.deps.onSecret(target.url)
      if (target.botToken) this.deps.onSecret(target.botToken)
    }
    return parsed
  }

  list(): AlertTargetView[] {
    return this.all().map(toView)
  }

  get(id: string): AlertTarget {
    const target = this.all().find((entry) => entry.id === id)
    if (!target) throw new DomainException('NOT_FOUND', `There is no alert target ${id}: it may have been deleted.`)
    return target
  }

  /** Creates or updates; all or nothing (a `VALIDATION_ERROR` names every bad field and nothing stored changes). */
  async save(input: AlertTargetInput): Promise<AlertTargetView> {
    const parsed = alertTargetInputSchema.safeParse(input)
    if (!parsed.success) throw fieldsError('Alert target not saved', issuesToFields(parsed.error.issues))
    const data = parsed.data
    const targets = this.all()
    const existing = data.id ? targets.find((entry) => entry.id === data.id) : undefined
    if (data.id && !existing) throw new DomainException('NOT_FOUND', `There is no alert target ${data.id}: it may have been deleted.`)
    const sameType = existing?.type === data.type
    const target: AlertTarget = {
      id: existing?.id ?? randomUUID(),
      name: data.name,
      type: data.type,
      url: data.type === 'telegram' ? null : (data.url ?? (sameType ? existing!.url : null)),
      botToken: data.type === 'telegram' ? (data.botToken ?? (sameType ? existing!.botToken : null)) : null,
      chatId: data.type === 'telegram' ? (data.chatId ?? null) : null,
      events: [...new Set(data.events)],
      enabled: data.enabled,
    }
    const errors: Record<string, string> = {}
    if (target.type !== 'telegram' && !target.url) errors.url = 'is required'
    if (target.type === 'telegram' && !target.botToken) errors.botToken = 'is required'
    if (target.type === 'telegram' && !target.chatId) errors.chatId = 'is required'
    if (targets.some((entry) => entry.id !== target.id && entry.name.toLowerCase() === target.name.toLowerCase())) errors.name = 'is already used by another target'
    if (!existing && targets.length >= MAX_ALERT_TARGETS) errors.name = `cannot be added: at most ${MAX_ALERT_TARGETS} targets`
    if (Object.keys(errors).length) throw fieldsError('Alert target not saved', errors)
    const next = existing ? targets.map((entry) => (entry.id === target.id ? target : entry)) : [...targets, target]
    await this.write(next)
    this.deps.log.info('alerts.target_saved', { id: target.id, type: target.type, events: target.events }, `Alert target ${target.name} saved`)
    return toView(target)
  }

  async delete(id: string): Promise<void> {
    const targets = this.all()
    const target = targets.find((entry) => entry.id === id)
    if (!target) throw new DomainException('NOT_FOUND', `There is no alert target ${id}: it may have been deleted.`)
    await this.write(targets.filter((entry) => entry.id !== id))
    this.deps.log.info('alerts.target_deleted', { id }, `Alert target ${target.name} deleted`)
  }

  private async write(targets: AlertTarget[]): Promise<void> {
    for (const target of targets) {
      if (target.url) this.deps.onSecret(target.url)
      if (target.botToken) this.deps.onSecret(target.botToken)
    }
    try {
      await this.deps.settings.update({ alertTargets: targets.length ? JSON.stringify(targets) : null })
    } catch (error) {
      if (error instanceof ValidationException) throw new ValidationException('The alert targets could not be stored: the settings refused them.', { fields: { alertTargets: error.message } })
      throw error
    }
  }
}

/** `https://hooks.slack.com/…`: enough to tell targets apart, nothing of the path that carries the secret. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}/…`
  } catch {
    return '(unreadable URL)'
  }
}

function toView(target: AlertTarget): AlertTargetView {
  return {
    id: target.id,
    name: target.name,
    type: target.type,
    urlShown: target.url ? shownUrl(target.url) : null,
    hasBotToken: Boolean(target.botToken),
    chatId: target.chatId,
    events: target.events,
    enabled: target.enabled,
  }
}
