import { SETTING_DEFS, type SettingKey, type Settings } from '../../../shared/contract/settings'

/**
 * Environment variables that override stored settings. The origin service's names keep working
 * (with its units: PROFILE_SYNC_INTERVAL in seconds, BROWSER_TIMEOUT in ms, GOLOGIN_API_URL with
 * or without its old `/browser` suffix); the panel adds its own endpoints and launcher.
 */
interface EnvSetting {
  variable: string
  key: SettingKey
  /** What the variable expects, for the error message. */
  expects: string
  /** Raw text → candidate value (then checked by the setting's schema); a string return is an error. */
  parse?: (raw: string) => { value: unknown } | string
}

const asInteger = (raw: string): number | null => (/^-?\d+$/.test(raw) ? Number(raw) : null)

const integer = (raw: string) => {
  const value = asInteger(raw)
  return value === null ? 'must be a whole number' : { value }
}

const TRUE_WORDS = ['1', 'true', 'yes', 'on']
const FALSE_WORDS = ['0', 'false', 'no', 'off']

export const ENV_SETTINGS: readonly EnvSetting[] = [
  { variable: 'GOLOGIN_TOKEN', key: 'gologinToken', expects: 'a GoLogin API token' },
  { variable: 'GOLOGIN_API_URL', key: 'gologinApiUrl', expects: 'an https:// URL such as https://api.gologin.com' },
  { variable: 'GOLOGIN_LOCAL_API_URL', key: 'gologinLocalApiUrl', expects: 'a URL such as http://127.0.0.1:36912' },
  { variable: 'GOLOGIN_CLOUD_BROWSER_URL', key: 'gologinCloudBrowserUrl', expects: 'a wss:// URL' },
  {
    variable: 'GOLOGIN_LAUNCHER',
    key: 'launcherMode',
    expects: '"desktop" or "cloud"',
    parse: (raw) => ({ value: raw.toLowerCase() }),
  },
  { variable: 'MAX_CONCURRENT_PROFILES', key: 'maxConcurrentProfiles', expects: 'a whole number from 1 to 50', parse: integer },
  {
    variable: 'PROFILE_SYNC_INTERVAL',
    key: 'syncIntervalMinutes',
    expects: 'seconds between syncs, from 0 (off) to 86400',
    parse: (raw) => {
      const seconds = asInteger(raw)
      if (seconds === null || seconds < 0 || seconds > 86_400) return 'must be a whole number of seconds from 0 (off) to 86400'
      // The setting counts minutes; a partial minute rounds up so a short interval never becomes "off".
      return { value: Math.ceil(seconds / 60) }
    },
  },
  { variable: 'BROWSER_TIMEOUT', key: 'browserTimeoutMs', expects: 'milliseconds, from 1000 to 600000', parse: integer },
  {
    variable: 'BROWSER_HEADLESS',
    key: 'browserHeadless',
    expects: 'true or false',
    parse: (raw) => {
      const word = raw.toLowerCase()
      if (TRUE_WORDS.includes(word)) return { value: true }
      if (FALSE_WORDS.includes(word)) return { value: false }
      return 'must be true or false (also 1/0, yes/no, on/off)'
    },
  },
  {
    variable: 'LOG_LEVEL',
    key: 'logLevel',
    expects: 'debug, info, warn or error',
    // Python's level names (WARNING, CRITICAL) from the origin service's configuration map onto ours.
    parse: (raw) => ({ value: ({ warning: 'warn', critical: 'error' } as Record<string, string>)[raw.toLowerCase()] ?? raw.toLowerCase() }),
  },
  { variable: 'X_AUTHORIZE_URL', key: 'xAuthorizeUrl', expects: 'an https:// URL such as https://x.com/i/oauth2/authorize' },
  { variable: 'X_API_URL', key: 'xApiUrl', expects: 'an https:// URL such as https://api.x.com' },
  { variable: 'X_OAUTH1_AUTHORIZE_URL', key: 'xOAuth1AuthorizeUrl', expects: 'an https:// URL such as https://api.x.com/oauth/authorize' },
  { variable: 'ALERT_TELEGRAM_API_URL', key: 'alertTelegramApiUrl', expects: 'an https:// URL such as https://api.telegram.org' },
  { variable: 'CHROME_PATH', key: 'chromePath', expects: 'the path of a Chrome or Chromium executable' },
]

export interface EnvProblem {
  variable: string
  message: string
}

export interface EnvOverrides {
  values: Partial<Settings>
  /** Which variable sets which setting. */
  variables: Partial<Record<SettingKey, string>>
  problems: EnvProblem[]
}

/** Reads the overriding variables; empty ones count as unset. Values of secret variables never appear in messages. */
export function readEnvOverrides(env: NodeJS.ProcessEnv): EnvOverrides {
  const result: EnvOverrides = { values: {}, variables: {}, problems: [] }
  for (const entry of ENV_SETTINGS) {
    const raw = env[entry.variable]?.trim()
    if (raw === undefined || raw === '') continue
    const def = SETTING_DEFS[entry.key]
    const shown = def.secret ? '' : ` (got "${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}")`
    const parsed = entry.parse ? entry.parse(raw) : { value: raw }
    if (typeof parsed === 'string') {
      result.problems.push({ variable: entry.variable, message: `${entry.variable} ${parsed}${shown}; expected ${entry.expects}` })
      continue
    }
    const checked = def.schema.safeParse(parsed.value)
    if (!checked.success) {
      const reason = checked.error.issues[0]?.message ?? 'is not valid'
      result.problems.push({ variable: entry.variable, message: `${entry.variable} ${reason}${shown}; expected ${entry.expects}` })
      continue
    }
    ;(result.values as Record<string, unknown>)[entry.key] = checked.data
    result.variables[entry.key] = entry.variable
  }
  return result
}
