/**
 * OAuthService against the X sandbox's token, users/me and revoke endpoints. The consent is approved over
 * plain HTTP (as a browser would post it) so these tests need no Chromium.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { startXSandbox, type XSandbox, type XSandboxOptions } from '../../../src/main/sandbox/x'
import { OAuthService, type TokenSet } from '../../../src/main/services/oauth/oauth-service'
import { XRateLimitException } from '../../../src/main/services/oauth/x-api-errors'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { TwitterAPIException } from '../../../src/shared/errors'
import { approveOverHttp } from '../../helpers/x-sandbox-consent'

const REDIRECT = 'https://app.example.com/oauth/callback'
const running: XSandbox[] = []
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close()
})

async function setup(options: { clientType?: 'confidential' | 'public'; scopes?: string[]; sandbox?: XSandboxOptions } = {}) {
  const clock = { now: Date.now() }
  const sandbox = await startXSandbox({ now: () => clock.now, ...options.sandbox })
  running.push(sandbox)
  const secret = options.clientType === 'public' ? null : 'sandbox-secret-1'
  const client = sandbox.registerClient({ clientSecret: secret, redirectUris: [REDIRECT] })
  const app: ApiAppConfig = {
    name: 'AIOTT1',
    oauthVersion: '2.0',
    clientType: secret ? 'confidential' : 'public',
    clientId: client.clientId,
    clientSecret: secret,
    redirectUri: REDIRECT,
    scopes: options.scopes ?? ['tweet.read', 'users.read', 'offline.access'],
  }
  const oauth = new OAuthService({
    logger: new LogSystem({ dir: null }).logger('oauth'),
    endpoints: { authorizeUrl: sandbox.authorizeUrl, apiUrl: sandbox.apiUrl },
    now: () => clock.now,
    sleep: async (ms) => void (clock.now += ms),
  })
  /** Approves a fresh authorization as `username`, the way the consent page's form does. */
  const approve = async (username = 'alice') => {
    const auth = oauth.createAuthorization(app)
    const redirect = await approveOverHttp(sandbox, auth.url, username)
    expect(redirect.get('state')).toBe(auth.state)
    return { code: redirect.get('code') as string, verifier: auth.codeVerifier }
  }
  return { sandbox, app, oauth, approve, clock }
}

async function rejection(promise: Promise<unknown>): Promise<TwitterAPIException> {
  const error = await promise.then(() => null, (e) => e)
  expect(error).toBeInstanceOf(TwitterAPIException)
  return error as TwitterAPIException
}

