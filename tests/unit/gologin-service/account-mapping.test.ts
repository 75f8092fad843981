import { describe, expect, it } from 'vitest'
import { SETTING_DEFS } from '../../../src/shared/contract/settings'
import { canonicalApiApp, PatternMapper } from '../../../src/main/services/gologin/account-mapping'

const DEFAULT = SETTING_DEFS.usernamePattern.default
const profile = (notes: string, name = 'Profile', tags: string[] = []) => ({ notes, name, tags })

describe('PatternMapper', () => {
  it('takes the username from the notes first, then from the name', () => {
    const mapper = new PatternMapper(DEFAULT, [])
    expect(mapper.map(profile('Account: @Alice_01, warmed', 'Shop @bob'))).toEqual({ twitterUsername: 'Alice_01', apiApp: null })
    expect(mapper.map(profile('no handle here', 'Shop @bob'))).toEqual({ twitterUsername: 'bob', apiApp: null })
    expect(mapper.map(profile('', 'Shop'))).toBeNull()
  })

  it('uses the first capture group, or the whole match without one, and drops what is not an X username', () => {
    expect(new PatternMapper('x\\.com/(\\w+)', []).map(profile('https://x.com/carol_c'))).toMatchObject({ twitterUsername: 'carol_c' })
    expect(new PatternMapper('@\\w+', []).map(profile('hi @dave'))).toMatchObject({ twitterUsername: 'dave' })
    expect(new PatternMapper('user=(\\S+)', []).map(profile('user=way_too_long_for_x_names'))).toBeNull()
    expect(new PatternMapper('user=(\\S+)', []).map(profile('user=bad-name', 'user=good_name'))).toMatchObject({ twitterUsername: 'good_name' })
  })

  it('takes the API app from the one tag that names a configured app, in any case', () => {
    const mapper = new PatternMapper(DEFAULT, ['AIOTT1', 'AIOTT2'])
    expect(mapper.map(profile('@a', 'P', ['warm', 'aiott2']))).toEqual({ twitterUsername: 'a', apiApp: 'AIOTT2' })
    expect(mapper.map(profile('@a', 'P', ['AIOTT1', 'AIOTT2']))).toEqual({ twitterUsername: 'a', apiApp: null })
    expect(mapper.map(profile('@a', 'P', ['AIOTT3']))).toEqual({ twitterUsername: 'a', apiApp: null })
  })

  it('refuses an invalid pattern with a VALIDATION_ERROR naming the setting', () => {
    expect(() => new PatternMapper('([', [])).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', details: { field: 'usernamePattern' } }))
  })
})

describe('canonicalApiApp', () => {
  it('answers the configured spelling, or null', () => {
    expect(canonicalApiApp(' aiott1 ', ['AIOTT1'])).toBe('AIOTT1')
    expect(canonicalApiApp('AIOTT9', ['AIOTT1'])).toBeNull()
  })
})
