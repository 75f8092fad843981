import { describe, expect, it } from 'vitest'
import { appTokenFilter, EMPTY_PROFILE_FILTER, NONE, type ProfileFilter } from '../../../src/renderer/src/stores/profile-view-slice'
import { countVisibleSelected, filterProfileIds, isFilterActive, profileFacets, sortProfileIds } from '../../../src/renderer/src/stores/profile-view'
import { appTokenState, type AppToken } from '../../../src/shared/app-tokens'
import { profileRow } from './grid-fixtures'
import type { ProfileRow } from '../../../src/shared/contract/profiles'

const NOW = Date.parse('2025-06-01T12:00:00.000Z')

function table(rows: ProfileRow[]) {
  return { rows: new Map(rows.map((row) => [row.id, row])), ids: rows.map((row) => row.id) }
}

const names = (ids: readonly string[], rows: Map<string, ProfileRow>) => ids.map((id) => rows.get(id)!.name)
const filter = (patch: Partial<ProfileFilter>): ProfileFilter => ({ ...EMPTY_PROFILE_FILTER, ...patch })

describe('profile sort', () => {
  it('sorts names naturally ("Profile 9" before "Profile 10"), either direction', () => {
    const { rows, ids } = table([profileRow(1, { name: 'Profile 10' }), profileRow(2, { name: 'profile 9' }), profileRow(3, { name: 'Alpha' })])
    expect(names(sortProfileIds(rows, ids, { column: 'name', desc: false }), rows)).toEqual(['Alpha', 'profile 9', 'Profile 10'])
    expect(names(sortProfileIds(rows, ids, { column: 'name', desc: true }), rows)).toEqual(['Profile 10', 'profile 9', 'Alpha'])
  })

  it('puts rows without a value last in both directions and breaks ties by name', () => {
    const { rows, ids } = table([
      profileRow(1, { lastAttemptAt: null }),
      profileRow(2, { lastAttemptAt: '2025-01-02T00:00:00.000Z' }),
      profileRow(3, { lastAttemptAt: '2025-01-01T00:00:00.000Z' }),
      profileRow(4, { lastAttemptAt: '2025-01-01T00:00:00.000Z' }),
    ])
    expect(sortProfileIds(rows, ids, { column: 'lastAttemptAt', desc: false })).toEqual(['p00003', 'p00004', 'p00002', 'p00001'])
    expect(sortProfileIds(rows, ids, { column: 'lastAttemptAt', desc: true })).toEqual(['p00002', 'p00003', 'p00004', 'p00001'])
  })

  it('orders statuses by what needs attention first', () => {
    const { rows, ids } = table([
      profileRow(1, { lastStatus: 'completed' }),
      profileRow(2, { lastStatus: 'failed' }),
      profileRow(3, { lastStatus: null }),
      profileRow(4, { lastStatus: 'in_progress' }),
    ])
    expect(sortProfileIds(rows, ids, { column: 'status', desc: false })).toEqual(['p00002', 'p00004', 'p00001', 'p00003'])
  })
})

describe('profile filter', () => {
  const { rows, ids } = table([
    profileRow(1, { name: 'Warm A', username: 'alice_x', notes: 'VIP customer', apiApp: 'AIOTT1', folder: 'EU', tags: ['x', 'vip'] }),
    profileRow(2, { name: 'Warm B', username: null, apiApp: null, folder: null, tags: [], lastStatus: 'failed', lastAuthorizedAt: null, manualFixSince: '2025-06-01T10:00:00.000Z', manualFixReason: 'X_LOGGED_OUT' }),
    profileRow(3, { name: 'Cold C', username: 'carol', apiApp: 'AIOTT2', lastStatus: 'completed', lastAuthorizedAt: '2025-05-01T00:00:00.000Z', tokenExpiresAt: '2025-06-01T12:30:00.000Z', tokenStatus: 'valid' }),
    profileRow(4, { name: 'Cold D', username: 'dave', lastStatus: 'completed', lastAuthorizedAt: '2025-05-01T00:00:00.000Z', tokenExpiresAt: '2025-06-02T12:00:00.000Z', tokenStatus: 'valid' }),
    profileRow(5, { name: 'Cold E', username: 'erin', tokenExpiresAt: '2025-06-01T11:00:00.000Z', tokenStatus: 'revoked', lastAuthorizedAt: '2025-05-01T00:00:00.000Z' }),
  ])
  const run = (patch: Partial<ProfileFilter>) => filterProfileIds(rows, ids, filter(patch), NOW)

  it('returns the same array when no filter is set (nothing to recompute downstream)', () => {
    expect(run({})).toBe(ids)
  })

  it('searches name, username (with or without @) and notes, every word must match, any case', () => {
    expect(run({ search: 'warm' })).toEqual(['p00001', 'p00002'])
    expect(run({ search: '@ALICE' })).toEqual(['p00001'])
    expect(run({ search: 'vip warm' })).toEqual(['p00001'])
    expect(run({ search: 'vip cold' })).toEqual([])
  })

  it('filters by status, "no attempt yet", API app (or none), folder (or none) and tag (or none)', () => {
    expect(run({ status: 'completed' })).toEqual(['p00003', 'p00004'])
    expect(run({ status: 'none' })).toEqual(['p00001', 'p00005'])
    expect(run({ apiApp: 'AIOTT2' })).toEqual(['p00003'])
    expect(run({ apiApp: NONE })).toEqual(['p00002'])
    expect(run({ folder: NONE })).toEqual(['p00002'])
    expect(run({ tag: 'vip' })).toEqual(['p00001'])
    expect(run({ tag: NONE })).toEqual(['p00002'])
  })

  it('"never authorized" and "token expiring" (within the hour, not revoked) combine with the rest', () => {
    expect(run({ neverAuthorized: true })).toEqual(['p00001', 'p00002'])
    expect(run({ tokenExpiring: true })).toEqual(['p00003'])
    expect(run({ tokenExpiring: true, search: 'dave' })).toEqual([])
  })

  it('"needs a manual fix" keeps the accounts set aside, and combines with the rest', () => {
    expect(run({ manualFix: true })).toEqual(['p00002'])
    expect(run({ manualFix: true, status: 'completed' })).toEqual([])
  })
})

