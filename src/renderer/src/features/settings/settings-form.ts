/**
 * The Settings form as pure functions: which input each setting gets, what the operator typed
 * (kept apart from the view main sent, so a pushed view never overwrites a field being edited),
 * field-level validation with the contract's own zod schemas, and the patch to send.
 */
import {
  LAUNCHER_MODES,
  SETTING_DEFS,
  SETTING_KEYS,
  SETTING_LOG_LEVELS,
  type SettingDef,
  type SettingKey,
  type SettingsPatch,
  type SettingsView,
} from '../../../../shared/contract/settings'
import { consentWaitConflicts, derivedConsentGraces } from '../../../../shared/consent-timing'

export type FieldKind = 'secret' | 'boolean' | 'integer' | 'enum' | 'text'
/** What an input holds: text, a checkbox, or `null` = "remove this secret". */
export type FieldValue = string | boolean | null
export type Edits = Partial<Record<SettingKey, FieldValue>>

const ENUM_OPTIONS: Partial<Record<SettingKey, readonly string[]>> = {
  launcherMode: LAUNCHER_MODES,
  logLevel: SETTING_LOG_LEVELS,
}

export const ENUM_LABELS: Record<string, string> = {
  desktop: 'GoLogin desktop app (this machine)',
  cloud: 'GoLogin cloud browser',
  debug: 'Debug',
  info: 'Info',
  warn: 'Warnings',
  error: 'Errors only',
}

/** The unit a duration setting is stored in; the form shows and takes every duration in seconds. */
type StoredUnit = 'ms' | 'seconds' | 'minutes' | 'hours'
const SECONDS_PER: Record<StoredUnit, number> = { ms: 0.001, seconds: 1, minutes: 60, hours: 3_600 }
const UNIT_NAMES: Record<StoredUnit, string> = { ms: 'milliseconds', seconds: 'seconds', minutes: 'minutes', hours: 'hours' }

export const DURATION_UNITS: Partial<Record<SettingKey, StoredUnit>> = {
  accountTimeoutSeconds: 'seconds',
  profileStartTimeoutMs: 'ms',
  browserTimeoutMs: 'ms',
  sessionTimeoutHours: 'hours',
  consentButtonGraceSeconds: 'seconds',
  consentDisabledGraceSeconds: 'seconds',
  consentClickRetrySeconds: 'seconds',
  syncIntervalMinutes: 'minutes',
  cleanupIntervalMinutes: 'minutes',
  monitorIntervalSeconds: 'seconds',
  tokenRefreshMarginMinutes: 'minutes',
}

/** A stored duration in seconds (ms keep up to 3 decimals). */
export function toSeconds(key: SettingKey, stored: number): number {
  const unit = DURATION_UNITS[key]
  return unit ? Math.round(stored * SECONDS_PER[unit] * 1_000) / 1_000 : stored
}

/** Seconds as the stored unit; null when they are not a whole number of it (90 s is not whole minutes). */
export function fromSeconds(key: SettingKey, seconds: number): number | null {
  const unit = DURATION_UNITS[key]
  if (!unit) return seconds
  const stored = Math.round((seconds / SECONDS_PER[unit]) * 1_000) / 1_000
  return Number.isInteger(stored) ? stored : null
}

/** The label the form shows: every duration says "(seconds)", whatever unit it is stored in. */
export function fieldLabel(key: SettingKey): string {
  const label: string = SETTING_DEFS[key].label
  return DURATION_UNITS[key] ? `${label.replace(/\s*\((ms|seconds|minutes|hours)\)$/, '')} (seconds)` : label
}

/** A long duration in words beside its seconds ("= 15 min"), or null. */
export function durationHint(key: SettingKey, raw: FieldValue): string | null {
  if (!DURATION_UNITS[key] || typeof raw !== 'string' || !/^\d+(\.\d+)?$/.test(raw.trim())) return null
  const seconds = Number(raw.trim())
  if (seconds < 60) return null
  const parts: string[] = []
  const days = Math.floor(seconds / 86_400)
  const hours = Math.floor((seconds % 86_400) / 3_600)
  const minutes = Math.floor((seconds % 3_600) / 60)
  const rest = Math.round((seconds % 60) * 1_000) / 1_000
  if (days) parts.push(`${days} d`)
  if (hours) parts.push(`${hours} h`)
  if (minutes) parts.push(`${minutes} min`)
  if (rest) parts.push(`${rest} s`)
  return `= ${parts.join(' ')}`
}

export function fieldKind(key: SettingKey): FieldKind {
  const def: SettingDef = SETTING_DEFS[key]
  if (def.secret) return 'secret'
  if (def.derived) return 'integer'
  if (ENUM_OPTIONS[key]) return 'enum'
  if (typeof def.default === 'boolean') return 'boolean'
  if (typeof def.default === 'number') return 'integer'
  return 'text'
}

export function enumOptions(key: SettingKey): readonly string[] {
  return ENUM_OPTIONS[key] ?? []
}

