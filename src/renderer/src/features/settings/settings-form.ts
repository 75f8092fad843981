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
import { derivedConsentGraces } from '../../../../shared/consent-timing'

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
    if (!/^-?\d+$/.test(text)) return { error: 'Must be a whole number.' }
    candidate = Number(text)
  }
  if (key === 'chromePath' && typeof raw === 'string' && raw.trim() === '') candidate = null
  const result = SETTING_DEFS[key].schema.safeParse(candidate)
  if (!result.success) return { error: sentence(result.error.issues[0]?.message ?? 'is not valid') }
  return { value: result.data }
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

/** Field → message, for every changed field that is not valid. */
export function validateEdits(view: SettingsView, edits: Edits): Partial<Record<SettingKey, string>> {
  const errors: Partial<Record<SettingKey, string>> = {}
  for (const key of SETTING_KEYS) {
    if (!isChanged(view, edits, key)) continue
    const parsed = parseField(key, edits[key]!)
    if ('error' in parsed) errors[key] = parsed.error
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
