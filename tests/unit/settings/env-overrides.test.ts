import { describe, expect, it } from 'vitest'
import { SETTING_DEFS } from '../../../src/shared/contract/settings'
import { ENV_SETTINGS, readEnvOverrides } from '../../../src/main/services/settings/env-overrides'
import { readEnvApiApps } from '../../../src/main/services/api-apps/env-api-apps'

describe('environment overrides', () => {
  // variable, raw value, setting, effective value
  const cases: Array<[string, string, string, unknown]> = [
    ['GOLOGIN_TOKEN', 'eyJhbGciOiJIUzI1NiJ9.payload.signature', 'gologinToken', 'eyJhbGciOiJIUzI1NiJ9.payload.signature'],
    ['GOLOGIN_API_URL', 'https://api.gologin.com/browser', 'gologinApiUrl', 'https://api.gologin.com'],
    ['GOLOGIN_API_URL', 'http://127.0.0.1:4010/', 'gologinApiUrl', 'http://127.0.0.1:4010'],
    ['GOLOGIN_LOCAL_API_URL', 'http://127.0.0.1:5555', 'gologinLocalApiUrl', 'http://127.0.0.1:5555'],
    ['GOLOGIN_CLOUD_BROWSER_URL', 'ws://127.0.0.1:7000/connect', 'gologinCloudBrowserUrl', 'ws://127.0.0.1:7000/connect'],
    ['GOLOGIN_LAUNCHER', 'Cloud', 'launcherMode', 'cloud'],
    ['MAX_CONCURRENT_PROFILES', '25', 'maxConcurrentProfiles', 25],
    ['PROFILE_SYNC_INTERVAL', '900', 'syncIntervalMinutes', 15],
    ['PROFILE_SYNC_INTERVAL', '90', 'syncIntervalMinutes', 2],
    ['PROFILE_SYNC_INTERVAL', '0', 'syncIntervalMinutes', 0],
    ['BROWSER_TIMEOUT', '45000', 'browserTimeoutMs', 45_000],
    ['BROWSER_HEADLESS', 'true', 'browserHeadless', true],
    ['BROWSER_HEADLESS', '0', 'browserHeadless', false],
    ['LOG_LEVEL', 'DEBUG', 'logLevel', 'debug'],
    ['LOG_LEVEL', 'WARNING', 'logLevel', 'warn'],
    ['X_AUTHORIZE_URL', 'http://127.0.0.1:4020/i/oauth2/authorize', 'xAuthorizeUrl', 'http://127.0.0.1:4020/i/oauth2/authorize'],
    ['X_API_URL', 'http://127.0.0.1:4020', 'xApiUrl', 'http://127.0.0.1:4020'],
    ['X_OAUTH1_AUTHORIZE_URL', 'http://127.0.0.1:4020/oauth/authorize', 'xOAuth1AuthorizeUrl', 'http://127.0.0.1:4020/oauth/authorize'],
    ['CHROME_PATH', '/usr/bin/chromium', 'chromePath', '/usr/bin/chromium'],
    ['ALERT_TELEGRAM_API_URL', 'http://127.0.0.1:4030/', 'alertTelegramApiUrl', 'http://127.0.0.1:4030'],
  ]

  it.each(cases)('%s=%s sets %s', (variable, raw, key, expected) => {
    const result = readEnvOverrides({ [variable]: raw })
    expect(result.problems).toEqual([])
    expect(result.values).toEqual({ [key]: expected })
    expect(result.variables).toEqual({ [key]: variable })
  })

  it('covers every documented variable', () => {
    expect(new Set(cases.map(([variable]) => variable))).toEqual(new Set(ENV_SETTINGS.map((entry) => entry.variable)))
  })

  it('ignores unset and empty variables', () => {
    expect(readEnvOverrides({ MAX_CONCURRENT_PROFILES: '', LOG_LEVEL: '   ' })).toEqual({ values: {}, variables: {}, problems: [] })
  })

  const bad: Array<[string, string, RegExp]> = [
    ['MAX_CONCURRENT_PROFILES', 'ten', /MAX_CONCURRENT_PROFILES must be a whole number \(got "ten"\); expected a whole number from 1 to 50/],
    ['MAX_CONCURRENT_PROFILES', '99', /MAX_CONCURRENT_PROFILES must be at most 50 \(got "99"\)/],
    ['PROFILE_SYNC_INTERVAL', '15m', /PROFILE_SYNC_INTERVAL must be a whole number of seconds/],
    ['BROWSER_TIMEOUT', '10', /BROWSER_TIMEOUT must be at least 1000/],
    ['BROWSER_HEADLESS', 'maybe', /BROWSER_HEADLESS must be true or false/],
    ['GOLOGIN_LAUNCHER', 'clod', /GOLOGIN_LAUNCHER must be "desktop" or "cloud" \(got "clod"\)/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL must be one of debug, info, warn, error/],
    ['GOLOGIN_API_URL', 'api.gologin.com', /GOLOGIN_API_URL must be an https:\/\/ URL/],
    ['X_API_URL', 'ftp://x.com', /X_API_URL must be an https:\/\/ URL/],
  ]

  it.each(bad)('%s=%s is refused with a message naming the variable and what it expects', (variable, raw, message) => {
    const result = readEnvOverrides({ [variable]: raw })
    expect(result.values).toEqual({})
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0].variable).toBe(variable)
    expect(result.problems[0].message).toMatch(message)
  })

  it('never repeats the value of a secret variable in its error', () => {
    const result = readEnvOverrides({ GOLOGIN_TOKEN: 'short' })
    expect(result.problems[0].message).toMatch(/^GOLOGIN_TOKEN looks too short/)
    expect(result.problems[0].message).not.toContain('short"')
  })

  it('has a default for every setting that passes its own validation', () => {
    for (const [key, def] of Object.entries(SETTING_DEFS)) {
      expect(def.schema.safeParse(def.default).success, key).toBe(true)
    }
  })
})

