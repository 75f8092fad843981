/**
 * The OAuth 1.0a client against the X sandbox's 1.0a endpoints, the legacy page answered over plain HTTP
 * as its form posts it: the whole 3-legged flow, and X's refusals (bad signature, unapproved callback,
 * a request token used twice, a wrong verifier, a replayed nonce).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { startXSandbox, type XSandbox } from '../../../src/main/sandbox/x'
import { OAuth1Client } from '../../../src/main/services/oauth/oauth1-client'
import { buildRequestTokenRequest } from '../../../src/main/services/oauth/oauth1-requests'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { answerLegacyOverHttp } from '../../helpers/x-sandbox-consent'

const CALLBACK = 'https://app.example.com/x/callback'
const running: XSandbox[] = []
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close()
})

async function setup() {
  const sandbox = await startXSandbox({ consumers: [{ consumerKey: 'ck-legacy', consumerSecret: 'cs-legacy-secret', callbacks: [CALLBACK], name: 'Legacy App' }] })
  running.push(sandbox)
  const app: ApiAppConfig = { name: 'LEGACY', oauthVersion: '1.0a', clientType: 'confidential', clientId: 'ck-legacy', clientSecret: 'cs-legacy-secret', redirectUri: CALLBACK, scopes: [] }
  const client = new OAuth1Client({ logger: new LogSystem({ dir: null }).logger('oauth1'), endpoints: () => ({ apiUrl: sandbox.apiUrl, oauth1AuthorizeUrl: sandbox.oauth1AuthorizeUrl }) })
  return { sandbox, app, client }
}

describe('OAuth 1.0a with the X sandbox', () => {
  it('runs the 3 legs: request token, the legacy page’s approval, the access token for the verifier', async () => {
    const { sandbox, app, client } = await setup()
    const authorization = await client.requestToken(app)
    expect(authorization.url).toBe(`${sandbox.oauth1AuthorizeUrl}?oauth_token=${encodeURIComponent(authorization.requestToken.token)}`)

    const callback = await answerLegacyOverHttp(authorization.url, 'alice')
    expect(callback.get('oauth_token')).toBe(authorization.requestToken.token)
    const verifier = callback.get('oauth_verifier')!
    const access = await client.accessToken(app, authorization.requestToken, verifier)

    const [issued] = sandbox.issuedOAuth1Tokens()
    expect(access).toEqual({ token: issued.token, secret: issued.secret, userId: issued.userId, screenName: 'alice' })
    expect(sandbox.stats()).toMatchObject({ requestTokens: 1, approvals: 1, accessTokens: 1, signatureFailures: 0 })

    // The request token is single use; the page for it is no longer valid either.
    await expect(client.accessToken(app, authorization.requestToken, verifier)).rejects.toMatchObject({ code: 'TWITTER_API_ERROR', message: expect.stringMatching(/Invalid request token/) })
    expect(await (await fetch(authorization.url)).text()).toMatch(/no longer valid/)

    await client.invalidate(app, { token: access.token, secret: access.secret })
    expect(sandbox.issuedOAuth1Tokens()[0].revoked).toBe(true)
  })

  it('a cancel on the legacy page comes back as denied=<request token>', async () => {
    const { app, client } = await setup()
    const authorization = await client.requestToken(app)
    const callback = await answerLegacyOverHttp(authorization.url, 'bob', { cancel: true })
    expect(Object.fromEntries(callback)).toEqual({ denied: authorization.requestToken.token })
  })

  it('refuses a wrong consumer secret, an unapproved callback, a wrong verifier and a replayed request, naming X’s answer', async () => {
    const { sandbox, app, client } = await setup()
    await expect(client.requestToken({ ...app, clientSecret: 'not-the-secret' })).rejects.toMatchObject({
      code: 'TWITTER_API_ERROR',
      message: expect.stringMatching(/X refused the request token call of API app "LEGACY": 32: Could not authenticate you/),
    })
    await expect(client.requestToken({ ...app, redirectUri: 'https://elsewhere.example.com/cb' })).rejects.toMatchObject({
      message: expect.stringMatching(/415: Callback URL not approved/),
    })
    const authorization = await client.requestToken(app)
    await answerLegacyOverHttp(authorization.url, 'carol')
    await expect(client.accessToken(app, authorization.requestToken, 'forged-verifier')).rejects.toMatchObject({ message: expect.stringMatching(/Invalid oauth_verifier/) })
    // A request token's secret is part of the signature: the right verifier under the wrong secret is refused.
    const second = await client.requestToken(app)
    const callback = await answerLegacyOverHttp(second.url, 'carol')
    await expect(client.accessToken(app, { ...second.requestToken, secret: 'wrong' }, callback.get('oauth_verifier')!)).rejects.toMatchObject({ message: expect.stringMatching(/Could not authenticate you/) })

    // The same signed request twice: the nonce is refused the second time.
    const request = buildRequestTokenRequest(sandbox.apiUrl, app)
    const send = () => fetch(request.url, { method: 'POST', headers: request.headers })
    expect((await send()).status).toBe(200)
    expect((await send()).status).toBe(401)
    // No error message carries a secret.
    const error = await client.requestToken({ ...app, clientSecret: 'leaky-secret-value' }).catch((e: Error) => e)
    expect(String((error as Error).message)).not.toContain('leaky-secret-value')
    expect(sandbox.issuedOAuth1Tokens()).toHaveLength(0)
  })
})
