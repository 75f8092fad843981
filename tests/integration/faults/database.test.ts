/**
 * Fault matrix, the database: a refresh whose rotated tokens are written while another transaction on the
 * same connection is open and then rolls back (an operator's mapping edit that hits a CONFLICT). X has
 * already voided the old refresh token, so the new one must survive the rollback.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DomainException } from '../../../src/shared/errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { TokenRefresher, type TokenRefreshClient } from '../../../src/main/services/tokens'
import { openTestDb } from '../db/test-db'
import { startXSandboxKit } from '../tokens/sandbox-tokens'
import { seedProfile, seedToken, sessionRow } from '../workers/session-fixtures'

const open: Array<{ close(): Promise<void> }> = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

/** Gives the event loop a few turns: an unguarded write would run in them. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('fault matrix: database', () => {
  it('a refresh persisted while another transaction rolls back keeps the rotated tokens, and they work at X', async () => {
    const kit = await startXSandboxKit()
    const db = await openTestDb()
    open.push(db)
    await seedProfile(db, 'p-ann', { profileName: 'Ann' })
    const first = await kit.authorize('ann')
    const session = await seedToken(db, { profileId: 'p-ann', twitterUsername: 'ann', accessToken: first.accessToken, refreshToken: first.refreshToken, expiresAt: new Date(Date.now() + 5 * 60_000) })

    let refreshSent!: () => void
    const sent = new Promise<void>((resolve) => (refreshSent = resolve))
    let persistCalled!: () => void
    const persisting = new Promise<void>((resolve) => (persistCalled = resolve))
    const oauth: TokenRefreshClient = {
      refresh: async (app, refreshToken, options) => {
        refreshSent()
        return kit.oauth.refresh(app, refreshToken, {
          persist: async (tokens) => {
            persistCalled()
            await options.persist(tokens)
          },
        })
      },
    }
    const refresher = new TokenRefresher({ db, oauth, apiApps: { get: async () => kit.app }, marginMinutes: () => 15, log: new LogSystem({ dir: null }).logger('refresh') })

    const pass = refresher.refreshDue()
    await sent
    // The operator's mapping edit opens its transaction while X answers the refresh, and rolls back.
    const edit = db
      .transaction(async (manager) => {
        await manager.query(`UPDATE profiles SET twitter_username = 'someone_else' WHERE profile_id = 'p-ann'`)
        await persisting
        await turns(10)
        throw new DomainException('CONFLICT', '@someone_else is already mapped to another profile.')
      })
      .catch((error: DomainException) => error.code)

    expect(await edit).toBe('CONFLICT')
    expect(await pass).toMatchObject({ refreshed: 1, failed: 0 })
    const latest = kit.sandbox.issuedTokens().at(-1)!
    const row = await sessionRow(db, session.sessionId)
    expect(row).toMatchObject({ accessToken: latest.accessToken, refreshToken: latest.refreshToken, tokenStatus: 'valid' })
    // The stored refresh token is the live one at X (the old one is void).
    expect((await kit.oauth.refresh(kit.app, row.refreshToken!, { persist: () => undefined })).accessToken).toBeTruthy()
    // The rolled-back edit changed nothing.
    expect(await db.dataSource.query(`SELECT twitter_username FROM profiles WHERE profile_id = 'p-ann'`)).toEqual([{ twitter_username: null }])
  })
})