/** The value main holds, as the input shows it (secrets always show empty). */
export function viewValue(view: SettingsView, key: SettingKey): FieldValue {
  const kind = fieldKind(key)
  const value = view.values[key]
  if (kind === 'secret') return ''
  if (kind === 'boolean') return Boolean(value)
  if (typeof value === 'number') return String(toSeconds(key, value))
  return value === null || value === undefined ? '' : String(value)
}

export function shownValue(view: SettingsView, edits: Edits, key: SettingKey): FieldValue {
  return key in edits ? edits[key]! : viewValue(view, key)
}

/** A zod message as a sentence ("must be at least 1" → "Must be at least 1."). */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1)
  return /[.!?]$/.test(text) ? text : `${text}.`
}

/** The value to send for one field, or the message saying what is wrong with it. */
export function parseField(key: SettingKey, raw: FieldValue): { value: unknown } | { error: string } {
  const kind = fieldKind(key)
  let candidate: unknown = raw
  if (kind === 'secret' && raw === null) return { value: null }
  if (kind === 'integer') {
    const text = String(raw ?? '').trim()
    if (text === '' && isDerived(key)) return { value: null }
    if (text === '') return { error: 'Required.' }
    const unit = DURATION_UNITS[key]
    if (unit) return parseDuration(key, unit, text)
    if (!/^-?\d+$/.test(text)) return { error: 'Must be a whole number.' }
    candidate = Number(text)
  }
  if (key === 'chromePath' && typeof raw === 'string' && raw.trim() === '') candidate = null
  const result = SETTING_DEFS[key].schema.safeParse(candidate)
  if (!result.success) return { error: sentence(result.error.issues[0]?.message ?? 'is not valid') }
  return { value: result.data }
}

/** Seconds typed → the stored unit, with the range said in seconds (the operator never sees the stored unit). */
function parseDuration(key: SettingKey, unit: StoredUnit, text: string): { value: unknown } | { error: string } {
  const decimals = unit === 'ms' ? '(\\.\\d{1,3})?' : ''
  if (!new RegExp(`^\\d+${decimals}$`).test(text)) return { error: unit === 'ms' ? 'Must be a number of seconds (up to 3 decimals).' : 'Must be a whole number of seconds.' }
  const stored = fromSeconds(key, Number(text))
  if (stored === null) return { error: `Must be a whole number of ${UNIT_NAMES[unit]}: a multiple of ${SECONDS_PER[unit]} seconds.` }
  const result = SETTING_DEFS[key].schema.safeParse(stored)
  if (result.success) return { value: result.data }
  const { min, max } = storedRange(key)
  if (min !== null && stored < min) return { error: `Must be at least ${seconds(toSeconds(key, min))}.` }
  if (max !== null && stored > max) return { error: `Must be at most ${seconds(toSeconds(key, max))}.` }
  return { error: sentence(result.error.issues[0]?.message ?? 'is not valid') }
}

const seconds = (n: number) => `${n} ${n === 1 ? 'second' : 'seconds'}`

function storedRange(key: SettingKey): { min: number | null; max: number | null } {
  let schema = SETTING_DEFS[key].schema as unknown as { unwrap?: () => unknown; minValue?: number | null; maxValue?: number | null }
  if (typeof schema.unwrap === 'function' && schema.minValue === undefined) schema = schema.unwrap() as typeof schema
  return { min: schema.minValue ?? null, max: schema.maxValue ?? null }
}

function isDerived(key: SettingKey): boolean {
  return (SETTING_DEFS[key] as SettingDef).derived === true
}

/**
 * For a setting that follows the time limit per account when empty: what applies while it is empty
 * ("Automatic: 30"), with the time limit as typed; null for other settings.
 */
export function automaticHint(view: SettingsView, edits: Edits, key: SettingKey): string | null {
  if (!isDerived(key)) return null
  const typed = parseField('accountTimeoutSeconds', shownValue(view, edits, 'accountTimeoutSeconds'))
  const limit = 'value' in typed ? (typed.value as number) : view.values.accountTimeoutSeconds
  const derived = derivedConsentGraces(limit)
  const seconds: Partial<Record<SettingKey, number>> = {
    consentButtonGraceSeconds: derived.buttonGraceSeconds,
    consentDisabledGraceSeconds: derived.disabledGraceSeconds,
    consentClickRetrySeconds: derived.clickRetrySeconds,
  }
  return seconds[key] === undefined ? 'Automatic' : `Automatic: ${seconds[key]}`
}

/** Whether an edit differs from what main holds (a typed secret always counts). */
export function isChanged(view: SettingsView, edits: Edits, key: SettingKey): boolean {
  if (!(key in edits)) return false
  const edited = edits[key]
  if (fieldKind(key) === 'secret') return edited === null ? view.fields[key].isSet : edited !== ''
  return edited !== viewValue(view, key)
}