describe('OAuthService with the X sandbox', () => {
  it('redeems a code once: a second use is rejected like X does', async () => {
    const { oauth, app, approve, sandbox } = await setup()
    const { code, verifier } = await approve()
    const tokens = await oauth.exchangeCode(app, code, verifier)
    expect(tokens.accessToken).toBe(sandbox.issuedTokens()[0].accessToken)
    const reuse = await rejection(oauth.exchangeCode(app, code, verifier))
    expect(reuse).toMatchObject({ statusCode: 400, xError: 'invalid_request' })
    expect(reuse.message).not.toContain(code)
    expect(sandbox.issuedTokens()).toHaveLength(1)
  })

  it('rejects a code presented after its 30 seconds', async () => {
    const { oauth, app, approve, clock } = await setup()
    const { code, verifier } = await approve()
    clock.now += 31_000
    expect(await rejection(oauth.exchangeCode(app, code, verifier))).toMatchObject({ statusCode: 400, xError: 'invalid_request' })
  })

  it('rejects a code with the wrong PKCE verifier', async () => {
    const { oauth, app, approve } = await setup()
    const { code } = await approve()
    const error = await rejection(oauth.exchangeCode(app, code, 'x'.repeat(64)))
    expect(error.message).toContain('code verifier')
  })

  it('rotates refresh tokens: the new one is persisted first, the old one is dead', async () => {
    const { oauth, app, approve, sandbox } = await setup()
    const { code, verifier } = await approve()
    const first = await oauth.exchangeCode(app, code, verifier)
    const persisted: TokenSet[] = []
    const second = await oauth.refresh(app, first.refreshToken as string, { persist: (tokens) => void persisted.push(tokens) })

    expect(persisted).toEqual([second])
    const latest = sandbox.issuedTokens().at(-1)
    expect(second).toMatchObject({ accessToken: latest?.accessToken, refreshToken: latest?.refreshToken })
    expect(second.refreshToken).not.toBe(first.refreshToken)
    const reuse = await rejection(oauth.refresh(app, first.refreshToken as string, { persist: () => undefined }))
    expect(reuse).toMatchObject({ statusCode: 400, xError: 'invalid_request' })
    await expect(oauth.refresh(app, second.refreshToken as string, { persist: () => undefined })).resolves.toMatchObject({ tokenType: 'bearer' })
  })

  it('issues no refresh token without offline.access', async () => {
    const { oauth, app, approve } = await setup({ scopes: ['tweet.read', 'users.read'] })
    const { code, verifier } = await approve()
    expect((await oauth.exchangeCode(app, code, verifier)).refreshToken).toBeNull()
  })

  it('works for public clients, and the sandbox refuses a confidential client without Basic auth', async () => {
    const pub = await setup({ clientType: 'public' })
    const grant = await pub.approve()
    await expect(pub.oauth.exchangeCode(pub.app, grant.code, grant.verifier)).resolves.toMatchObject({ tokenType: 'bearer' })

    const conf = await setup()
    const again = await conf.approve()
    const asPublic: ApiAppConfig = { ...conf.app, clientType: 'public', clientSecret: null }
    expect(await rejection(conf.oauth.exchangeCode(asPublic, again.code, again.verifier))).toMatchObject({ statusCode: 401, xError: 'unauthorized_client' })
  })

  it('verifies the logged-in account, which may differ from the one expected (wrong account)', async () => {
    const { oauth, app, approve, sandbox } = await setup()
    sandbox.setAccount({ username: 'bob', id: '1001', name: 'Bob', behaviour: 'wrong_account' })
    const { code, verifier } = await approve('bob')
    const tokens = await oauth.exchangeCode(app, code, verifier)
    expect(await oauth.verifyCredentials(tokens.accessToken)).toMatchObject({ id: '1001', username: 'bob', name: 'Bob' })
  })

  it('revokes an access token so X no longer accepts it', async () => {
    const { oauth, app, approve } = await setup()
    const { code, verifier } = await approve()
    const tokens = await oauth.exchangeCode(app, code, verifier)
    await oauth.revoke(app, tokens.accessToken, 'access_token')
    expect(await rejection(oauth.verifyCredentials(tokens.accessToken))).toMatchObject({ statusCode: 401 })
  })

  it('reports users/me rate limits with their reset time and can wait them out', async () => {
    const { oauth, app, approve, sandbox } = await setup({ sandbox: { usersMeLimit: { limit: 2, windowMs: 60_000 } } })
    const { code, verifier } = await approve()
    const tokens = await oauth.exchangeCode(app, code, verifier)
    expect((await oauth.verifyCredentials(tokens.accessToken)).rateLimit).toMatchObject({ limit: 2, remaining: 1 })
    await oauth.verifyCredentials(tokens.accessToken)
    const limited = await oauth.verifyCredentials(tokens.accessToken).catch((e) => e)
    expect(limited).toBeInstanceOf(XRateLimitException)
    expect(limited.resetAt).toBeInstanceOf(Date)
    await expect(oauth.verifyCredentials(tokens.accessToken, { waitOnRateLimit: true })).resolves.toMatchObject({ username: 'alice' })
    expect(sandbox.stats().usersMeRateLimited).toBe(2)
  })
})
