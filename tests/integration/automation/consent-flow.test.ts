import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { AccountBehaviour } from '../../../src/main/sandbox/x'
import type { ErrorCode } from '../../../src/shared/errors'
import { consentWorld, sandboxTabs, type ConsentWorld } from './consent-fixture'

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47])

async function expectBrowserUntouched(world: ConsentWorld): Promise<void> {
  // The controller disconnects; only the launcher may close the browser.
  expect(world.browser.connected).toBe(true)
  expect(await world.browser.version()).toMatch(/Chrome/)
  expect(await sandboxTabs(world)).toEqual([])
  expect(world.callback.hits).toEqual([])
}

describe('BrowserController against the X sandbox', () => {
  it('approves, captures the code before the app sees it, and the code buys the tokens the sandbox issued', async () => {
    const world = await consentWorld({ username: 'alice' })
    world.sandbox.setAccount({ username: 'alice', name: 'Alice A.', behaviour: 'ok' })

    const { result, state, codeVerifier } = await world.authorize()

    expect(result).toMatchObject({ ok: true, state })
    if (!result.ok) throw result.error
    const tokens = await world.oauth.exchangeCode(world.app, result.code, codeVerifier)
    const [issued] = world.sandbox.issuedTokens()
    expect(tokens.accessToken).toBe(issued.accessToken)
    expect(tokens.refreshToken).toBe(issued.refreshToken)
    expect(tokens.scopes.sort()).toEqual(['offline.access', 'tweet.read', 'tweet.write', 'users.read'])
    const me = await world.oauth.verifyCredentials(tokens.accessToken)
    expect(me).toMatchObject({ id: issued.userId, username: 'alice', name: 'Alice A.' })
    expect(me.rateLimit?.remaining).toBe(74)
    await expectBrowserUntouched(world)
  })

  it('works for a public client and when the consent page approves by script navigation', async () => {
    const world = await consentWorld({ username: 'bob', clientType: 'public', sandbox: { approveVia: 'xhr' } })
    const { result, codeVerifier } = await world.authorize()
    if (!result.ok) throw result.error
    const tokens = await world.oauth.exchangeCode(world.app, result.code, codeVerifier)
    expect(tokens.accessToken).toBe(world.sandbox.issuedTokens()[0].accessToken)
    await expectBrowserUntouched(world)
  })

  it('waits for the slow consent page to enable its button, then approves', async () => {
    const world = await consentWorld({ username: 'slowpoke', sandbox: { slowConsentDelayMs: 2_500 } })
    world.sandbox.setBehaviour('slowpoke', 'slow')
    const kinds: unknown[] = []
    world.logs.ring.subscribe((entry) => entry.event === 'consent.page_classified' && kinds.push(entry.fields?.pageKind))

    const { result } = await world.authorize()

    expect(result.ok).toBe(true)
    expect(kinds).toEqual(['consent_pending', 'consent_ready'])
    expect(world.sandbox.stats().approvals).toBe(1)
    await expectBrowserUntouched(world)
  })

  it.each<[string, AccountBehaviour | null, ErrorCode]>([
    ['no X session at all (log-in button)', null, 'X_LOGGED_OUT'],
    ['a session X sends to /i/flow/login', 'logged_out', 'X_LOGGED_OUT'],
    ['a locked account', 'locked', 'X_ACCOUNT_LOCKED'],
    ['a suspended account', 'suspended', 'X_ACCOUNT_SUSPENDED'],
    ['an account that denies', 'denies', 'USER_DENIED'],
    ['an X error page', 'error', 'TWITTER_API_ERROR'],
    ['a consent page without the button', 'no_button', 'CONSENT_BUTTON_NOT_FOUND'],
    ['a redirect with a foreign state', 'bad_state', 'STATE_MISMATCH'],
  ])('fails fast on %s with its code and a screenshot', async (_label, behaviour, code) => {
    const world = await consentWorld({ username: behaviour ? `user_${behaviour}` : null })
    if (behaviour) world.sandbox.setBehaviour(`user_${behaviour}`, behaviour)

    const { result } = await world.authorize({ timeoutMs: 45_000 })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe(code)
    expect(result.screenshotPath).toBeTruthy()
    expect(fs.readFileSync(result.screenshotPath as string).subarray(0, 4)).toEqual(PNG_MAGIC)
    // Private from its first byte (POSIX only: Windows has no mode bits).
    if (process.platform !== 'win32') {
      expect(fs.statSync(result.screenshotPath as string).mode & 0o777).toBe(0o600)
      expect(fs.statSync(world.screenshotDir).mode & 0o777).toBe(0o700)
    }
    expect(world.sandbox.issuedTokens()).toEqual([])
    await expectBrowserUntouched(world)
  })

  it('stops with CANCELLED when the caller aborts while the consent page loads', async () => {
    const world = await consentWorld({ username: 'waiting', sandbox: { slowConsentDelayMs: 60_000 } })
    world.sandbox.setBehaviour('waiting', 'slow')
    const abort = new AbortController()
    world.logs.ring.subscribe((entry) => entry.fields?.pageKind === 'consent_pending' && abort.abort())

    const { result } = await world.authorize({ signal: abort.signal })

    expect(result).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    expect(world.sandbox.stats().approvals).toBe(0)
    await expectBrowserUntouched(world)
  })

  it('gives up with AUTH_TIMEOUT when the button never becomes usable', async () => {
    const world = await consentWorld({ username: 'stuck', sandbox: { slowConsentDelayMs: 60_000 } })
    world.sandbox.setBehaviour('stuck', 'slow')

    const { result } = await world.authorize({ timeoutMs: 2_000 })

    expect(result).toMatchObject({ ok: false, error: { code: 'AUTH_TIMEOUT' }, pageKind: 'consent_pending' })
    if (!result.ok) expect(fs.existsSync(result.screenshotPath as string)).toBe(true)
    await expectBrowserUntouched(world)
  })

  it('says BROWSER_CONNECTION_FAILED when nothing listens at the endpoint', async () => {
    const world = await consentWorld({ username: 'alice', controller: { connectTimeoutMs: 5_000 } })
    const result = await world.controller.authorize({
      endpoint: { browserURL: 'http://127.0.0.1:9' },
      authorizeUrl: world.sandbox.authorizeUrl,
      redirectUri: world.app.redirectUri,
      expectedState: 's',
      screenshotDir: world.screenshotDir,
    })
    expect(result).toMatchObject({ ok: false, error: { code: 'BROWSER_CONNECTION_FAILED' }, screenshotPath: null })
  })
})
