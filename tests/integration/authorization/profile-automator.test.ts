import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { DomainException } from '../../../src/shared/errors'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import type { ConsentRunner } from '../../../src/main/services/automation/consent-runner'
import { browserConsentRunner } from '../../../src/main/services/automation/consent-runner'
import { SessionQueries } from '../../../src/main/services/automation/session-queries'
import { automatorWorld, type AutomatorWorld } from './automator-world'
import { storedBytes } from '../../helpers/test-database'

interface RawRow {
  status: string
  step: string | null
  error_code: string | null
  state: string | null
  code_verifier: string | null
  access_token: string | null
  refresh_token: string | null
  token_status: string | null
  screenshot_path: string | null
}

async function raw(world: AutomatorWorld, sessionId: string): Promise<RawRow> {
  const [row] = await world.db.dataSource.query('SELECT * FROM authorization_sessions WHERE session_id = ?', [sessionId])
  return row as RawRow
}

async function entity(world: AutomatorWorld, sessionId: string): Promise<AuthorizationSessionEntity> {
  return world.db.dataSource.getRepository(AuthorizationSessionEntity).findOneByOrFail({ sessionId })
}

const never = new AbortController().signal

describe('ProfileAutomator against the sandbox', () => {
  it('persists state and an encrypted verifier before the browser opens X, then stores verified tokens encrypted', async () => {
    const world = await automatorWorld()
    const job = await world.job('user00000')
    const real = browserConsentRunner({ logger: world.logs.logger('consent') })
    let seenBeforeConsent: { row: RawRow; fileHasVerifier: boolean; verifier: string | null; authorizePages: number } | null = null
    const watching: ConsentRunner = {
      async authorize(request, hooks) {
        const row = await raw(world, job.sessionId)
        const verifier = (await entity(world, job.sessionId)).codeVerifier
        seenBeforeConsent = {
          row,
          verifier,
          fileHasVerifier: verifier !== null && (await storedBytes(world.db)).includes(Buffer.from(verifier)),
          authorizePages: world.sandbox.x.stats().authorizePages,
        }
        return real.authorize(request, hooks)
      },
    }

    const outcome = await world.automator({ consent: watching }).run(job, never)

    expect(outcome).toMatchObject({ status: 'completed', errorCode: null })
    const before = seenBeforeConsent!
    expect(before.authorizePages).toBe(0)
    expect(before.row).toMatchObject({ status: 'in_progress', step: 'connecting' })
    expect(before.row.state).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(before.verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/)
    expect(before.row.code_verifier).not.toContain(before.verifier)
    expect(before.fileHasVerifier).toBe(false)

    const [issued] = world.sandbox.issuedTokens()
    const stored = await entity(world, job.sessionId)
    expect(stored).toMatchObject({ status: 'completed', step: null, tokenStatus: 'valid', xUserId: issued.userId, codeVerifier: null })
    expect(stored.accessToken).toBe(issued.accessToken)
    expect(stored.refreshToken).toBe(issued.refreshToken)
    expect(stored.scopes?.sort()).toEqual([...issued.scopes].sort())
    expect(stored.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 7_000_000)
    const file = await storedBytes(world.db)
    expect(file.includes(Buffer.from(issued.accessToken))).toBe(false)
    expect(file.includes(Buffer.from(issued.refreshToken!))).toBe(false)
    expect(world.sandbox.stats().callbackHits.total).toBe(0)

    // The UI saw every step, then the final row; the profile shows its new token.
    const steps = world.sessionPatches.filter((p) => p.id === job.sessionId && p.step).map((p) => p.step)
    expect(steps).toEqual(['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying'])
    expect(world.profilePatches.at(-1)).toMatchObject({ id: job.profileId, lastStatus: 'completed', tokenStatus: 'valid', lastErrorCode: null })
    const finished = world.logs.ring.recent().find((e) => e.event === 'authorization.finished')
    expect(finished).toMatchObject({ sessionId: job.sessionId, batchId: job.batchId })
    expect(Object.keys(finished?.fields?.stepsMs as object)).toEqual(expect.arrayContaining(['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying', 'store']))
    expect(world.slots.figures().slotsInUse).toBe(0)
    expect(world.inUse.get(job.profileId)).toBe(false)
  })

  it('does not approve for another account logged into the profile (ACCOUNT_MISMATCH before the click)', async () => {
    const world = await automatorWorld()
    world.sandbox.setBehaviour({ username: 'user00001' }, 'wrong_account')
    const job = await world.job('user00001')

    const outcome = await world.automator().run(job, never)

    expect(outcome).toMatchObject({ status: 'failed', errorCode: 'ACCOUNT_MISMATCH' })
    expect(world.sandbox.issuedTokens()).toEqual([])
    expect(world.sandbox.x.stats()).toMatchObject({ approvals: 0, approvalsByAccount: {}, codesIssued: 0 })
    const row = await raw(world, job.sessionId)
    expect(row).toMatchObject({ status: 'failed', error_code: 'ACCOUNT_MISMATCH', access_token: null, refresh_token: null, token_status: null, code_verifier: null })
    expect((await entity(world, job.sessionId)).errorMessage).toContain('@user00001_alt')
    expect(world.sandbox.gologin.browsers()).toEqual([])
  })

  it('fails with the GoLogin code when the profile does not start, and still stops it and frees its slot', async () => {
    const world = await automatorWorld()
    world.sandbox.setBehaviour({ username: 'user00002' }, 'start_failure')
    const job = await world.job('user00002')

    const outcome = await world.automator().run(job, never)

    expect(outcome).toMatchObject({ status: 'failed', errorCode: 'GOLOGIN_API_ERROR' })
    // The sandbox launched a browser before answering with an error: it was stopped all the same.
    expect(world.sandbox.gologin.stats().browsers).toMatchObject({ launched: 1, running: 0 })
    expect(world.sandbox.gologin.browsers()).toEqual([])
    expect(world.slots.figures()).toMatchObject({ slotsInUse: 0, waiting: 0 })
    expect(world.inUse.get(job.profileId)).toBe(false)
    expect(world.sandbox.x.stats().authorizePages).toBe(0)
  })

  it('times out at the per-account limit with AUTH_TIMEOUT, a screenshot, and the profile stopped', async () => {
    const world = await automatorWorld({ slowConsentDelayMs: 60_000 })
    world.sandbox.setBehaviour({ username: 'user00003' }, 'slow')
    const job = await world.job('user00003')

    const outcome = await world.automator({ limits: () => ({ accountTimeoutSeconds: 3 }) }).run(job, never)

    expect(outcome).toMatchObject({ status: 'timeout', errorCode: 'AUTH_TIMEOUT' })
    const row = await raw(world, job.sessionId)
    expect(row).toMatchObject({ status: 'timeout', error_code: 'AUTH_TIMEOUT', step: null })
    expect(row.screenshot_path?.startsWith(world.screenshotDir)).toBe(true)
    const queries = new SessionQueries({ dataSource: world.db.dataSource, screenshotDir: world.screenshotDir })
    expect((await queries.get(job.sessionId)).hasScreenshot).toBe(true)
    expect((await queries.screenshot(job.sessionId)).dataUrl).toMatch(/^data:image\/png;base64,iVBORw0KGgo/)
    expect(world.sandbox.gologin.browsers()).toEqual([])
    expect(fs.existsSync(row.screenshot_path!)).toBe(true)
  })

  it('is cancelled cleanly while on the consent page', async () => {
    const world = await automatorWorld({ slowConsentDelayMs: 60_000 })
    world.sandbox.setBehaviour({ username: 'user00000' }, 'slow')
    const job = await world.job('user00000')
    const cancel = new AbortController()
    const stepSeen = world.untilPatch((p) => p.id === job.sessionId && p.step === 'consent')
    const running = world.automator().run(job, cancel.signal)
    await stepSeen
    cancel.abort(new DomainException('CANCELLED', 'The batch was cancelled.'))

    expect(await running).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' })
    expect(await raw(world, job.sessionId)).toMatchObject({ status: 'cancelled', error_code: 'CANCELLED' })
    expect(world.sandbox.gologin.browsers()).toEqual([])
    expect(world.sandbox.issuedTokens()).toEqual([])
  })

  it('marks the previous token of the same account and app as replaced', async () => {
    const world = await automatorWorld()
    const first = await world.job('user00000')
    expect((await world.automator().run(first, never)).status).toBe('completed')
    const second = await world.job('USER00000', { attempt: 2, retryOf: null })

    expect((await world.automator().run(second, never)).status).toBe('completed')

    expect((await raw(world, first.sessionId)).token_status).toBe('replaced')
    expect((await raw(world, second.sessionId)).token_status).toBe('valid')
    expect(world.sessionPatches).toContainEqual({ id: first.sessionId, tokenStatus: 'replaced' })
    expect(world.profilePatches.at(-1)).toMatchObject({ lastStatus: 'completed', tokenStatus: 'valid' })
  })
})
