import { Mutex } from 'async-mutex'
import type { DataSource, EntityManager } from 'typeorm'
import {
  SETTING_DEFS,
  SETTING_KEYS,
  type SettingKey,
  type Settings,
  type SettingsPatch,
  type SettingsView,
  type SettingState,
} from '../../../shared/contract/settings'
import { consentWaitConflicts } from '../../../shared/consent-timing'
import { ValidationException } from '../../../shared/errors'
import { KEY_CHECK_KEY } from '../../db/data-source'
import { SettingEntity } from '../../db/entities'
import { REFUSED_ROW_MESSAGE, settingMac, settingMacVerifies } from '../../db/row-mac'
import type { Logger } from '../../logging/logger'
import { readEnvOverrides, type EnvOverrides } from './env-overrides'
import { fieldsError } from './field-errors'

/** What the settings service needs from the database (the `Database` from `openDatabase` fits). */
export interface SettingsStore {
  dataSource: DataSource
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>
}

export interface SettingsServiceDeps {
  database: SettingsStore
  log: Logger
  /** Overriding variables; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Called with every secret value in use, so the log redactor can scrub it. */
  onSecret?: (value: string) => void
}

export type SettingsListener = (view: SettingsView, changed: SettingKey[]) => void

const isSecret = (key: SettingKey): boolean => SETTING_DEFS[key].secret

/**
 * Typed settings with defaults and validation, stored in `settings` (key → JSON with its MAC; secrets
 * encrypted, bound to their row), overridden by environment variables. Effective value = environment ??
 * stored ?? default. A stored row whose MAC does not verify (changed without the data key) or that no
 * longer validates is refused: the last good value (or the default) stays, and the view says why.
 */
export class SettingsService {
  private readonly listeners = new Set<SettingsListener>()
  /** An update and a reload never interleave (a reload must not bring back what an update just replaced). */
  private readonly changes = new Mutex()

  private constructor(
    private readonly deps: SettingsServiceDeps,
    private readonly env: EnvOverrides,
    private stored: Partial<Settings>,
    /** Stored rows refused, with the sentence the Settings page shows on the field. */
    private refused: ReadonlyMap<SettingKey, string>,
  ) {}

  /** Loads stored settings; throws a `VALIDATION_ERROR` naming every bad environment variable. */
  static async open(deps: SettingsServiceDeps): Promise<SettingsService> {
    const env = readEnvOverrides(deps.env ?? process.env)
    if (env.problems.length) {
      const variables = Object.fromEntries(env.problems.map((p) => [p.variable, p.message]))
      throw new ValidationException(`Invalid environment variable(s): ${env.problems.map((p) => p.message).join('; ')}`, { variables })
    }
    const { stored, refused } = await loadStored(deps.database.dataSource, deps.log)
    const service = new SettingsService(deps, env, stored, refused)
    service.reportSecrets()
    return service
  }

  get<K extends SettingKey>(key: K): Settings[K] {
    if (key in this.env.values) return this.env.values[key] as Settings[K]
    if (key in this.stored) return this.stored[key] as Settings[K]
    return SETTING_DEFS[key].default as Settings[K]
  }

  /** Every effective value, secrets included: for main-side services only, never for the renderer. */
  all(): Settings {
    return Object.fromEntries(SETTING_KEYS.map((key) => [key, this.get(key)])) as Settings
  }

  view(): SettingsView {
    const values = {} as Record<SettingKey, unknown>
    const fields = {} as Record<SettingKey, SettingState>
    for (const key of SETTING_KEYS) {
      const value = this.get(key)
      const envVar = this.env.variables[key] ?? null
      const refused = envVar ? undefined : this.refused.get(key)
      values[key] = isSecret(key) ? null : value
      fields[key] = {
        source: envVar ? 'env' : key in this.stored ? 'stored' : 'default',
        envVar,
        editable: envVar === null,
        secret: isSecret(key),
        isSet: value !== null && value !== undefined && value !== '',
        ...(refused ? { refused } : {}),
      }
    }
    return { values: values as Settings, fields }
  }

