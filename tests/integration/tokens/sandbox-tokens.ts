/** Real tokens from the X sandbox, obtained the way a browser approves the consent page (no Chromium needed). */
import { afterEach } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { startXSandbox, type XSandbox } from '../../../src/main/sandbox/x'
import { OAuthService, type TokenSet } from '../../../src/main/services/oauth'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { approveOverHttp } from '../../helpers/x-sandbox-consent'

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
    const code = (await approveOverHttp(sandbox, auth.url, username)).get('code')
    if (!code) throw new Error('the sandbox did not redirect with a code')
    return oauth.exchangeCode(app, code, auth.codeVerifier)
  }
  return { sandbox, app, oauth, authorize }
}
