/**
 * "Authorize selected" end to end: the panel (createCore + router, as the UI drives it) against the
 * sandbox with a real Chromium per profile.
 */
import { describe, expect, it, vi } from 'vitest'
import type { SandboxBehaviour } from '../../../src/main/sandbox'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import type { ErrorCode } from '../../../src/shared/errors'
import { panelWorld, type PanelWorld } from '../../integration/authorization/panel-world'
import { storedBytes } from '../../helpers/test-database'

/** The mix of the 30-account batch: username → behaviour → the outcome the operator must see. */
const MIX: Record<string, [SandboxBehaviour, 'completed' | 'failed', ErrorCode | null]> = {
  user00002: ['logged_out', 'failed', 'X_LOGGED_OUT'],
  user00004: ['no_session', 'failed', 'X_LOGGED_OUT'],
  user00006: ['locked', 'failed', 'X_ACCOUNT_LOCKED'],
  user00008: ['suspended', 'failed', 'X_ACCOUNT_SUSPENDED'],
  user00010: ['denies', 'failed', 'USER_DENIED'],
  user00012: ['error', 'failed', 'TWITTER_API_ERROR'],
  user00014: ['no_button', 'failed', 'CONSENT_BUTTON_NOT_FOUND'],
  user00016: ['bad_state', 'failed', 'STATE_MISMATCH'],
  user00018: ['wrong_account', 'failed', 'ACCOUNT_MISMATCH'],
  user00020: ['start_failure', 'failed', 'GOLOGIN_API_ERROR'],
  user00022: ['slow', 'completed', null],
}
const FAILING = Object.entries(MIX).filter(([, [, status]]) => status === 'failed').map(([username]) => username)

async function expectNothingLeft(world: PanelWorld): Promise<void> {
  // A cancelled start is let finish before its stop: wait until the panel has nothing left to stop, then
  // count from the outside.
  await vi.waitFor(() => expect(world.core.gologin.slots.figures()).toMatchObject({ slotsInUse: 0, waiting: 0 }), { timeout: 60_000, interval: 50 })
  expect(world.sandbox.gologin.browsers()).toEqual([])
  expect(world.sandbox.gologin.stats().browsers.running).toBe(0)
  const [{ inUse }] = await world.core.db.dataSource.query('SELECT COUNT(*) AS "inUse" FROM profiles WHERE in_use = TRUE')
  expect(inUse).toBe(0)
  expect(world.chromiumLeft()).toEqual([])
}