  /** Adds a listener for changes; returns the function that removes it. */
  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /**
   * Applies a partial update, all or nothing: every field is checked first and a single
   * `VALIDATION_ERROR` lists each bad one in `details.fields`. A secret set to null is removed.
   */
  update(patch: SettingsPatch): Promise<SettingsView> {
    return this.changes.runExclusive(() => this.apply(patch))
  }

  /**
   * Reads `keys` again from the database, where another host of a shared database may have changed them, and
   * tells the listeners what changed, as `update` does (environment overrides still win). Answers the changed keys.
   */
  reload(keys: readonly SettingKey[]): Promise<SettingKey[]> {
    return this.changes.runExclusive(async () => {
      const fresh = await loadStored(this.deps.database.dataSource, this.deps.log)
      const before = this.all()
      const stored: Record<string, unknown> = { ...this.stored }
      const refused = new Map(this.refused)
      for (const key of keys) {
        const reason = fresh.refused.get(key)
        // A refused row is never used, not even once: the last good value stays.
        if (reason) {
          refused.set(key, reason)
          continue
        }
        refused.delete(key)
        if (key in fresh.stored) stored[key] = fresh.stored[key]
        else delete stored[key]
      }
      const refusalsChanged = !sameRefusals(this.refused, refused)
      this.stored = stored as Partial<Settings>
      this.refused = refused
      this.reportSecrets()
      const after = this.all()
      const changed = keys.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      if (changed.length) this.deps.log.info('settings.reloaded', { changed }, `Settings changed on another host: ${changed.join(', ')}`)
      if (changed.length || refusalsChanged) {
        const view = this.view()
        for (const listener of this.listeners) notify(listener, view, changed, this.deps.log)
      }
      return changed
    })
  }

  private async apply(patch: SettingsPatch): Promise<SettingsView> {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ValidationException('Settings update must be an object of settings')
    }
    const next: Partial<Settings> = {}
    const errors: Record<string, string> = {}
    for (const [key, raw] of Object.entries(patch)) {
      if (raw === undefined) continue
      if (!(key in SETTING_DEFS)) {
        errors[key] = 'is not a setting'
        continue
      }
      const settingKey = key as SettingKey
      const envVar = this.env.variables[settingKey]
      if (envVar) {
        errors[key] = `is set by the environment variable ${envVar}; change or remove it there`
        continue
      }
      const parsed = SETTING_DEFS[settingKey].schema.safeParse(raw)
      if (parsed.success) (next as Record<string, unknown>)[key] = parsed.data
      else errors[key] = parsed.error.issues[0]?.message ?? 'is not valid'
    }
    if (Object.keys(errors).length) throw fieldsError('Settings not saved', errors)
    const crossErrors = crossFieldErrors({ ...this.all(), ...next }, next)
    if (Object.keys(crossErrors).length) throw fieldsError('Settings not saved', crossErrors)
    const keys = Object.keys(next) as SettingKey[]
    if (keys.length === 0) return this.view()

    const before = this.all()
    await this.deps.database.transaction(async (manager) => {
      const now = new Date()
      for (const key of keys) {
        const value = next[key]
        if (isSecret(key) && value === null) await manager.delete(SettingEntity, { key })
        else if (isSecret(key)) await manager.save(SettingEntity, { key, value: null, secretValue: value as string, mac: null, updatedAt: now })
        else {
          const json = JSON.stringify(value)
          await manager.save(SettingEntity, { key, value: json, secretValue: null, mac: settingMac(key, json), updatedAt: now })
        }
      }
    })
    const stored = { ...this.stored }
    const refused = new Map(this.refused)
    for (const key of keys) {
      refused.delete(key)
      if (isSecret(key) && next[key] === null) delete stored[key]
      else (stored as Record<string, unknown>)[key] = next[key]
    }
    this.stored = stored
    this.refused = refused
    this.reportSecrets()

