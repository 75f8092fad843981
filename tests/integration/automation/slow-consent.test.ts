/**
 * The consent step on a slow, strict X (issue 16): real Chromium, the X sandbox with an approval that
 * answers after 8 s, metadata that takes 10 s, pages in other languages, a profile whose proxy is down.
 * The sandbox counts the approval requests it received: exactly one per account, never a refused one.
 */
import { describe, expect, it } from 'vitest'
import { proxyArgs } from '../../../src/main/sandbox/gologin/browsers'
import { SANDBOX_USER_COOKIE, type SandboxLocale } from '../../../src/main/sandbox/x'
import { consentWorld, sandboxTabs, type ConsentWorld } from './consent-fixture'

async function expectOneApproval(world: ConsentWorld): Promise<void> {
  expect(world.sandbox.stats()).toMatchObject({ approvalRequests: 1, approvalsRefused: 0, approvals: 1, codesIssued: 1 })
  expect(world.callback.hits).toEqual([])
  expect(await sandboxTabs(world)).toEqual([])
}

describe('consent on a slow X', () => {
  it.each(['form', 'xhr'] as const)('waits for an approval X answers 8 s later (%s), with exactly one approval request, and exchanges its code', { timeout: 60_000 }, async (approveVia) => {
    const world = await consentWorld({ username: 'patient' })
    world.sandbox.setAccount({ username: 'patient', approveDelayMs: 8_000, approveVia })
    const approvalLog: unknown[] = []
    world.logs.ring.subscribe((entry) => entry.event.startsWith('consent.approv') && approvalLog.push(entry.event))

    const { result, codeVerifier } = await world.authorize()

    if (!result.ok) throw result.error
    await expectOneApproval(world)
    expect(approvalLog).not.toContain('consent.approve_reclicked')
    const tokens = await world.oauth.exchangeCode(world.app, result.code, codeVerifier, { approvedAt: result.approvedAt })
    expect(tokens.accessToken).toBe(world.sandbox.issuedTokens()[0].accessToken)
  })

  it('waits 10 s for the consent page’s metadata, then approves once', { timeout: 60_000 }, async () => {
    const world = await consentWorld({ username: 'slowmeta' })
    world.sandbox.setAccount({ username: 'slowmeta', consentDelayMs: 10_000 })

    const { result } = await world.authorize()

    expect(result.ok).toBe(true)
    await expectOneApproval(world)
  })

  it('fails a button that stays disabled past its grace as CONSENT_BUTTON_DISABLED, long before the time limit', { timeout: 60_000 }, async () => {
    const world = await consentWorld({ username: 'stuck', controller: { disabledGraceMs: 1_500 } })
    world.sandbox.setAccount({ username: 'stuck', consentDelayMs: 60_000 })
    const started = Date.now()

    const { result } = await world.authorize({ timeoutMs: 45_000 })

    expect(result).toMatchObject({ ok: false, error: { code: 'CONSENT_BUTTON_DISABLED' }, pageKind: 'consent_pending' })
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(world.sandbox.stats().approvalRequests).toBe(0)
  })

  it.each<SandboxLocale>(['es', 'ja', 'ar'])('approves a consent page in %s', { timeout: 60_000 }, async (locale) => {
    const world = await consentWorld({ username: `user_${locale}` })
    world.sandbox.setAccount({ username: `user_${locale}`, locale })

    const { result } = await world.authorize()

    expect(result.ok).toBe(true)
    await expectOneApproval(world)
  })

  it.each<SandboxLocale>(['es', 'ja', 'ar'])('recognises a suspended account in %s by its text', { timeout: 60_000 }, async (locale) => {
    const world = await consentWorld({ username: `gone_${locale}` })
    world.sandbox.setAccount({ username: `gone_${locale}`, locale, behaviour: 'suspended' })

    const { result } = await world.authorize({ timeoutMs: 45_000 })

    expect(result).toMatchObject({ ok: false, error: { code: 'X_ACCOUNT_SUSPENDED' }, pageKind: 'suspended' })
  })

  it('names a profile whose proxy is down PROFILE_PROXY_FAILED and tells the operator to check it', { timeout: 60_000 }, async () => {
    const world = await consentWorld({ username: 'proxied', chromiumArgs: proxyArgs('socks5://127.0.0.1:9') })

    const { result } = await world.authorize()

    expect(result).toMatchObject({ ok: false, error: { code: 'PROFILE_PROXY_FAILED' } })
    if (!result.ok) expect(result.error.message).toMatch(/ERR_PROXY_CONNECTION_FAILED.*Check the profile’s proxy/)
    expect(world.sandbox.stats().authorizePages).toBe(0)
  })

  it('the sandbox refuses a second approval of one page load, as X does', async () => {
    const world = await consentWorld({ username: 'twice' })
    const auth = world.oauth.createAuthorization(world.app)
    const cookie = `${SANDBOX_USER_COOKIE}=twice`
    const page = await (await fetch(auth.url, { headers: { cookie } })).text()
    const authId = /name="auth_id" value="([^"]+)"/.exec(page)![1]
    const post = () =>
      fetch(`${world.sandbox.baseUrl}/i/oauth2/authorize/approve`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ auth_id: authId }),
        redirect: 'manual',
      })

    const first = await post()
    const second = await post()

    expect(first.status).toBe(302)
    expect(new URL(first.headers.get('location')!).searchParams.get('state')).toBe(auth.state)
    expect(second.status).toBe(400)
    expect(await second.text()).toContain('OAuth_Consent_Error_Detail')
    expect(world.sandbox.stats()).toMatchObject({ approvalRequests: 2, approvalsRefused: 1, codesIssued: 1 })
  })
})
