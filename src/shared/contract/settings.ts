/**
 * Settings and API apps: every setting with its type, range and default (shared so the UI can
 * validate as the operator types), the views main sends, and the request/event channels.
 */
import { z } from 'zod'
import { DEFAULT_SCOPES, REDEMPTIONS } from '../api-app'
import { event, request, returns } from './define'

const int = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)

const bool = () => z.boolean({ error: 'must be true or false' })

function isUrl(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol)
  } catch {
    return false
  }
}

/** This machine: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

/** A service the panel sends secrets to: encrypted (`secure`), or plain (`plain`) only to this machine. */
function isServiceUrl(value: string, secure: string, plain: string): boolean {
  try {
    const parsed = new URL(value)
    return parsed.protocol === secure || (parsed.protocol === plain && isLoopbackHost(parsed.hostname))
  } catch {
    return false
  }
}

const url = (secure: 'https:' | 'wss:', normalize: (value: string) => string = (value) => value) => {
  const plain = secure === 'https:' ? 'http:' : 'ws:'
  return z
    .string({ error: 'must be text' })
    .trim()
    .max(2_000, 'is too long')
    .refine(
      (value) => isServiceUrl(value, secure, plain),
      `must be ${secure === 'https:' ? 'an' : 'a'} ${secure}// URL: what is sent there must be encrypted on the way (${plain}// only to this machine: 127.0.0.1, ::1 or localhost)`,
    )
    .transform((value) => normalize(value.replace(/\/+$/, '')))
}

const regex = () =>
  z
    .string({ error: 'must be text' })
    .min(1, 'must not be empty')
    .max(500, 'is too long')
    .refine((value) => {
      try {
        new RegExp(value)
        return true
      } catch {
        return false
      }
    }, 'must be a valid regular expression')

export const LAUNCHER_MODES = ['desktop', 'cloud'] as const
export const SETTING_LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const

export interface SettingDef<S extends z.ZodType = z.ZodType> {
  schema: S
  default: z.output<S>
  /** Stored encrypted, never sent to the renderer (the view says only whether it is set). */
  secret: boolean
  label: string
  help?: string
  /** Empty (null) means "follow the time limit per account": the form shows the value that applies. */
  derived?: boolean
}

function derived<S extends z.ZodType>(schema: S, label: string, help: string): SettingDef<z.ZodNullable<S>> {
  return { schema: schema.nullable(), default: null as z.output<z.ZodNullable<S>>, secret: false, label, help, derived: true }
}

function setting<S extends z.ZodType>(schema: S, defaultValue: z.output<S>, label: string, help?: string): SettingDef<S> {
  return { schema, default: defaultValue, secret: false, label, help }
}

function secret<S extends z.ZodType>(schema: S, label: string, help?: string): SettingDef<z.ZodNullable<S>> {
  return { schema: schema.nullable(), default: null as z.output<z.ZodNullable<S>>, secret: true, label, help }
}

