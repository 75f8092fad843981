/**
 * Token refresh against the X sandbox: tokens due within the margin are refreshed with rotation (the
 * new refresh token is stored, encrypted, and the old one is dead at X), a refresh token X rejects marks
 * the account for re-authorization, X's 429 pauses refreshing, and nothing secret reaches the log.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/ipc/event-hub'
import { LogSystem } from '../../../src/main/logging/logger'
import { XRateLimitException } from '../../../src/main/services/oauth'
import { TokenRefresher, type TokenRefreshClient } from '../../../src/main/services/tokens'
import { InfrastructureException, TwitterAPIException } from '../../../src/shared/errors'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { openTestDb } from '../db/test-db'
import { seedToken, sessionRow } from '../workers/session-fixtures'
import { startXSandboxKit } from './sandbox-tokens'
import { storedBytes } from '../../helpers/test-database'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000)

async function setup(oauthOverride?: TokenRefreshClient) {
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const kit = await startXSandboxKit(logs)
  const db = await openTestDb()
  open.push(db)
  const events = new EventHub(1)
  const pushed: EventBatch[] = []
  events.subscribe((batches) => pushed.push(...batches))
  const clock = { now: Date.now() }
  const refresher = new TokenRefresher({
    db,
    oauth: oauthOverride ?? kit.oauth,
    apiApps: { get: async () => kit.app },
    marginMinutes: () => 15,
    events,
    log: logs.logger('refresh'),
    now: () => clock.now,
  })
  const patches = (channel: string) => {
    events.flush()
    return pushed.filter((batch) => batch.channel === channel).flatMap((batch) => batch.items as Array<Record<string, unknown>>)
  }
  const logText = () => JSON.stringify(logs.ring.recent())
  return { ...kit, db, refresher, patches, logText, clock }
}

describe('TokenRefresher with the X sandbox', () => {
  it('refreshes a token inside the margin with rotation: new tokens stored encrypted, the old refresh token dead', async () => {
    const { db, refresher, authorize, oauth, app, sandbox, patches, logText } = await setup()
    const first = await authorize('alice')
    const due = await seedToken(db, {
      profileId: 'p-alice',
      twitterUsername: 'alice',
      accessToken: first.accessToken,
      refreshToken: first.refreshToken,
      expiresAt: inMinutes(10),
    })

    const report = await refresher.refreshDue()

    expect(report).toMatchObject({ due: 1, refreshed: 1, invalidated: 0, failed: 0 })
    const latest = sandbox.issuedTokens().at(-1)!
    expect(latest.grant).toBe('refresh_token')
    const row = await sessionRow(db, due.sessionId)
    expect(row).toMatchObject({ status: 'completed', tokenStatus: 'valid', accessToken: latest.accessToken, refreshToken: latest.refreshToken })
    expect(row.refreshToken).not.toBe(first.refreshToken)
    expect(row.expiresAt!.getTime()).toBeGreaterThan(inMinutes(110).getTime())
    expect(row.refreshedAt).toBeInstanceOf(Date)
    // X voided the old refresh token; the stored one works, and the stored access token is accepted.
    await expect(oauth.refresh(app, first.refreshToken!, { persist: () => undefined })).rejects.toMatchObject({ statusCode: 400 })
    expect((await oauth.verifyCredentials(row.accessToken!)).username).toBe('alice')
    // Encrypted at rest, absent from the log.
    const raw = (await storedBytes(db)).toString('latin1')
    for (const secret of [row.accessToken!, row.refreshToken!]) {
      expect(raw).not.toContain(secret)
      expect(logText()).not.toContain(secret)
    }
    expect(patches('sessions')).toEqual([expect.objectContaining({ id: due.sessionId, tokenStatus: 'valid', expiresAt: row.expiresAt!.toISOString() })])
    // One or more pushes (the tokens are read back after the write), all for alice's profile.
    const alice = patches('profiles') as Array<Record<string, unknown>>
    expect(new Set(alice.map((patch) => patch.id))).toEqual(new Set(['p-alice']))
    expect(Object.assign({}, ...alice)).toMatchObject({ tokenStatus: 'valid', tokens: { AIOTT1: expect.objectContaining({ tokenStatus: 'valid', expiresAt: row.expiresAt!.toISOString() }) } })
  })

  it('marks a token whose refresh token X rejects as expired with TOKEN_EXPIRED, so the account is authorized again', async () => {
    const { db, refresher, authorize, oauth, app, patches } = await setup()
    const tokens = await authorize('bob')
    // Someone else used the refresh token (or it was revoked): X no longer accepts it.
    await oauth.refresh(app, tokens.refreshToken!, { persist: () => undefined })
    const session = await seedToken(db, { profileId: 'p-bob', twitterUsername: 'bob', accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: inMinutes(5) })

    const report = await refresher.refreshDue()

    expect(report).toMatchObject({ due: 1, refreshed: 0, invalidated: 1, failed: 0 })
    expect(await sessionRow(db, session.sessionId)).toMatchObject({
      status: 'completed',
      tokenStatus: 'expired',
      errorCode: 'TOKEN_EXPIRED',
      errorMessage: expect.stringContaining('authorize the account again'),
    })
    // The grid's Tokens column follows: the account's AIOTT1 token reads expired (needs authorization).
    expect(Object.assign({}, ...(patches('profiles') as object[]))).toEqual({ id: 'p-bob', tokenStatus: 'expired', tokens: { AIOTT1: expect.objectContaining({ tokenStatus: 'expired' }) } })
    expect(patches('sessions')).toEqual([expect.objectContaining({ id: session.sessionId, tokenStatus: 'expired', errorCode: 'TOKEN_EXPIRED' })])
    // Not picked up again.
    expect(await refresher.refreshDue()).toMatchObject({ due: 0 })
  })

  it('refreshes only the newest valid token of an account that is due and can be refreshed', async () => {
    const { db, refresher, authorize, sandbox } = await setup()
    const older = await authorize('carol')
    const newer = await authorize('carol')
    const hourAgo = new Date(Date.now() - 3_600_000)
    const replaced = await seedToken(db, { profileId: 'p-carol', twitterUsername: 'carol', accessToken: older.accessToken, refreshToken: older.refreshToken, expiresAt: inMinutes(1), completedAt: hourAgo, tokenStatus: 'valid' })
    const newest = await seedToken(db, { profileId: 'p-carol', twitterUsername: 'Carol', accessToken: newer.accessToken, refreshToken: newer.refreshToken, expiresAt: inMinutes(14) })
    const notDue = await seedToken(db, { profileId: 'p-dave', twitterUsername: 'dave', expiresAt: inMinutes(60) })
    const noRefresh = await seedToken(db, { profileId: 'p-erin', twitterUsername: 'erin', refreshToken: null, expiresAt: inMinutes(3) })
    const expired = await seedToken(db, { profileId: 'p-fay', twitterUsername: 'fay', tokenStatus: 'expired', expiresAt: inMinutes(3) })
    // OAuth 1.0a: never expires, nothing to refresh — however old it is.
    const oauth1 = await seedToken(db, { profileId: 'p-gus', twitterUsername: 'gus', refreshToken: null, oauthTokenSecret: 'gus-secret', expiresAt: null, scopes: null, completedAt: new Date(Date.now() - 90 * 86_400_000) })
    const issuedBefore = sandbox.issuedTokens().length

    const report = await refresher.refreshDue()

    expect(report).toMatchObject({ due: 1, refreshed: 1 })
    expect(sandbox.issuedTokens()).toHaveLength(issuedBefore + 1)
    expect((await sessionRow(db, newest.sessionId)).refreshToken).toBe(sandbox.issuedTokens().at(-1)!.refreshToken)
    expect((await sessionRow(db, replaced.sessionId)).refreshToken).toBe(older.refreshToken)
    for (const untouched of [notDue, noRefresh, expired, oauth1]) {
      expect((await sessionRow(db, untouched.sessionId)).refreshedAt).toBeNull()
    }
  })

  it('after X answers 429 it stops for this pass and waits until X’s reset time', async () => {
    let calls = 0
    const resetAt = new Date(Date.now() + 10 * 60_000)
    const limited: TokenRefreshClient = {
      refresh: async () => {
        calls++
        throw new XRateLimitException('Too Many Requests', { limit: 1, remaining: 0, resetAt })
      },
    }
    const { db, refresher, clock } = await setup(limited)
    for (const name of ['g1', 'g2', 'g3', 'g4', 'g5', 'g6']) await seedToken(db, { profileId: name, twitterUsername: name, expiresAt: inMinutes(5) })

    const report = await refresher.refreshDue()
    expect(report.rateLimitedUntil).toBe(resetAt.toISOString())
    expect(report.failed).toBe(0)
    expect(calls).toBeLessThanOrEqual(4) // the ones already in flight; nothing after the 429
    const afterFirst = calls

    clock.now += 5 * 60_000
    expect(await refresher.refreshDue()).toMatchObject({ due: 0, rateLimitedUntil: resetAt.toISOString() })
    expect(calls).toBe(afterFirst)

    clock.now = resetAt.getTime() + 1
    await refresher.refreshDue()
    expect(calls).toBeGreaterThan(afterFirst)
  })

  it('a passing failure (X unreachable) leaves the token valid and fails the pass so the worker retries soon', async () => {
    const failing: TokenRefreshClient = {
      refresh: async () => {
        throw new TwitterAPIException(503, 'Service Unavailable')
      },
    }
    const { db, refresher } = await setup(failing)
    const session = await seedToken(db, { profileId: 'h1', twitterUsername: 'hal', expiresAt: inMinutes(5) })
    const error = await refresher.refreshDue().catch((e) => e)
    expect(error).toBeInstanceOf(InfrastructureException)
    expect(error.message).toContain('1 of 1 token refreshes failed')
    expect(await sessionRow(db, session.sessionId)).toMatchObject({ tokenStatus: 'valid', errorCode: null })
  })

  it('stopping does not abort a refresh already sent: its new tokens are stored; the rest wait', async () => {
    const { db, authorize, oauth, app } = await setup()
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const stop = new AbortController()
    const slow: TokenRefreshClient = {
      refresh: async (forApp, refreshToken, options) => {
        stop.abort() // the worker is told to stop while this refresh is on its way to X
        await gate
        return oauth.refresh(forApp, refreshToken, options)
      },
    }
    const refresher = new TokenRefresher({ db, oauth: slow, apiApps: { get: async () => app }, marginMinutes: () => 15, log: new LogSystem({ dir: null }).logger('r'), concurrency: 1 })
    const a = await authorize('ivy')
    const b = await authorize('jon')
    await seedToken(db, { profileId: 'p-ivy', twitterUsername: 'ivy', accessToken: a.accessToken, refreshToken: a.refreshToken, expiresAt: inMinutes(5) })
    await seedToken(db, { profileId: 'p-jon', twitterUsername: 'jon', accessToken: b.accessToken, refreshToken: b.refreshToken, expiresAt: inMinutes(5) })

    const pass = refresher.refreshDue(stop.signal)
    release()
    expect(await pass).toMatchObject({ due: 2, refreshed: 1, skipped: 1 })
    const refreshed: Array<{ refresh_token: string }> = await db.dataSource.query(`SELECT refresh_token FROM authorization_sessions WHERE refreshed_at IS NOT NULL`)
    expect(refreshed).toHaveLength(1)
  })

  it('a refresh never revives a token that was replaced meanwhile, but still stores the rotated tokens', async () => {
    const { db, authorize, oauth, app, sandbox } = await setup()
    const first = await authorize('kim')
    const session = await seedToken(db, { profileId: 'p-kim', twitterUsername: 'kim', accessToken: first.accessToken, refreshToken: first.refreshToken, expiresAt: inMinutes(5) })
    // The account is re-authorized while its old token's refresh is on its way to X.
    const racing: TokenRefreshClient = {
      refresh: async (forApp, refreshToken, options) =>
        oauth.refresh(forApp, refreshToken, {
          persist: async (tokens) => {
            await db.transaction((manager) => manager.query(`UPDATE authorization_sessions SET token_status = 'replaced' WHERE session_id = ?`, [session.sessionId]))
            await options.persist(tokens)
          },
        }),
    }
    const refresher = new TokenRefresher({ db, oauth: racing, apiApps: { get: async () => app }, marginMinutes: () => 15, log: new LogSystem({ dir: null }).logger('r') })
    expect(await refresher.refreshDue()).toMatchObject({ refreshed: 1 })
    const latest = sandbox.issuedTokens().at(-1)!
    expect(await sessionRow(db, session.sessionId)).toMatchObject({ tokenStatus: 'replaced', refreshToken: latest.refreshToken, accessToken: latest.accessToken })
  })

  it('retries a failed write of the rotated tokens; if it keeps failing, revokes them at X and names the account', async () => {
    const { db, oauth, app, authorize, sandbox, logText } = await setup()
    let failures = 2
    const flaky = {
      dataSource: db.dataSource,
      transaction: <T>(work: Parameters<typeof db.transaction<T>>[0]) => (failures-- > 0 ? Promise.reject(new Error('SQLITE_BUSY: database is locked')) : db.transaction(work)),
    }
    const refresher = (database: typeof flaky) =>
      new TokenRefresher({ db: database, oauth, apiApps: { get: async () => app }, marginMinutes: () => 15, log: new LogSystem({ dir: null }).logger('r'), persistRetry: { windowMs: 200, minTimeoutMs: 1 } })
    const lea = await authorize('lea')
    const leaRow = await seedToken(db, { profileId: 'p-lea', twitterUsername: 'lea', accessToken: lea.accessToken, refreshToken: lea.refreshToken, expiresAt: inMinutes(5) })
    expect(await refresher(flaky).refreshDue()).toMatchObject({ refreshed: 1 })
    expect((await sessionRow(db, leaRow.sessionId)).refreshToken).toBe(sandbox.issuedTokens().at(-1)!.refreshToken)

    const max = await authorize('max')
    await seedToken(db, { profileId: 'p-max', twitterUsername: 'max', accessToken: max.accessToken, refreshToken: max.refreshToken, expiresAt: inMinutes(5) })
    failures = Number.POSITIVE_INFINITY
    const error = await refresher(flaky)
      .refreshDue()
      .catch((e: Error) => e)
    expect(String(error)).toMatch(/1 of 1 token refreshes failed/)
    expect(String(error)).toMatch(/@max .*could not be stored, so they were revoked; authorize the account again/)
    const unstored = sandbox.issuedTokens().at(-1)!
    expect(unstored).toMatchObject({ username: 'max', grant: 'refresh_token', revoked: true, refreshUsed: true })
    expect(logText()).not.toContain(unstored.refreshToken!)
  })
})
