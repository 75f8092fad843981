/**
 * Tokens kept unverified (X issued them, /users/me did not answer during the authorization) are checked
 * again later against the X sandbox: confirmed, revoked as another account's, dropped when X no longer
 * accepts them, or left for the next pass when X is still not answering.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { UnverifiedTokenCheck } from '../../../src/main/services/tokens/unverified-check'
import { openTestDb } from '../db/test-db'
import { seedToken, sessionRow } from '../workers/session-fixtures'
import { startXSandboxKit } from './sandbox-tokens'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

describe('tokens kept unverified', () => {
  it('are verified, revoked as another account’s, dropped when X refuses them, or kept for the next pass', async () => {
    const kit = await startXSandboxKit()
    const db = await openTestDb()
    open.push(db)
    const unverified = { errorCode: 'X_ACCOUNT_UNVERIFIED' as const, errorMessage: 'X did not confirm the account', xUserId: null }
    const seed = async (username: string, tokens: { accessToken: string; refreshToken: string | null }) =>
      seedToken(db, { profileId: `p-${username}`, twitterUsername: username, ...tokens, ...unverified })
    const ann = await seed('ann', await kit.authorize('ann'))
    const bobTokens = await kit.authorize('bob')
    const carl = await seed('carl', bobTokens) // the profile was logged into @bob
    const dan = await seed('dan', { accessToken: randomBytes(24).toString('base64url'), refreshToken: null })
    const eve = await seed('eve', await kit.authorize('eve'))
    kit.sandbox.setAccount({ username: 'eve', usersMeFaults: [503] })
    const check = new UnverifiedTokenCheck({ db, oauth: kit.oauth, apiApps: { get: async () => kit.app }, log: new LogSystem({ dir: null }).logger('check') })

    expect(await check.run()).toEqual({ checked: 4, verified: 1, mismatched: 1, rejected: 1 })
    const annId = kit.sandbox.issuedTokens().find((t) => t.username === 'ann')!.userId
    expect(await sessionRow(db, ann.sessionId)).toMatchObject({ xUserId: annId, errorCode: null, errorMessage: null, tokenStatus: 'valid' })
    expect(await sessionRow(db, carl.sessionId)).toMatchObject({ tokenStatus: 'revoked', errorCode: 'ACCOUNT_MISMATCH', errorMessage: expect.stringMatching(/@bob, not @carl/) })
    expect(kit.sandbox.issuedTokens().find((t) => t.accessToken === bobTokens.accessToken)).toMatchObject({ revoked: true, refreshUsed: true })
    expect(await sessionRow(db, dan.sessionId)).toMatchObject({ tokenStatus: 'revoked', errorCode: 'TWITTER_API_ERROR' })
    expect(await sessionRow(db, eve.sessionId)).toMatchObject({ tokenStatus: 'valid', errorCode: 'X_ACCOUNT_UNVERIFIED' })

    // Next pass: X answers for @eve now; the settled ones are not asked again.
    expect(await check.run()).toEqual({ checked: 1, verified: 1, mismatched: 0, rejected: 0 })
    expect(await sessionRow(db, eve.sessionId)).toMatchObject({ errorCode: null, tokenStatus: 'valid' })
  })
})