describe('Authorize selected, end to end on the sandbox', () => {
  it('ends a mixed batch of 30 in the right states, stores tokens encrypted, leaks nothing, and a retry after the fix completes them', { timeout: 600_000 }, async () => {
    const behaviours = Object.fromEntries(Object.entries(MIX).map(([username, [behaviour]]) => [username, behaviour]))
    const world = await panelWorld({ profiles: 30, behaviours, slowConsentDelayMs: 1_500 })
    const accounts = world.sandbox.accounts()

    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    expect(started).toMatchObject({ queued: 30, skipped: [] })
    const done = await world.untilDone(started.batchId, 300_000)
    // The bar's "slots n/10" moved while the batch ran, never past the limit.
    const slotFigures = world.progress.filter((p) => p.id === started.batchId).map((p) => p.slotsInUse)
    expect(Math.max(...slotFigures)).toBeGreaterThan(0)
    expect(Math.max(...slotFigures)).toBeLessThanOrEqual(10)

    expect(done).toMatchObject({ state: 'finished', total: 30, done: 30, succeeded: 20, failed: 10, cancelled: 0, skipped: 0, queued: 0, running: 0, etaMs: null })
    const sessions = await world.sessionsOf(started.batchId)
    expect(sessions).toHaveLength(30)
    for (const session of sessions) {
      const [, status, code] = MIX[session.username] ?? [null, 'completed', null]
      expect({ username: session.username, status: session.status, errorCode: session.errorCode }).toEqual({ username: session.username, status, errorCode: code })
      expect(session).toMatchObject({ attempt: 1, apiApp: 'SANDBOX1', step: null, batchId: started.batchId })
    }
    expect(world.notices).toContainEqual(expect.objectContaining({ id: `batch-${started.batchId}`, level: 'warn', body: '20 authorized, 10 failed, 0 cancelled, 0 skipped' }))

    // Tokens: encrypted on disk, and they decrypt to exactly what the sandbox issued for each account.
    const issued = world.sandbox.issuedTokens()
    const completed = await world.core.db.dataSource.getRepository(AuthorizationSessionEntity).findBy({ batchId: started.batchId, status: 'completed' })
    expect(completed).toHaveLength(20)
    const file = await storedBytes(world.core.db)
    for (const row of completed) {
      const token = issued.find((t) => t.accessToken === row.accessToken)
      expect(token).toMatchObject({ username: row.twitterUsername, clientId: world.sandbox.env.SANDBOX1_CLIENT_ID, revoked: false })
      expect(row.refreshToken).toBe(token!.refreshToken)
      expect(row.xUserId).toBe(token!.userId)
      expect(file.includes(Buffer.from(row.accessToken!))).toBe(false)
      expect(file.includes(Buffer.from(row.refreshToken!))).toBe(false)
    }
    // The wrong account was never approved (checked before the click); the API app's own callback never saw a request.
    expect(issued.filter((t) => t.username === 'user00018_alt')).toEqual([])
    expect(world.sandbox.x.stats().approvalsByAccount).not.toHaveProperty('user00018_alt')
    expect(world.sandbox.stats().callbackHits.total).toBe(0)
    expect(world.sandbox.stats().browsers.peak).toBeLessThanOrEqual(10)
    await expectNothingLeft(world)

    // The operator fixes the failed accounts in the sandbox (control endpoint), then "Retry failed".
    for (const username of FAILING) {
      const answer = await fetch(`${world.sandbox.controlUrl}/__sandbox/behaviour`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, behaviour: 'ok' }),
      })
      expect(answer.status).toBe(200)
    }
    const retry = await world.call('batch:retry', { batchId: started.batchId })
    expect(retry).toMatchObject({ queued: 10, skipped: [] })
    const retried = await world.untilDone(retry.batchId, 300_000)

    expect(retried).toMatchObject({ state: 'finished', total: 10, succeeded: 10, failed: 0, retryOf: started.batchId })
    const failedBefore = new Map(sessions.filter((s) => s.status === 'failed').map((s) => [s.id, s]))
    for (const session of await world.sessionsOf(retry.batchId)) {
      expect(session).toMatchObject({ status: 'completed', attempt: 2, errorCode: null })
      expect(failedBefore.get(session.retryOf!)?.username).toBe(session.username)
    }
    // History is kept: the first attempts still say why they failed.
    for (const before of failedBefore.values()) expect(await world.call('sessions:get', { id: before.id })).toMatchObject({ status: 'failed', errorCode: before.errorCode })
    expect(world.sandbox.stats().callbackHits.total).toBe(0)
    await expectNothingLeft(world)

    await world.close()
    expect(world.chromiumLeft()).toEqual([])
  })

  it('cancels mid-batch: finished accounts stay done, running and queued ones become cancelled, nothing is left running', { timeout: 300_000 }, async () => {
    const slow = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`user${String(i + 3).padStart(5, '0')}`, 'slow' as const]))
    const world = await panelWorld({ profiles: 20, behaviours: slow, slowConsentDelayMs: 60_000 })
    const ids = world.sandbox.accounts().map((a) => a.profileId)

    const started = await world.call('batch:start', { profileIds: ids, apiApp: 'SANDBOX2' })
    const midway = await world.untilProgress(started.batchId, (p) => p.succeeded === 3 && p.running > 0, 180_000)
    expect(midway.queued).toBeGreaterThan(0)
    const answer = await world.call('batch:cancel', { batchId: started.batchId })
    expect(answer.state).toMatch(/cancelling|cancelled/)
    const done = await world.untilDone(started.batchId)

    expect(done).toMatchObject({ state: 'cancelled', total: 20, done: 20, succeeded: 3, failed: 0, cancelled: 17, queued: 0, running: 0 })
    const sessions = await world.sessionsOf(started.batchId)
    expect(sessions.filter((s) => s.status === 'completed').map((s) => s.username).sort()).toEqual(['user00000', 'user00001', 'user00002'])
    expect(sessions.filter((s) => s.status === 'cancelled').every((s) => s.errorCode === 'CANCELLED')).toBe(true)
    expect(sessions.filter((s) => s.status === 'cancelled')).toHaveLength(17)
    expect(world.notices).toContainEqual(expect.objectContaining({ id: `batch-${started.batchId}`, title: 'Authorization batch cancelled (SANDBOX2)' }))
    expect(world.sandbox.issuedTokens()).toHaveLength(3)
    await expectNothingLeft(world)
  })
})
