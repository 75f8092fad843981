import { describe, expect, it } from 'vitest'
import { SETTING_DEFS, SETTING_KEYS, type SettingKey, type SettingsView } from '../../../src/shared/contract/settings'
import {
  automaticHint,
  buildPatch,
  durationHint,
  fieldLabel,
  EDITED_ELSEWHERE,
  fieldKind,
  isChanged,
  parseField,
  SETTINGS_SECTIONS,
  shownValue,
  validateEdits,
} from '../../../src/renderer/src/features/settings/settings-form'

function view(overrides: { values?: Record<string, unknown>; locked?: Partial<Record<SettingKey, string>>; tokenSet?: boolean } = {}): SettingsView {
  const values = Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTING_DEFS[key].secret ? null : SETTING_DEFS[key].default]))
  const fields = Object.fromEntries(
    SETTING_KEYS.map((key) => {
      const envVar = overrides.locked?.[key] ?? null
      return [key, { source: envVar ? 'env' : 'default', envVar, editable: !envVar, secret: SETTING_DEFS[key].secret, isSet: key === 'gologinToken' ? Boolean(overrides.tokenSet) : true }]
    }),
  )
  return { values: { ...values, ...overrides.values }, fields } as unknown as SettingsView
}

describe('settings form', () => {
  it('places every setting in exactly one section (or its own editor)', () => {
    const placed = [...SETTINGS_SECTIONS.flatMap((section) => section.keys), ...EDITED_ELSEWHERE]
    expect([...placed].sort()).toEqual([...SETTING_KEYS].sort())
  })

  it('picks the input from the setting: secret, checkbox, number, choice or text', () => {
    expect(fieldKind('gologinToken')).toBe('secret')
    expect(fieldKind('sandboxMode')).toBe('boolean')
    expect(fieldKind('maxConcurrentProfiles')).toBe('integer')
    expect(fieldKind('launcherMode')).toBe('enum')
    expect(fieldKind('xApiUrl')).toBe('text')
  })

  it('validates with the contract schemas and says what is wrong, field by field', () => {
    const v = view()
    const errors = validateEdits(v, { maxConcurrentProfiles: '0', syncIntervalMinutes: '1.5', xApiUrl: 'ftp://x', gologinToken: 'short', usernamePattern: '([' })
    expect(errors).toEqual({
      maxConcurrentProfiles: 'Must be at least 1.',
      syncIntervalMinutes: 'Must be a whole number of seconds.',
      xApiUrl: 'Must be an https:// URL: what is sent there must be encrypted on the way (http:// only to this machine: 127.0.0.1, ::1 or localhost).',
      gologinToken: 'Looks too short for a GoLogin API token.',
      usernamePattern: 'Must be a valid regular expression.',
    })
    expect(parseField('maxConcurrentProfiles', '')).toEqual({ error: 'Required.' })
  })

  it('sends only the fields that changed, parsed; nothing while one is invalid', () => {
    const v = view({ values: { maxConcurrentProfiles: 10 } })
    expect(buildPatch(v, { maxConcurrentProfiles: '10', accountTimeoutSeconds: ' 300 ', browserHeadless: true, xApiUrl: 'http://127.0.0.1:9000/' })).toEqual({
      accountTimeoutSeconds: 300,
      browserHeadless: true,
      xApiUrl: 'http://127.0.0.1:9000',
    })
    expect(buildPatch(v, { accountTimeoutSeconds: '300', maxConcurrentProfiles: '99' })).toBeNull()
  })

  it('treats the token as write-only: empty keeps it, text replaces it, null removes it', () => {
    const v = view({ tokenSet: true })
    expect(shownValue(v, {}, 'gologinToken')).toBe('')
    expect(isChanged(v, { gologinToken: '' }, 'gologinToken')).toBe(false)
    expect(buildPatch(v, { gologinToken: '  gl-abcdefghijkl  ' })).toEqual({ gologinToken: 'gl-abcdefghijkl' })
    expect(buildPatch(v, { gologinToken: null })).toEqual({ gologinToken: null })
    expect(isChanged(view({ tokenSet: false }), { gologinToken: null }, 'gologinToken')).toBe(false)
  })

  it('never sends a field set by an environment variable', () => {
    const v = view({ locked: { maxConcurrentProfiles: 'MAX_CONCURRENT_PROFILES' } })
    expect(buildPatch(v, { maxConcurrentProfiles: '5', logLevel: 'debug' })).toEqual({ logLevel: 'debug' })
  })

  it('the consent grace periods follow the time limit per account while empty, and show what applies', () => {
    const v = view({ values: { accountTimeoutSeconds: 120 } })
    expect(fieldKind('consentDisabledGraceSeconds')).toBe('integer')
    expect(shownValue(v, {}, 'consentDisabledGraceSeconds')).toBe('')
    expect(automaticHint(v, {}, 'consentButtonGraceSeconds')).toBe('Automatic: 30')
    expect(automaticHint(v, {}, 'consentDisabledGraceSeconds')).toBe('Automatic: 60')
    expect(automaticHint(v, {}, 'consentClickRetrySeconds')).toBe('Automatic: 6')
    // The hint follows the limit as the operator types it.
    expect(automaticHint(v, { accountTimeoutSeconds: '600' }, 'consentDisabledGraceSeconds')).toBe('Automatic: 300')
    expect(automaticHint(v, {}, 'maxConcurrentProfiles')).toBeNull()
    expect(buildPatch(v, { consentDisabledGraceSeconds: '45' })).toEqual({ consentDisabledGraceSeconds: 45 })
    expect(buildPatch(view({ values: { consentDisabledGraceSeconds: 45 } }), { consentDisabledGraceSeconds: ' ' })).toEqual({ consentDisabledGraceSeconds: null })
    expect(validateEdits(v, { consentClickRetrySeconds: '0' })).toEqual({ consentClickRetrySeconds: 'Must be at least 1 second.' })
  })

  it('shows and takes every duration in seconds, converting to the unit each is stored in', () => {
    const v = view({ values: { profileStartTimeoutMs: 60_000, browserTimeoutMs: 1_500, sessionTimeoutHours: 2, syncIntervalMinutes: 15, monitorIntervalSeconds: 60 } })
    expect(fieldLabel('profileStartTimeoutMs')).toBe('Profile start timeout (seconds)')
    expect(fieldLabel('sessionTimeoutHours')).toBe('Stale session timeout (seconds)')
    expect(fieldLabel('syncIntervalMinutes')).toBe('Profile sync interval (seconds)')
    expect(fieldLabel('accountTimeoutSeconds')).toBe('Time limit per account (seconds)')
    expect(fieldLabel('maxConcurrentProfiles')).toBe('Profiles running at once')
    // Every label of a duration says seconds: no ms, minutes or hours left on the form.
    for (const key of SETTING_KEYS) expect(fieldLabel(key)).not.toMatch(/\((ms|minutes|hours)\)/)
    expect(shownValue(v, {}, 'profileStartTimeoutMs')).toBe('60')
    expect(shownValue(v, {}, 'browserTimeoutMs')).toBe('1.5')
    expect(shownValue(v, {}, 'sessionTimeoutHours')).toBe('7200')
    expect(shownValue(v, {}, 'syncIntervalMinutes')).toBe('900')
    expect(durationHint('sessionTimeoutHours', '7200')).toBe('= 2 h')
    expect(durationHint('syncIntervalMinutes', '5430')).toBe('= 1 h 30 min 30 s')
    expect(durationHint('accountTimeoutSeconds', '45')).toBeNull()
    // Stored in the stored unit; an unchanged value is not sent.
    expect(buildPatch(v, { profileStartTimeoutMs: '90', browserTimeoutMs: '2.25', sessionTimeoutHours: '10800', syncIntervalMinutes: '900', monitorIntervalSeconds: '30' })).toEqual({
      profileStartTimeoutMs: 90_000,
      browserTimeoutMs: 2_250,
      sessionTimeoutHours: 3,
      monitorIntervalSeconds: 30,
    })
    // Ranges and whole units are said in seconds.
    expect(validateEdits(v, { profileStartTimeoutMs: '2', sessionTimeoutHours: '5400', syncIntervalMinutes: '90', browserTimeoutMs: '1.2345', tokenRefreshMarginMinutes: '7200' })).toEqual({
      profileStartTimeoutMs: 'Must be at least 5 seconds.',
      sessionTimeoutHours: 'Must be a whole number of hours: a multiple of 3600 seconds.',
      syncIntervalMinutes: 'Must be a whole number of minutes: a multiple of 60 seconds.',
      browserTimeoutMs: 'Must be a number of seconds (up to 3 decimals).',
      tokenRefreshMarginMinutes: 'Must be at most 6600 seconds.',
    })
  })

  it('a consent wait must be shorter than the time limit per account: both fields say so, naming the other', () => {
    const v = view({ values: { accountTimeoutSeconds: 60 } })
    expect(validateEdits(v, { consentButtonGraceSeconds: '500' })).toEqual({
      consentButtonGraceSeconds: 'Must be shorter than the time limit per account (60 s): the account would fail on that limit first.',
      accountTimeoutSeconds: 'Must be longer than the wait for the “Authorize app” button (500 s), or leave that field empty.',
    })
    expect(buildPatch(v, { consentButtonGraceSeconds: '500' })).not.toBeNull()
    // Lowering the limit under a stored wait, and equal values, conflict too; raising both together is fine.
    const stored = view({ values: { accountTimeoutSeconds: 120, consentDisabledGraceSeconds: 90 } })
    expect(Object.keys(validateEdits(stored, { accountTimeoutSeconds: '90' })).sort()).toEqual(['accountTimeoutSeconds', 'consentDisabledGraceSeconds'])
    expect(validateEdits(v, { consentButtonGraceSeconds: '500', accountTimeoutSeconds: '600' })).toEqual({})
    expect(validateEdits(v, { consentClickRetrySeconds: '59' })).toEqual({})
    // Not reported while a field of the pair is itself invalid (that message comes first).
    expect(validateEdits(v, { consentButtonGraceSeconds: '5000' })).toEqual({ consentButtonGraceSeconds: 'Must be at most 1800 seconds.' })
  })

  it('an empty Chrome path means "detect automatically"', () => {
    expect(parseField('chromePath', '  ')).toEqual({ value: null })
  })
})
