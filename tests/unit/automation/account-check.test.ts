import { describe, expect, it } from 'vitest'
import { checkSignedInAccount, screenNameOnPage, userIdFromTwid } from '../../../src/main/services/automation/account-check'

describe('the signed-in account check', () => {
  it('reads X’s twid cookie as X writes it (u%3D<id>), decoded or quoted too, and nothing else', () => {
    expect(userIdFromTwid('u%3D1234567890')).toBe('1234567890')
    expect(userIdFromTwid('"u=42"')).toBe('42')
    expect(userIdFromTwid('u%3Dabc')).toBeNull()
    expect(userIdFromTwid('%E0%A4%A')).toBeNull()
    expect(userIdFromTwid(undefined)).toBeNull()
  })

  it('finds the screen name the consent page shows: X’s account element, else its “signed in as @name” words', () => {
    expect(screenNameOnPage({ accountName: '@Alice_1', text: '' })).toBe('Alice_1')
    expect(screenNameOnPage({ accountName: null, text: 'Authorize App?\nSigned in as @bob\nAuthorize app' })).toBe('bob')
    expect(screenNameOnPage({ accountName: null, text: 'Iniciaste sesión como @carla' })).toBe('carla')
    expect(screenNameOnPage({ accountName: null, text: 'Sandbox App wants to access your X account.' })).toBeNull()
  })

  it('decides by id once the account’s id is known, whatever the page’s name says (usernames change)', () => {
    expect(checkSignedInAccount({ username: 'alice', xUserId: '1' }, { userId: '1', screenName: 'renamed' })).toEqual({ verdict: 'match', by: 'id', userId: '1' })
    const wrong = checkSignedInAccount({ username: 'alice', xUserId: '1' }, { userId: '2', screenName: 'alice' })
    expect(wrong).toMatchObject({ verdict: 'mismatch', failure: { code: 'ACCOUNT_MISMATCH' } })
  })

  it('decides by screen name, case-insensitively, while the id is unknown (or X’s session has none)', () => {
    expect(checkSignedInAccount({ username: 'Alice', xUserId: null }, { userId: '7', screenName: 'alice' })).toEqual({ verdict: 'match', by: 'username', userId: '7' })
    expect(checkSignedInAccount({ username: 'alice', xUserId: '1' }, { userId: null, screenName: 'ALICE' })).toMatchObject({ verdict: 'match', by: 'username' })
    const wrong = checkSignedInAccount({ username: 'alice', xUserId: null }, { userId: '7', screenName: 'alice_alt' })
    expect(wrong).toMatchObject({ verdict: 'mismatch', failure: { code: 'ACCOUNT_MISMATCH', message: expect.stringContaining('@alice_alt on X, not @alice') } })
  })

  it('is undecided when neither the id nor a screen name can tell', () => {
    expect(checkSignedInAccount({ username: 'alice', xUserId: null }, { userId: '7', screenName: null })).toEqual({ verdict: 'undecided' })
    expect(checkSignedInAccount({ username: 'alice', xUserId: '1' }, { userId: null, screenName: null })).toEqual({ verdict: 'undecided' })
  })
})
