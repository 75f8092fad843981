/**
 * OAuth 1.0a and pass-through end to end: the panel (createCore + router) against the sandbox with a real
 * Chromium per profile, four batches at once on the same 10 slots — OAuth 2.0 and 1.0a apps the panel
 * redeems, and a 1.0a and a 2.0 app whose own server redeems at its callback — with healthy, logged-out,
 * denying and wrong-account accounts among them.
 */
import { describe, expect, it, vi } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import type { SandboxBehaviour } from '../../../src/main/sandbox'
import type { ErrorCode } from '../../../src/shared/errors'
import { panelWorld, type PanelWorld } from '../../integration/authorization/panel-world'
import { rawDatabaseBytes } from '../../integration/db/test-db'

type Expect = [app: string, behaviour: SandboxBehaviour, status: 'completed' | 'failed', code: ErrorCode | null]

const MIX: Record<string, Expect> = {
  user00000: ['SANDBOX1', 'ok', 'completed', null],
  user00001: ['SANDBOX1', 'logged_out', 'failed', 'X_LOGGED_OUT'],
  user00002: ['SANDBOX1', 'denies', 'failed', 'USER_DENIED'],
  user00003: ['SANDBOX1', 'wrong_account', 'failed', 'ACCOUNT_MISMATCH'],
  user00004: ['SANDBOX3', 'ok', 'completed', null],
  user00005: ['SANDBOX3', 'logged_out', 'failed', 'X_LOGGED_OUT'],
  user00006: ['SANDBOX3', 'denies', 'failed', 'USER_DENIED'],
  user00007: ['SANDBOX3', 'wrong_account', 'failed', 'ACCOUNT_MISMATCH'],
  user00008: ['SANDBOX3', 'ok', 'completed', null],
  user00009: ['SANDBOX4', 'ok', 'completed', null],
  user00010: ['SANDBOX4', 'denies', 'failed', 'USER_DENIED'],
  user00011: ['SANDBOX4', 'logged_out', 'failed', 'X_LOGGED_OUT'],
  user00012: ['SANDBOX5', 'ok', 'completed', null],
  user00013: ['SANDBOX5', 'ok', 'completed', null],
}

async function nothingLeft(world: PanelWorld): Promise<void> {
  await vi.waitFor(() => expect(world.core.gologin.slots.figures()).toMatchObject({ slotsInUse: 0, waiting: 0 }), { timeout: 60_000, interval: 50 })
  expect(world.sandbox.gologin.browsers()).toEqual([])
  expect(world.chromiumLeft()).toEqual([])
}