export const SETTING_DEFS = {
  gologinToken: secret(
    z.string({ error: 'must be text' }).trim().min(10, 'looks too short for a GoLogin API token').max(4_096, 'is too long').regex(/^\S+$/, 'must not contain spaces'),
    'GoLogin API token',
    'From GoLogin → Settings → API. Stored encrypted.',
  ),
  gologinApiUrl: setting(url('https:', (v) => v.replace(/\/browser$/, '')), 'https://api.gologin.com', 'GoLogin API URL'),
  gologinLocalApiUrl: setting(url('https:'), 'http://127.0.0.1:36912', 'GoLogin desktop app API URL'),
  gologinCloudBrowserUrl: setting(url('wss:'), 'wss://cloudbrowser.gologin.com/connect', 'GoLogin cloud browser URL'),
  launcherMode: setting(z.enum(LAUNCHER_MODES, { error: 'must be "desktop" or "cloud"' }), 'desktop', 'Profile launcher', 'desktop: the GoLogin app on this machine; cloud: GoLogin’s cloud browser'),
  maxConcurrentProfiles: setting(int(1, 50), 10, 'Profiles running at once'),
  gologinRequestsPerMinute: setting(int(1, 1_000), 120, 'GoLogin API requests per minute', 'Keep well under your plan’s limit (300/min free, 1200/min paid): a 429 revokes the token for good.'),
  syncIntervalMinutes: setting(int(0, 1_440), 15, 'Profile sync interval (minutes)', '0 turns automatic sync off.'),
  profileStartTimeoutMs: setting(int(5_000, 600_000), 60_000, 'Profile start timeout (ms)'),
  accountTimeoutSeconds: setting(int(30, 1_800), 120, 'Time limit per account (seconds)'),
  consentButtonGraceSeconds: derived(
    int(1, 1_800),
    'Wait for the “Authorize app” button (seconds)',
    'A consent page that shows no button fails after this long (CONSENT_BUTTON_NOT_FOUND). Empty: a quarter of the time limit per account, at least 15 s.',
  ),
  consentDisabledGraceSeconds: derived(
    int(1, 1_800),
    'Wait for a disabled “Authorize app” button (seconds)',
    'The button stays disabled while X loads the page’s data (slow through some proxies); past this it fails as CONSENT_BUTTON_DISABLED. Empty: half the time limit per account, at least 20 s.',
  ),
  consentClickRetrySeconds: derived(
    int(1, 1_800),
    'Repeat a click that did nothing after (seconds)',
    'Only when the click sent no request and the button is still enabled, at most twice; once the approval has left, the panel never clicks again. Empty: a twentieth of the time limit per account, at least 3 s.',
  ),
  browserTimeoutMs: setting(int(1_000, 600_000), 30_000, 'Browser step timeout (ms)'),
  browserHeadless: setting(bool(), false, 'Run browsers headless'),
  chromePath: setting(
    z.string({ error: 'must be text' }).trim().max(4_096, 'is too long').nullable().transform((v) => (v === '' ? null : v)),
    null,
    'Chrome/Chromium path',
    'Empty: detect automatically.',
  ),
  logLevel: setting(z.enum(SETTING_LOG_LEVELS, { error: 'must be one of debug, info, warn, error' }), 'info', 'Log level'),
  xAuthorizeUrl: setting(url('https:'), 'https://x.com/i/oauth2/authorize', 'X authorize URL'),
  xApiUrl: setting(url('https:'), 'https://api.x.com', 'X API URL'),
  xOAuth1AuthorizeUrl: setting(url('https:'), 'https://api.x.com/oauth/authorize', 'X OAuth 1.0a authorize URL', 'The legacy consent page OAuth 1.0a apps use.'),
  usernamePattern: setting(regex(), '@([A-Za-z0-9_]{1,15})', 'Username pattern', 'Regular expression applied to a profile’s GoLogin notes, then its name; the first capture group is the X username.'),
  sandboxMode: setting(bool(), false, 'Sandbox mode', 'Use the built-in simulated GoLogin and X instead of the real services. Applies at the next start of the panel.'),
  sessionTimeoutHours: setting(int(1, 168), 2, 'Stale session timeout (hours)'),
  screenshotRetentionDays: setting(int(0, 365), 7, 'Keep failure screenshots (days)', '0 deletes them at the next cleanup.'),
  cleanupIntervalMinutes: setting(int(5, 1_440), 60, 'Cleanup interval (minutes)'),
  monitorIntervalSeconds: setting(int(10, 3_600), 60, 'Monitor interval (seconds)'),
  alertFailureRatePercent: setting(int(1, 100), 20, 'Alert when the failure rate exceeds (%)'),
  alertFailuresPerHour: setting(int(1, 100_000), 50, 'Alert when failures per hour exceed'),
  alertRepeatMinutes: setting(int(1, 1_440), 30, 'Send the same alert again after (minutes)', 'Webhook alerts: an alert already sent is not sent again within this window.'),
  alertTelegramApiUrl: setting(url('https:'), 'https://api.telegram.org', 'Telegram Bot API URL'),
  /** Webhook targets (alert-targets.ts): stored as one encrypted JSON text, shown only through `alerts:listTargets`. */
  alertTargets: secret(z.string({ error: 'must be text' }).max(200_000, 'is too long'), 'Alert webhook targets'),
  tokenRefreshMarginMinutes: setting(int(1, 110), 15, 'Refresh tokens this long before expiry (minutes)'),
  // The local REST API's exposure is each host's own (host.json, 'hosts:setRestApi'), never a shared setting.
} as const satisfies Record<string, SettingDef>

export type SettingKey = keyof typeof SETTING_DEFS
export type Settings = { -readonly [K in SettingKey]: z.output<(typeof SETTING_DEFS)[K]['schema']> }
export type SecretSettingKey = { [K in SettingKey]: (typeof SETTING_DEFS)[K]['secret'] extends true ? K : never }[SettingKey]
export const SETTING_KEYS = Object.keys(SETTING_DEFS) as SettingKey[]

/** A partial update; a secret set to null is cleared, a secret left out is kept. */
export type SettingsPatch = { [K in SettingKey]?: z.input<(typeof SETTING_DEFS)[K]['schema']> }

export interface SettingState {
  /** Where the effective value comes from. */
  source: 'default' | 'stored' | 'env'
  /** The environment variable that overrides it (then it cannot be edited here). */
  envVar: string | null
  editable: boolean
  secret: boolean
  /** Whether a value is present (the only thing the renderer learns about a secret). */
  isSet: boolean
  /** Why the stored row was refused (changed in the database without the data key, or no longer valid); the value shown is the last good one or the default. */
  refused?: string
}

export interface SettingsView {
  /** Effective values; secrets are always null here. */
  values: Settings
  fields: Record<SettingKey, SettingState>
}

// ---- API apps ----

export const API_APP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/
const SCOPE_PATTERN = /^[a-z]+(?:[._][a-z]+)*$/
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

function isHttpUrl(value: string): boolean {
  return isUrl(value, ['https:', 'http:'])
}

/** Text, trimmed; empty means none (null). */
const optionalText = (max: number) =>
  z
    .string({ error: 'must be text' })
    .trim()
    .max(max, 'is too long')
    .nullable()
    .optional()
    .transform((value) => (value ? value : value === undefined ? undefined : null))

