/** Real tokens from the X sandbox, obtained the way a browser approves the consent page (no Chromium needed). */
import { afterEach } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { SANDBOX_USER_COOKIE, startXSandbox, type XSandbox } from '../../../src/main/sandbox/x'
import { OAuthService, type TokenSet } from '../../../src/main/services/oauth'
import type { ApiAppConfig } from '../../../src/shared/api-app'

const REDIRECT = 'https://app.example.com/oauth/callback'
const running: XSandbox[] = []
afterEach(async () => {
  for (const sandbox of running.splice(0)) await sandbox.close()
})

export interface XSandboxKit {
  sandbox: XSandbox
  app: ApiAppConfig
  oauth: OAuthService
  /** Authorizes `username` for the app and returns X's tokens. */
  authorize(username: string): Promise<TokenSet>
}

export async function startXSandboxKit(log = new LogSystem({ dir: null })): Promise<XSandboxKit> {
  const sandbox = await startXSandbox()
  running.push(sandbox)
  const client = sandbox.registerClient({ clientSecret: 'sandbox-secret-1', redirectUris: [REDIRECT], name: 'AIOTT1' })
  const app: ApiAppConfig = {
    name: 'AIOTT1',
    oauthVersion: '2.0',
    clientType: 'confidential',
    clientId: client.clientId,
    clientSecret: 'sandbox-secret-1',
    redirectUri: REDIRECT,
    scopes: ['tweet.read', 'users.read', 'offline.access'],
  }
  const oauth = new OAuthService({ logger: log.logger('oauth'), endpoints: { authorizeUrl: sandbox.authorizeUrl, apiUrl: sandbox.apiUrl } })
  const authorize = async (username: string) => {
    const auth = oauth.createAuthorization(app)
    const cookie = `${SANDBOX_USER_COOKIE}=${username}`
    const page = await (await fetch(auth.url, { headers: { cookie } })).text()
    const authId = /name="auth_id" value="([^"]+)"/.exec(page)?.[1]
    if (!authId) throw new Error(`no consent form in: ${page.slice(0, 200)}`)
    const answer = await fetch(`${sandbox.baseUrl}/i/oauth2/authorize/approve`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ auth_id: authId }),
      redirect: 'manual',
    })
    const code = new URL(answer.headers.get('location') ?? '').searchParams.get('code')
    if (!code) throw new Error('the sandbox did not redirect with a code')
    return oauth.exchangeCode(app, code, auth.codeVerifier)
  }
  return { sandbox, app, oauth, authorize }
}