describe('tokens per API app', () => {
  const token = (patch: Partial<AppToken>): AppToken => ({ tokenStatus: 'valid', expiresAt: null, authorizedAt: '2025-06-01T10:00:00.000Z', unverified: false, refreshable: false, delivered: false, ...patch })
  const { rows, ids } = table([
    // Authorized for AIOTT1 (OAuth 2.0, renewable), then for AIOTT2 (1.0a): both valid.
    profileRow(1, { tokens: { AIOTT1: token({ expiresAt: '2025-06-01T13:50:00.000Z', refreshable: true }), AIOTT2: token({}) }, lastApiApp: 'AIOTT2' }),
    // AIOTT1 expires in 20 minutes and cannot be renewed (expiring, still valid); AIOTT2 expired.
    profileRow(2, { tokens: { AIOTT1: token({ expiresAt: '2025-06-01T12:20:00.000Z' }), AIOTT2: token({ tokenStatus: 'expired', expiresAt: '2025-06-01T11:00:00.000Z' }) } }),
    // Revoked for AIOTT1, unverified for AIOTT2; inactive.
    profileRow(3, { isActive: false, tokens: { AIOTT1: token({ tokenStatus: 'revoked' }), AIOTT2: token({ unverified: true, expiresAt: '2025-06-01T13:00:00.000Z', refreshable: true }) } }),
    // Never authorized; inactive.
    profileRow(4, { isActive: false }),
    // Delivered to a pass-through app's callback only.
    profileRow(5, { tokens: { PASS: token({ tokenStatus: null, delivered: true }) } }),
  ])
  const run = (patch: Partial<ProfileFilter>) => filterProfileIds(rows, ids, filter(patch), NOW)

  it('reads each app’s state off its newest token', () => {
    const states = (id: string) => Object.fromEntries(Object.entries(rows.get(id)!.tokens).map(([app, t]) => [app, appTokenState(t, NOW)]))
    expect(states('p00001')).toEqual({ AIOTT1: 'valid', AIOTT2: 'valid' })
    expect(states('p00002')).toEqual({ AIOTT1: 'expiring', AIOTT2: 'expired' })
    expect(states('p00003')).toEqual({ AIOTT1: 'revoked', AIOTT2: 'unverified' })
    expect(states('p00005')).toEqual({ PASS: 'delivered' })
    expect(appTokenState(undefined, NOW)).toBe('none')
    // A valid token past its expiry reads as expired, whatever the refresher has not caught up with yet.
    expect(appTokenState(token({ expiresAt: '2025-06-01T11:59:00.000Z', refreshable: true }), NOW)).toBe('expired')
  })

  it('filters "valid token for X" and "needs authorization for X"', () => {
    expect(run({ appToken: appTokenFilter('valid', 'AIOTT1') })).toEqual(['p00001', 'p00002'])
    expect(run({ appToken: appTokenFilter('valid', 'AIOTT2') })).toEqual(['p00001'])
    expect(run({ appToken: appTokenFilter('needs', 'AIOTT1') })).toEqual(['p00003', 'p00004', 'p00005'])
    expect(run({ appToken: appTokenFilter('needs', 'AIOTT2') })).toEqual(['p00002', 'p00004', 'p00005'])
    expect(run({ appToken: appTokenFilter('needs', 'PASS') })).toEqual(['p00001', 'p00002', 'p00003', 'p00004'])
  })

  it('filters by Active, alone and with the token filters', () => {
    expect(run({ active: 'inactive' })).toEqual(['p00003', 'p00004'])
    expect(run({ active: 'active' })).toEqual(['p00001', 'p00002', 'p00005'])
    expect(run({ active: 'active', appToken: appTokenFilter('needs', 'AIOTT1') })).toEqual(['p00005'])
    expect(isFilterActive(filter({ active: 'active' }))).toBe(true)
    expect(isFilterActive(filter({ appToken: appTokenFilter('valid', 'AIOTT1') }))).toBe(true)
  })

  it('sorts the Tokens column by the soonest expiry of a usable token, then tokens that never expire, then none', () => {
    expect(sortProfileIds(rows, ids, { column: 'tokens', desc: false }, NOW)).toEqual(['p00002', 'p00003', 'p00001', 'p00004', 'p00005'])
  })

  it('lists the apps tokens exist for', () => {
    expect(profileFacets(rows).tokenApps).toEqual(['AIOTT1', 'AIOTT2', 'PASS'])
  })
})

describe('facets and counts', () => {
  it('lists the API apps, folders and tags in use, naturally sorted', () => {
    const { rows } = table([profileRow(1, { folder: 'Batch 10', tags: ['b', 'a'] }), profileRow(2, { folder: 'Batch 9', apiApp: 'AIOTT2' })])
    expect(profileFacets(rows)).toEqual({ apiApps: ['AIOTT1', 'AIOTT2'], folders: ['Batch 9', 'Batch 10'], tags: ['a', 'b', 'x'], tokenApps: [] })
  })

  it('counts the selected rows that are visible', () => {
    expect(countVisibleSelected(new Set(['a', 'c', 'z']), ['a', 'b', 'c'])).toBe(2)
    expect(countVisibleSelected(new Set(), ['a'])).toBe(0)
  })
})