/** Field → message, for every changed field that is not valid, then combinations that cannot work. */
export function validateEdits(view: SettingsView, edits: Edits): Partial<Record<SettingKey, string>> {
  const errors: Partial<Record<SettingKey, string>> = {}
  for (const key of SETTING_KEYS) {
    if (!isChanged(view, edits, key)) continue
    const parsed = parseField(key, edits[key]!)
    if ('error' in parsed) errors[key] = parsed.error
  }
  return { ...crossFieldErrors(view, edits, errors), ...errors }
}

const WAIT_NAMES = {
  consentButtonGraceSeconds: 'the wait for the “Authorize app” button',
  consentDisabledGraceSeconds: 'the wait for a disabled “Authorize app” button',
  consentClickRetrySeconds: 'the delay before repeating a click',
} as const

/**
 * A consent wait must end before the time limit per account (main refuses the same): both fields say so, each
 * naming the other. Only combinations a change takes part in are reported, as main does.
 */
function crossFieldErrors(view: SettingsView, edits: Edits, fieldErrors: Partial<Record<SettingKey, string>>): Partial<Record<SettingKey, string>> {
  const keys = ['accountTimeoutSeconds', 'consentButtonGraceSeconds', 'consentDisabledGraceSeconds', 'consentClickRetrySeconds'] as const
  if (!keys.some((key) => isChanged(view, edits, key)) || keys.some((key) => fieldErrors[key])) return {}
  const effective = Object.fromEntries(
    keys.map((key) => {
      const parsed = isChanged(view, edits, key) ? parseField(key, edits[key]!) : null
      return [key, parsed && 'value' in parsed ? parsed.value : view.values[key]]
    }),
  ) as { accountTimeoutSeconds: number; consentButtonGraceSeconds: number | null; consentDisabledGraceSeconds: number | null; consentClickRetrySeconds: number | null }
  const errors: Partial<Record<SettingKey, string>> = {}
  for (const conflict of consentWaitConflicts(effective)) {
    if (!isChanged(view, edits, conflict.key) && !isChanged(view, edits, 'accountTimeoutSeconds')) continue
    errors[conflict.key] = `Must be shorter than the time limit per account (${conflict.limitSeconds} s): the account would fail on that limit first.`
    errors.accountTimeoutSeconds ??= `Must be longer than ${WAIT_NAMES[conflict.key]} (${conflict.seconds} s), or leave that field empty.`
  }
  return errors
}

/** The changed, editable fields with their parsed values; null when one is invalid (nothing is sent). */
export function buildPatch(view: SettingsView, edits: Edits): SettingsPatch | null {
  const patch: Record<string, unknown> = {}
  for (const key of SETTING_KEYS) {
    if (!isChanged(view, edits, key) || !view.fields[key].editable) continue
    const parsed = parseField(key, edits[key]!)
    if ('error' in parsed) return null
    patch[key] = parsed.value
  }
  return patch as SettingsPatch
}

export interface SettingsSection {
  title: string
  help?: string
  keys: readonly SettingKey[]
  /** Folded by default (service endpoints). */
  advanced?: boolean
}

/** Settings with an editor of their own (Settings → Alert webhooks), not a field of the form. */
export const EDITED_ELSEWHERE: readonly SettingKey[] = ['alertTargets']

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
  { title: 'GoLogin', keys: ['gologinToken', 'launcherMode', 'maxConcurrentProfiles', 'gologinRequestsPerMinute'] },
  { title: 'Time limits', keys: ['accountTimeoutSeconds', 'profileStartTimeoutMs', 'browserTimeoutMs', 'sessionTimeoutHours'] },
  {
    title: 'Consent page',
    help: 'How long the X consent page may take at each stage before the account fails. Leave a field empty to follow the time limit per account.',
    keys: ['consentButtonGraceSeconds', 'consentDisabledGraceSeconds', 'consentClickRetrySeconds'],
  },
  {
    title: 'Workers',
    help: 'Background jobs: profile sync, cleanup of stale sessions and screenshots, the monitor, token refresh.',
    keys: ['syncIntervalMinutes', 'cleanupIntervalMinutes', 'monitorIntervalSeconds', 'tokenRefreshMarginMinutes', 'screenshotRetentionDays'],
  },
  { title: 'Alerts', keys: ['alertFailureRatePercent', 'alertFailuresPerHour', 'alertRepeatMinutes'] },
  { title: 'Browser and mapping', keys: ['browserHeadless', 'chromePath', 'usernamePattern'] },
  { title: 'Sandbox', keys: ['sandboxMode'] },
  { title: 'Logging', keys: ['logLevel'] },
  {
    title: 'Service endpoints',
    help: 'Where the panel reaches GoLogin and X. Change them only to point the panel at a stand-in (such as the sandbox).',
    keys: ['gologinApiUrl', 'gologinLocalApiUrl', 'gologinCloudBrowserUrl', 'xAuthorizeUrl', 'xApiUrl', 'xOAuth1AuthorizeUrl', 'alertTelegramApiUrl'],
    advanced: true,
  },
]
