/**
 * OAuthService against the X sandbox's slow and failing token endpoint and a flaky /users/me (issue 16,
 * issue 12 item 7). The consent is approved over plain HTTP, so no browser is needed; the clock is real.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { startXSandbox, type AccountFaults, type XSandbox } from '../../../src/main/sandbox/x'
import { OAuthService } from '../../../src/main/services/oauth/oauth-service'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { approveOverHttp } from '../../helpers/x-sandbox-consent'

const REDIRECT = 'https://app.example.com/oauth/callback'
const running: XSandbox[] = []
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close()
})

async function approvedCode(faults: AccountFaults) {
  const sandbox = await startXSandbox()
  running.push(sandbox)
  const client = sandbox.registerClient({ clientSecret: 'sandbox-secret-1', redirectUris: [REDIRECT] })
  const app: ApiAppConfig = {
    name: 'AIOTT1', oauthVersion: '2.0', clientType: 'confidential', clientId: client.clientId, clientSecret: 'sandbox-secret-1', redirectUri: REDIRECT,
    scopes: ['tweet.read', 'users.read', 'offline.access'],
  }
  sandbox.setAccount({ username: 'alice', ...faults })
  const oauth = new OAuthService({ logger: new LogSystem({ dir: null }).logger('oauth'), endpoints: { authorizeUrl: sandbox.authorizeUrl, apiUrl: sandbox.apiUrl } })
  const auth = oauth.createAuthorization(app)
  const approvedAt = Date.now()
  const redirect = await approveOverHttp(sandbox, auth.url, 'alice')
  return { sandbox, oauth, app, code: redirect.get('code')!, verifier: auth.codeVerifier, approvedAt }
}

describe('code exchange against a slow or failing X token endpoint', () => {
  it('waits for a token endpoint that answers after 12 s', { timeout: 40_000 }, async () => {
    const { sandbox, oauth, app, code, verifier, approvedAt } = await approvedCode({ tokenDelayMs: 12_000 })
    const tokens = await oauth.exchangeCode(app, code, verifier, { approvedAt })
    expect(tokens.accessToken).toBe(sandbox.issuedTokens()[0].accessToken)
    expect(sandbox.stats().tokenRequests).toBe(1)
  })

  it.each<[string, AccountFaults['tokenFaults']]>([
    ['a 500', ['500']],
    ['a connection reset', ['reset']],
  ])('gets the tokens after %s on the first try', { timeout: 40_000 }, async (_label, tokenFaults) => {
    const { sandbox, oauth, app, code, verifier, approvedAt } = await approvedCode({ tokenFaults })
    const tokens = await oauth.exchangeCode(app, code, verifier, { approvedAt })
    expect(sandbox.issuedTokens()).toHaveLength(1)
    expect(tokens).toMatchObject({ accessToken: sandbox.issuedTokens()[0].accessToken, refreshToken: sandbox.issuedTokens()[0].refreshToken })
    expect(sandbox.stats().tokenRequests).toBe(2)
  })

  it('says CODE_EXCHANGE_LOST when X issued tokens on a try whose answer never arrived', { timeout: 40_000 }, async () => {
    const { sandbox, oauth, app, code, verifier, approvedAt } = await approvedCode({ tokenFaults: ['reset_after_issue'] })
    const error = await oauth.exchangeCode(app, code, verifier, { approvedAt }).catch((e) => e)
    expect(error).toMatchObject({ code: 'CODE_EXCHANGE_LOST', message: expect.stringContaining('X may have issued tokens the panel never received; authorize again') })
    // X did issue them: that is exactly what the operator is told.
    expect(sandbox.issuedTokens()).toHaveLength(1)
  })

  it('verifies through a /users/me that answers 503 first', async () => {
    const { sandbox, oauth, app, code, verifier, approvedAt } = await approvedCode({ usersMeFaults: [503] })
    const tokens = await oauth.exchangeCode(app, code, verifier, { approvedAt })
    await expect(oauth.verifyCredentials(tokens.accessToken)).rejects.toMatchObject({ code: 'X_API_SERVER_ERROR', statusCode: 503 })
    sandbox.setAccount({ username: 'alice', usersMeFaults: [503] })
    await expect(oauth.verifyCredentials(tokens.accessToken, { attempts: 4 })).resolves.toMatchObject({ username: 'alice', id: sandbox.issuedTokens()[0].userId })
  })
})
