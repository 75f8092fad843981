import { describe, expect, it } from 'vitest'
import { profileDto, sessionDto, syncDto } from '../../../src/main/host/rest-api/dto'
import { profileRow, sessionRow } from '../../integration/rest-api/harness'

describe('wire DTOs', () => {
  const session = sessionRow({
    id: 's',
    profileId: 'p',
    apiApp: 'A',
    status: 'completed',
    scopes: ['tweet.read'],
    tokens: { accessToken: 'AT', refreshToken: 'RT', scopes: ['tweet.read', 'offline.access'] },
  })

  it('leaves tokens and scopes out unless allowed', () => {
    const hidden = sessionDto(session, false)
    expect(Object.keys(hidden)).not.toEqual(expect.arrayContaining(['access_token']))
    expect(JSON.stringify(hidden)).not.toMatch(/"AT"|"RT"|scopes/)
    expect(sessionDto(session, true)).toMatchObject({ access_token: 'AT', refresh_token: 'RT', scopes: ['tweet.read', 'offline.access'] })
    expect(sessionDto({ ...session, tokens: undefined }, true)).toMatchObject({ access_token: null, refresh_token: null, scopes: ['tweet.read'] })
  })

  it('speaks the origin’s snake_case', () => {
    expect(profileDto(profileRow(1))).toMatchObject({ profile_id: profileRow(1).id, profile_name: 'Profile 1', twitter_username: 'user_1', api_app: 'AIOTT1', is_active: true })
    const base = { running: false, startedAt: null, finishedAt: null, pagesDone: 0, pagesTotal: null, fetched: 0, total: null, added: 0, updated: 0, unchanged: 0, deactivated: 0, error: null, errorCode: null }
    expect(syncDto(base).status).toBe('idle')
    expect(syncDto({ ...base, running: true }).status).toBe('running')
    expect(syncDto({ ...base, finishedAt: '2026-01-01T00:00:00.000Z' }).status).toBe('completed')
    expect(syncDto({ ...base, finishedAt: '2026-01-01T00:00:00.000Z', errorCode: 'GOLOGIN_API_ERROR', error: 'x' }).status).toBe('failed')
  })
})

describe('isoFromSqlite', () => {
  it('reads the datetime shapes SQLite holds as UTC', async () => {
    const { isoFromSqlite } = await import('../../../src/main/db/sqlite-handle')
    expect(isoFromSqlite('2026-02-03 04:05:06.789')).toBe('2026-02-03T04:05:06.789Z')
    expect(isoFromSqlite('2026-02-03 04:05:06.7')).toBe('2026-02-03T04:05:06.700Z')
    expect(isoFromSqlite('2026-02-03 04:05:06')).toBe('2026-02-03T04:05:06.000Z')
    expect(isoFromSqlite('2026-02-03T04:05:06.000+02:00')).toBe('2026-02-03T02:05:06.000Z')
    // PostgreSQL's times arrive as ISO text in UTC already (postgres.ts).
    expect(isoFromSqlite('2026-02-03T04:05:06.789Z')).toBe('2026-02-03T04:05:06.789Z')
    expect(isoFromSqlite('2026-02-03T04:05:06Z')).toBe('2026-02-03T04:05:06.000Z')
    expect(isoFromSqlite(new Date('2026-02-03T04:05:06.000Z'))).toBe('2026-02-03T04:05:06.000Z')
    expect(isoFromSqlite(null)).toBeNull()
    expect(isoFromSqlite('not a date')).toBeNull()
  })
})