    const after = this.all()
    const changed = SETTING_KEYS.filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    this.deps.log.info('settings.updated', { keys, changed }, `Settings saved: ${keys.join(', ')}`)
    const view = this.view()
    if (changed.length) for (const listener of this.listeners) notify(listener, view, changed, this.deps.log)
    return view
  }

  private reportSecrets(): void {
    if (!this.deps.onSecret) return
    for (const key of SETTING_KEYS) {
      const value = this.get(key)
      if (isSecret(key) && typeof value === 'string' && value) this.deps.onSecret(value)
    }
  }
}

/**
 * Combinations that cannot work, checked on the values that would apply after the update (environment overrides
 * included). Only conflicts the update takes part in refuse it: a stored combination from before this check does
 * not block saving an unrelated setting. Each message names the other field.
 */
function crossFieldErrors(after: Settings, patch: Partial<Settings>): Record<string, string> {
  const errors: Record<string, string> = {}
  for (const conflict of consentWaitConflicts(after)) {
    if (!(conflict.key in patch) && !('accountTimeoutSeconds' in patch)) continue
    errors[conflict.key] = `(${conflict.seconds} s) must be shorter than accountTimeoutSeconds, the time limit per account (${conflict.limitSeconds} s)`
    errors.accountTimeoutSeconds ??= `(${conflict.limitSeconds} s) must be longer than ${conflict.key} (${conflict.seconds} s)`
  }
  return errors
}

function notify(listener: SettingsListener, view: SettingsView, changed: SettingKey[], log: Logger): void {
  try {
    listener(view, changed)
  } catch (error) {
    log.error('settings.listener_failed', { err: error })
  }
}

function sameRefusals(a: ReadonlyMap<SettingKey, string>, b: ReadonlyMap<SettingKey, string>): boolean {
  return a.size === b.size && [...a].every(([key, reason]) => b.get(key) === reason)
}

interface Loaded {
  stored: Partial<Settings>
  /** Rows not used, and why (for the operator). */
  refused: Map<SettingKey, string>
}

/**
 * Reads stored rows. A plain row whose MAC does not verify was written without the data key: refused, an
 * error naming it. A stored value that no longer validates (a range changed, an http:// URL) is refused too.
 */
async function loadStored(dataSource: DataSource, log: Logger): Promise<Loaded> {
  const rows = await dataSource.getRepository(SettingEntity).find()
  const stored: Record<string, unknown> = {}
  const refused = new Map<SettingKey, string>()
  for (const row of rows) {
    if (row.key === KEY_CHECK_KEY || !(row.key in SETTING_DEFS)) continue
    const key = row.key as SettingKey
    if (!isSecret(key) && !settingMacVerifies(row)) {
      log.error('settings.row_refused', { table: 'settings', key }, `Settings row ${key} was changed in the database without the data key: not used. Re-enter it in Settings.`)
      refused.set(key, REFUSED_ROW_MESSAGE)
      continue
    }
    let candidate: unknown
    try {
      candidate = isSecret(key) ? row.secretValue : row.value === null ? null : JSON.parse(row.value)
    } catch {
      log.warn('settings.unreadable', { key }, `Stored setting ${key} is unreadable; using its default`)
      continue
    }
    if (isSecret(key) && candidate === null) continue
    const parsed = SETTING_DEFS[key].schema.safeParse(candidate)
    if (parsed.success) stored[key] = parsed.data
    else {
      const reason = parsed.error.issues[0]?.message ?? 'is not valid'
      log.warn('settings.invalid_stored', { key, reason }, `Stored setting ${key} is no longer valid; not used`)
      refused.set(key, `The stored value ${reason}; re-enter it`)
    }
  }
  return { stored: stored as Partial<Settings>, refused }
}
