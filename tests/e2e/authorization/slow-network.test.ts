/**
 * "Authorize selected" on a slow, flaky X (issue 16): the panel (createCore + router) against the sandbox
 * with a real Chromium per profile and 10 slots, healthy accounts on a slow link (10 s metadata, an
 * approval answered 8 s later by form and by XHR, a token endpoint answering after 12 s, a 500 or a reset
 * at the token endpoint, a 503 from /users/me) and in Spanish, Japanese and Arabic, mixed with normal
 * accounts and one whose proxy is down. Every healthy account must complete on its first attempt.
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import type { SandboxBehaviour } from '../../../src/main/sandbox'
import { panelWorld } from '../../integration/authorization/panel-world'

const MIX: Record<string, SandboxBehaviour> = {
  user00001: 'slow',
  user00002: 'slow_approval',
  user00003: 'approval_xhr_slow',
  user00004: 'slow_token',
  user00005: 'token_500_once',
  user00006: 'token_reset_once',
  user00007: 'users_me_503_once',
  user00008: 'locale_es',
  user00009: 'locale_ja',
  user00010: 'locale_ar',
  user00011: 'proxy_failure',
  user00013: 'slow',
  user00014: 'approval_xhr_slow',
  user00015: 'slow_token',
  user00016: 'slow_approval',
}
const PROFILES = 24

describe('Authorize selected on a slow network', () => {
  it('completes every healthy account on its first attempt, with one approval each, and names the dead proxy', { timeout: 600_000 }, async () => {
    const world = await panelWorld({ profiles: PROFILES, behaviours: MIX, slowConsentDelayMs: 10_000 })
    const accounts = world.sandbox.accounts()

    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX2' })
    const done = await world.untilDone(started.batchId, 480_000)

    expect(done).toMatchObject({ state: 'finished', total: PROFILES, succeeded: PROFILES - 1, failed: 1, cancelled: 0 })
    const sessions = await world.sessionsOf(started.batchId)
    for (const s of sessions) {
      const expected = MIX[s.username] === 'proxy_failure' ? { status: 'failed', errorCode: 'PROFILE_PROXY_FAILED' } : { status: 'completed', errorCode: null }
      expect({ username: s.username, status: s.status, errorCode: s.errorCode, attempt: s.attempt }).toEqual({ username: s.username, ...expected, attempt: 1 })
    }
    // One approval per healthy account reached X, none was refused; every token stored is one X issued.
    expect(world.sandbox.stats().x).toMatchObject({ approvalRequests: PROFILES - 1, approvalsRefused: 0, approvals: PROFILES - 1 })
    const issued = world.sandbox.issuedTokens()
    const completed = await world.core.db.dataSource.getRepository(AuthorizationSessionEntity).findBy({ batchId: started.batchId, status: 'completed' })
    expect(completed).toHaveLength(PROFILES - 1)
    for (const row of completed) expect(issued.find((t) => t.accessToken === row.accessToken)).toMatchObject({ username: row.twitterUsername, revoked: false })
    expect(issued).toHaveLength(PROFILES - 1)
    expect(world.sandbox.stats().callbackHits.total).toBe(0)
    expect(world.sandbox.stats().browsers.peak).toBeLessThanOrEqual(10)
    expect(world.sandbox.gologin.browsers()).toEqual([])

    await world.close()
    expect(world.chromiumLeft()).toEqual([])
  })
})