function isRedirectUri(value: string): boolean {
  try {
    const parsed = new URL(value)
    if (parsed.hash) return false
    return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK_HOSTS.includes(parsed.hostname))
  } catch {
    return false
  }
}

export const apiAppInputSchema = z
  .object({
    name: z.string({ error: 'must be text' }).trim().regex(API_APP_NAME_PATTERN, 'must be 1–40 letters, digits, “_” or “-”, starting with a letter or digit'),
    oauthVersion: z.enum(['2.0', '1.0a'], { error: 'must be "2.0" or "1.0a"' }).default('2.0'),
    clientType: z.enum(['confidential', 'public'], { error: 'must be "confidential" or "public"' }).default('confidential'),
    clientId: z.string({ error: 'must be text' }).trim().min(1, 'is required').max(255, 'is too long').regex(/^\S+$/, 'must not contain spaces'),
    /** Write-only. Omitted: keep the stored secret; null: remove it (public clients). */
    clientSecret: z.string({ error: 'must be text' }).trim().min(1, 'must not be empty').max(1_000, 'is too long').regex(/^\S+$/, 'must not contain spaces').nullable().optional(),
    redirectUri: z.string({ error: 'must be text' }).trim().max(2_000, 'is too long').refine(isRedirectUri, 'must be an https:// URL, or http://127.0.0.1 (or localhost) for a local callback'),
    scopes: z
      .array(z.string().trim().regex(SCOPE_PATTERN, 'each scope must look like tweet.read'), { error: 'must be a list of scopes' })
      .max(30, 'has too many scopes')
      .default([...DEFAULT_SCOPES])
      .transform((scopes) => [...new Set(scopes)]),
    /** `panel` (default): the panel redeems and stores the tokens; `callback`: X's redirect reaches the app's callback. */
    redemption: z.enum(REDEMPTIONS, { error: 'must be "panel" or "callback"' }).default('panel'),
    /** Pass-through: where the app's own server begins the sign-in. */
    startUrl: optionalText(2_000).refine((value) => !value || isHttpUrl(value), 'must be an http:// or https:// URL'),
    /** Pass-through: a text the callback's page shows, or an http(s) URL pattern (`*` wildcards) of where it ends. */
    callbackMarker: optionalText(500),
  })
  .strict()
  .superRefine((app, ctx) => {
    if (app.redemption === 'callback' && !app.startUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['startUrl'],
        message: 'is required when the app’s callback redeems: only the app’s server, which begins the sign-in, can redeem what X sends back',
      })
    }
    if (app.oauthVersion === '2.0' && app.redemption === 'panel') {
      for (const needed of ['tweet.read', 'users.read']) {
        if (!app.scopes.includes(needed)) ctx.addIssue({ code: 'custom', path: ['scopes'], message: `must include ${needed} (needed to verify the account)` })
      }
    }
    if (app.oauthVersion === '1.0a' && app.clientType === 'public') {
      ctx.addIssue({ code: 'custom', path: ['clientType'], message: 'OAuth 1.0a apps are always confidential' })
    }
    if (app.clientType === 'public' && typeof app.clientSecret === 'string') {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'must be empty for a public client' })
    }
  })

export type ApiAppInput = z.input<typeof apiAppInputSchema>

/** An API app as the renderer sees it: never its secret. */
export interface ApiAppView {
  name: string
  oauthVersion: '2.0' | '1.0a'
  clientType: 'confidential' | 'public'
  clientId: string
  hasSecret: boolean
  redirectUri: string
  scopes: string[]
  redemption: 'panel' | 'callback'
  startUrl: string | null
  callbackMarker: string | null
  /** Defined by `<NAME>_CLIENT_ID` / `_CLIENT_SECRET` / `_CALLBACK_URL`: read-only here. */
  envManaged: boolean
  /** Why this host refuses the stored row (changed in the database without the data key): it is not used until re-entered. */
  refused?: string
  /** What the app's scopes will cost later (no refresh token, scopes X does not document); absent when none. */
  warnings?: string[]
  createdAt: string
  updatedAt: string | null
}

const isPlainObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value)
const noInput = z.undefined().or(z.object({}).strict())

export const settingsContract = {
  'settings:get': request(noInput, returns<SettingsView>()),
  /** All-or-nothing; a `VALIDATION_ERROR` lists every bad field in `details.fields`. */
  'settings:update': request(z.custom<SettingsPatch>(isPlainObject, 'expected an object of settings'), returns<SettingsView>()),
  'apiApps:list': request(noInput, returns<ApiAppView[]>()),
  /** Creates or updates by name; a `VALIDATION_ERROR` lists every bad field in `details.fields`. */
  'apiApps:save': request(z.custom<ApiAppInput>(isPlainObject, 'expected an API app'), returns<ApiAppView>()),
  'apiApps:delete': request(z.object({ name: z.string().min(1).max(40) }).strict(), returns<{ deleted: true }>()),
}

export const settingsEvents = {
  /** The whole settings view after each change. */
  settings: event<SettingsView>('latest'),
}
