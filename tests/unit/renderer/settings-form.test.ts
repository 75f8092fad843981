import { describe, expect, it } from 'vitest'
import { SETTING_DEFS, SETTING_KEYS, type SettingKey, type SettingsView } from '../../../src/shared/contract/settings'
import {
  automaticHint,
  buildPatch,
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
      syncIntervalMinutes: 'Must be a whole number.',
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
    expect(validateEdits(v, { consentClickRetrySeconds: '0' })).toEqual({ consentClickRetrySeconds: 'Must be at least 1.' })
  })

  it('an empty Chrome path means "detect automatically"', () => {
    expect(parseField('chromePath', '  ')).toEqual({ value: null })
  })
})
