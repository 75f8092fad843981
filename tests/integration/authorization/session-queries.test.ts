import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DomainException } from '../../../src/shared/errors'
import { upsertProfiles, type Database } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import { SessionQueries } from '../../../src/main/services/automation/session-queries'
import { SessionStore, type SessionJob } from '../../../src/main/services/automation/session-store'
import { tempDir } from '../../helpers/temp-dir'
import { openTestDb } from '../db/test-db'

let db: Database | null = null

afterEach(async () => {
  await db?.close()
  db = null
})

function job(i: number, batchId: string, username = `name${i}`): SessionJob {
  return { sessionId: `s${String(i).padStart(3, '0')}`, batchId, profileId: `p${i % 5}`, profileName: null, username, apiApp: 'APP1', attempt: 1, retryOf: null, createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }
}

async function world() {
  db = await openTestDb()
  const screenshotDir = tempDir('shots-')
  await upsertProfiles(db.dataSource, Array.from({ length: 5 }, (_, i) => ({ profileId: `p${i}`, profileName: i === 3 ? 'Marketing 100%_off' : `Profile ${i}` })))
  const store = new SessionStore({ db, events: { emit: () => undefined }, logger: new LogSystem({ dir: null }).logger('t') })
  const first = Array.from({ length: 7 }, (_, i) => job(i, 'batch-a'))
  const second = Array.from({ length: 5 }, (_, i) => job(10 + i, 'batch-b', i === 0 ? 'Alice_X' : `name${10 + i}`))
  await store.createPending([...first, ...second])
  const at = new Date()
  await store.fail(first[0], { status: 'failed', error: new DomainException('X_LOGGED_OUT'), screenshotPath: path.join(screenshotDir, 'a.png'), startedAt: at, finishedAt: at })
  await store.fail(first[1], { status: 'timeout', error: new DomainException('AUTH_TIMEOUT'), screenshotPath: '/etc/passwd', startedAt: at, finishedAt: at })
  const tokens = { accessToken: 'access-token-secret', refreshToken: 'refresh-token-secret', expiresAt: new Date(at.getTime() + 7_200_000), scopes: ['tweet.read', 'users.read'], tokenType: 'bearer' }
  await store.complete(second[1], { tokens, xUserId: '42', startedAt: at, finishedAt: new Date(at.getTime() + 1_500) })
  fs.writeFileSync(path.join(screenshotDir, 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]))
  return { queries: new SessionQueries({ dataSource: db.dataSource, screenshotDir }), first, second }
}

describe('SessionQueries', () => {
  it('pages newest first with a cursor, and counts what the filters match', async () => {
    const { queries } = await world()
    const seen: string[] = []
    let cursor: number | undefined
    do {
      const page = await queries.list({ limit: 5, cursor })
      expect(page.total).toBe(12)
      seen.push(...page.rows.map((r) => r.id))
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    expect(seen).toEqual([14, 13, 12, 11, 10, 6, 5, 4, 3, 2, 1, 0].map((i) => `s${String(i).padStart(3, '0')}`))

    const failed = await queries.list({ batchId: 'batch-a', statuses: ['failed', 'timeout'], limit: 100 })
    expect(failed).toMatchObject({ total: 2, nextCursor: null })
    expect(failed.rows.map((r) => [r.id, r.status, r.errorCode])).toEqual([['s001', 'timeout', 'AUTH_TIMEOUT'], ['s000', 'failed', 'X_LOGGED_OUT']])
  })

  it('searches usernames and profile names (any case, wildcards literal), ids exactly', async () => {
    const { queries } = await world()
    expect((await queries.list({ search: '@alice', limit: 10 })).rows.map((r) => r.username)).toEqual(['Alice_X'])
    expect((await queries.list({ search: '100%_OFF', limit: 10 })).total).toBe(2)
    expect((await queries.list({ search: '%', limit: 10 })).total).toBe(2)
    expect((await queries.list({ search: 'Profile_1', limit: 10 })).total).toBe(0)
    expect((await queries.list({ search: 'Profile 1', limit: 10 })).total).toBe(3)
    expect((await queries.list({ search: 's011', limit: 10 })).rows.map((r) => r.id)).toEqual(['s011'])
    expect((await queries.list({ search: 'batch-b', limit: 10 })).total).toBe(5)
  })

  it('shows a completed session with its token facts but never a token', async () => {
    const { queries } = await world()
    const row = await queries.get('s011')
    expect(row).toMatchObject({ status: 'completed', tokenStatus: 'valid', xUserId: '42', scopes: ['tweet.read', 'users.read'], durationMs: 1_500, profileName: 'Profile 1' })
    expect(JSON.stringify(row)).not.toContain('token-secret')
    await expect(queries.get('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('serves a screenshot from the screenshots folder only', async () => {
    const { queries } = await world()
    expect((await queries.screenshot('s000')).dataUrl).toBe(`data:image/png;base64,${Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]).toString('base64')}`)
    expect(await queries.screenshot('s001')).toEqual({ dataUrl: null })
    expect(await queries.screenshot('s002')).toEqual({ dataUrl: null })
    expect((await queries.get('s000')).hasScreenshot).toBe(true)
  })

  it('lists the batches newest first with their counts', async () => {
    const { queries } = await world()
    expect(await queries.batches(10)).toEqual([
      { batchId: 'batch-b', apiApp: 'APP1', createdAt: '2026-01-01T00:00:10.000Z', total: 5, completed: 1, failed: 0 },
      { batchId: 'batch-a', apiApp: 'APP1', createdAt: '2026-01-01T00:00:00.000Z', total: 7, completed: 0, failed: 2 },
    ])
    expect(await queries.batches(1)).toHaveLength(1)
  })
})
