/**
 * Issue 21 row 4: before approving, the panel checks which X account the profile's browser is signed into (X's
 * `twid` session cookie, the consent page's `@name`) — for every kind of app. A profile signed into another account
 * fails with ACCOUNT_MISMATCH and X records no approval for anyone; the right account still passes.
 */
import { describe, expect, it } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import { OAuth1Client } from '../../../src/main/services/oauth/oauth1-client'
import { automatorWorld, type AutomatorWorld } from './automator-world'

const never = new AbortController().signal

/** The sandbox's apps by name: SANDBOX1 (2.0), SANDBOX3 (1.0a), SANDBOX4 (1.0a pass-through), SANDBOX5 (2.0 pass-through). */
function appsOf(world: AutomatorWorld): Map<string, ApiAppConfig> {
  const apps = new Map<string, ApiAppConfig>([[world.app.name, world.app]])
  for (const input of world.sandbox.apiApps) {
    apps.set(input.name, { oauthVersion: '2.0', clientType: 'confidential', clientSecret: null, ...input } as ApiAppConfig)
  }
  return apps
}

function automatorFor(world: AutomatorWorld) {
  const apps = appsOf(world)
  const oauth1 = new OAuth1Client({
    logger: new LogSystem({ dir: null }).logger('oauth1'),
    endpoints: () => ({ apiUrl: world.sandbox.x.apiUrl, oauth1AuthorizeUrl: world.sandbox.x.oauth1AuthorizeUrl }),
  })
  return world.automator({ oauth1, apiApps: { get: async (name) => apps.get(name)! } })
}

async function row(world: AutomatorWorld, sessionId: string): Promise<AuthorizationSessionEntity> {
  return world.db.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ sessionId })
}

function accountChecks(world: AutomatorWorld, sessionId: string) {
  return world.logs.ring
    .recent()
    .filter((entry) => entry.event === 'consent.account_checked' && entry.sessionId === sessionId)
    .map((entry) => entry.fields)
}

const APPS = {
  SANDBOX1: 'OAuth 2.0, the panel redeems',
  SANDBOX3: 'OAuth 1.0a, the panel redeems',
  SANDBOX5: 'OAuth 2.0 pass-through (the app’s callback redeems)',
  SANDBOX4: 'OAuth 1.0a pass-through',
} as const
type AppName = keyof typeof APPS
const PASS_THROUGH = ['SANDBOX4', 'SANDBOX5'] as const

describe('the signed-in X account is checked before the approval, for every kind of app', () => {
  it('another account fails with ACCOUNT_MISMATCH and X records no approval; the right account passes (2.0, 1.0a, both pass-through)', { timeout: 120_000 }, async () => {
    const world = await automatorWorld({ profiles: 8 })
    const automator = automatorFor(world)
    const apps = Object.keys(APPS) as AppName[]
    // user00000..3 are signed into another account (user0000N_alt); user00004..7 into their own.
    const wrong = await Promise.all(apps.map((app, i) => (world.sandbox.setBehaviour({ username: `user0000${i}` }, 'wrong_account'), world.job(`user0000${i}`, { apiApp: app }))))
    const right = await Promise.all(apps.map((app, i) => world.job(`user0000${i + 4}`, { apiApp: app })))

    const failed = await Promise.all(wrong.map((job) => automator.run(job, never)))
    for (const [i, app] of apps.entries()) {
      expect(failed[i], APPS[app]).toMatchObject({ status: 'failed', errorCode: 'ACCOUNT_MISMATCH' })
      const stored = await row(world, wrong[i].sessionId)
      expect(stored, APPS[app]).toMatchObject({ status: 'failed', errorCode: 'ACCOUNT_MISMATCH', accessToken: null, xUserId: null })
      expect(stored.errorMessage).toContain(`@user0000${i}_alt`)
      expect(stored.errorMessage).toContain('nothing was approved')
      expect(accountChecks(world, wrong[i].sessionId), APPS[app]).toEqual([
        expect.objectContaining({ verdict: 'mismatch', signedInAs: `user0000${i}_alt`, signedInId: expect.stringMatching(/^\d+$/) }),
      ])
    }
    // X saw no approval at all: no approve request, no code, no token, nothing reached a pass-through app's callback.
    const stats = world.sandbox.x.stats()
    expect(stats).toMatchObject({ approvals: 0, approvalRequests: 0, approvalsByAccount: {}, codesIssued: 0, accessTokens: 0 })
    expect(world.sandbox.issuedTokens()).toEqual([])
    for (const app of PASS_THROUGH) expect(world.sandbox.appServers[app].hits).toEqual([])

    const passed = await Promise.all(right.map((job) => automator.run(job, never)))
    for (const [i, app] of apps.entries()) {
      expect(passed[i], APPS[app]).toMatchObject({ status: 'completed', errorCode: null })
      expect(accountChecks(world, right[i].sessionId), APPS[app]).toEqual([expect.objectContaining({ verdict: 'match', by: 'username', expectedIdKnown: false })])
      // The id X's session named is the account's (recorded for a pass-through app too: there it is the only check).
      expect((await row(world, right[i].sessionId)).xUserId, APPS[app]).toBe(world.sandbox.x.setAccount({ username: `user0000${i + 4}` }).id)
    }
    expect(world.sandbox.x.stats().approvalsByAccount).toEqual({ user00004: 1, user00005: 1, user00006: 1, user00007: 1 })
  })

  it('once an authorization verified the account’s id, X’s session id decides (another account: no approval)', { timeout: 120_000 }, async () => {
    const world = await automatorWorld({ profiles: 1 })
    const automator = automatorFor(world)
    const first = await world.job('user00000', { apiApp: 'SANDBOX5' })
    expect(await automator.run(first, never)).toMatchObject({ status: 'completed' })
    expect((await row(world, first.sessionId)).xUserId).toMatch(/^\d+$/)

    // Another app, same account: decided by id this time.
    const again = await world.job('user00000', { apiApp: 'SANDBOX1' })
    expect(await automator.run(again, never)).toMatchObject({ status: 'completed' })
    expect(accountChecks(world, again.sessionId)).toEqual([expect.objectContaining({ verdict: 'match', by: 'id', expectedIdKnown: true })])

    // The profile is now signed into another account.
    world.sandbox.setBehaviour({ username: 'user00000' }, 'wrong_account')
    const approvalsBefore = world.sandbox.x.stats().approvals
    const wrong = await world.job('user00000', { apiApp: 'SANDBOX5' })
    expect(await automator.run(wrong, never)).toMatchObject({ status: 'failed', errorCode: 'ACCOUNT_MISMATCH' })
    expect(world.sandbox.x.stats().approvals).toBe(approvalsBefore)
    expect(world.sandbox.x.stats().approvalsByAccount).not.toHaveProperty('user00000_alt')
    expect(accountChecks(world, wrong.sessionId)).toEqual([expect.objectContaining({ verdict: 'mismatch', expectedIdKnown: true })])
  })
})