describe('OAuth 1.0a and pass-through apps, end to end on the sandbox', () => {
  it('a mixed run of 1.0a and 2.0 accounts ends in the right states; 1.0a pairs stored encrypted; callbacks see exactly what they should', { timeout: 600_000 }, async () => {
    const behaviours = Object.fromEntries(Object.entries(MIX).map(([username, [, behaviour]]) => [username, behaviour]))
    const world = await panelWorld({ profiles: 14, behaviours })
    const byUser = new Map(world.sandbox.accounts().map((a) => [a.username, a.profileId]))
    const apps = [...new Set(Object.values(MIX).map(([app]) => app))]

    // The Authorize dialog's check passes for every kind of app.
    for (const apiApp of apps) expect(await world.call('batch:check', { apiApp })).toEqual({ apiApp, ready: true })
    const batches = await Promise.all(
      apps.map((apiApp) => {
        const profileIds = Object.entries(MIX).filter(([, [app]]) => app === apiApp).map(([username]) => byUser.get(username)!)
        return world.call('batch:start', { profileIds, apiApp })
      }),
    )
    const done = await Promise.all(batches.map((batch) => world.untilDone(batch.batchId, 300_000)))
    expect(done.map((p) => p.state)).toEqual(['finished', 'finished', 'finished', 'finished'])

    const sessions = (await Promise.all(batches.map((batch) => world.sessionsOf(batch.batchId)))).flat()
    expect(sessions).toHaveLength(14)
    for (const session of sessions) {
      const [app, , status, code] = MIX[session.username]
      expect({ user: session.username, app: session.apiApp, status: session.status, code: session.errorCode }).toEqual({ user: session.username, app, status, code })
    }

    // 1.0a tokens: the pair X issued, encrypted at rest, no expiry; none for the wrong account (never approved).
    const issued1 = world.sandbox.x.issuedOAuth1Tokens()
    const repo = world.core.db.dataSource.getRepository(AuthorizationSessionEntity)
    const legacy = await repo.findBy({ apiApp: 'SANDBOX3', status: 'completed' })
    expect(legacy.map((row) => row.twitterUsername).sort()).toEqual(['user00004', 'user00008'])
    const file = rawDatabaseBytes(world.core.db.filePath!)
    for (const row of legacy) {
      const pair = issued1.find((t) => t.token === row.accessToken)
      expect(pair).toMatchObject({ screenName: row.twitterUsername, secret: row.oauthTokenSecret, userId: row.xUserId, revoked: false })
      expect(row).toMatchObject({ refreshToken: null, expiresAt: null, tokenStatus: 'valid', deliveredToCallback: null })
      expect(file.includes(Buffer.from(row.accessToken!))).toBe(false)
      expect(file.includes(Buffer.from(row.oauthTokenSecret!))).toBe(false)
    }
    expect(issued1.filter((t) => t.screenName === 'user00007_alt')).toEqual([])
    expect(world.sandbox.x.stats().approvalsByAccount).not.toHaveProperty('user00007_alt')

    // Pass-through: delivered, nothing stored, and each account's redirect reached the app's callback once.
    for (const session of sessions.filter((s) => s.apiApp === 'SANDBOX4' || s.apiApp === 'SANDBOX5')) {
      const row = await repo.findOneByOrFail({ sessionId: session.id })
      expect(row).toMatchObject({ accessToken: null, refreshToken: null, oauthTokenSecret: null })
      if (session.status === 'completed') {
        expect(session).toMatchObject({ deliveredToCallback: true, callbackAnswer: { status: 200, markerMatched: true } })
        expect(session.callbackAnswer!.url).toMatch(/\/callback\?/)
        expect(session.callbackAnswer!.url).not.toMatch(/oauth_verifier=[^…]|code=[^…]/)
      }
    }
    const { appServers, callbacks } = world.sandbox
    expect(appServers.SANDBOX4.hits.map((h) => h.outcome).sort()).toEqual(['@user00009', 'denied'])
    expect(appServers.SANDBOX5.hits.map((h) => h.outcome)).toEqual(['token', 'token'])
    // Panel-redeemed apps: their callbacks never saw a request.
    expect(Object.values(callbacks).map((c) => c.hits.length)).toEqual([0, 0, 0])
    // Never both: X issued each pass-through account exactly one token, the app server's.
    expect(issued1.filter((t) => t.screenName === 'user00009')).toHaveLength(1)
    expect(world.sandbox.issuedTokens().filter((t) => t.username === 'user00012' || t.username === 'user00013')).toHaveLength(2)
    expect(world.sandbox.stats().x.signatureFailures).toBe(0)
    await nothingLeft(world)

    // The app's callback fails: CALLBACK_FAILED saying what it answered, with a screenshot; still one request.
    appServers.SANDBOX4.failWith = 500
    const failing = await world.call('batch:start', { profileIds: [byUser.get('user00009')!], apiApp: 'SANDBOX4' })
    await world.untilDone(failing.batchId, 120_000)
    const [failed] = await world.sessionsOf(failing.batchId)
    expect(failed).toMatchObject({ status: 'failed', errorCode: 'CALLBACK_FAILED', hasScreenshot: true, deliveredToCallback: false, callbackAnswer: { status: 500, markerMatched: false } })
    expect(failed.errorMessage).toMatch(/answered HTTP 500 at http:\/\/127\.0\.0\.1:\d+\/callback\?oauth_token=…&oauth_verifier=…: “Internal error 500”/)
    expect(appServers.SANDBOX4.hits).toHaveLength(3)
    await nothingLeft(world)
  })
})