describe('API apps from the environment', () => {
  it('defines a confidential OAuth 2.0 app per <APP>_CALLBACK_URL with the default scopes', () => {
    const result = readEnvApiApps({
      AIOTT1_CLIENT_ID: 'id-1',
      AIOTT1_CLIENT_SECRET: 'secret-1',
      AIOTT1_CALLBACK_URL: 'https://panel.example.com/callback',
      AIOTT2_CLIENT_ID: 'id-2',
      AIOTT2_CLIENT_SECRET: 'secret-2',
      AIOTT2_CALLBACK_URL: 'http://127.0.0.1:8000/callback',
      GOOGLE_CLIENT_ID: 'unrelated',
      GOOGLE_CLIENT_SECRET: 'unrelated',
    })
    expect(result.problems).toEqual([])
    expect(result.apps).toEqual([
      { name: 'AIOTT1', clientId: 'id-1', clientSecret: 'secret-1', redirectUri: 'https://panel.example.com/callback', scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'] },
      { name: 'AIOTT2', clientId: 'id-2', clientSecret: 'secret-2', redirectUri: 'http://127.0.0.1:8000/callback', scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'] },
    ])
  })

  it('names the missing or bad variable', () => {
    expect(readEnvApiApps({ AIOTT1_CALLBACK_URL: 'https://a.example/cb', AIOTT1_CLIENT_ID: 'id' }).problems).toEqual([
      { variable: 'AIOTT1_CLIENT_SECRET', message: 'AIOTT1_CLIENT_SECRET must be set because AIOTT1_CALLBACK_URL defines the API app AIOTT1' },
    ])
    const insecure = readEnvApiApps({ APP3_CALLBACK_URL: 'http://example.com/cb', APP3_CLIENT_ID: 'id', APP3_CLIENT_SECRET: 's' })
    expect(insecure.problems[0].variable).toBe('APP3_CALLBACK_URL')
    expect(insecure.problems[0].message).toMatch(/^APP3_CALLBACK_URL must be an https:\/\/ URL/)
    expect(insecure.problems[0].message).not.toContain('"s"')
  })
})
