/**
 * One consent scenario's world: the X sandbox, the API app's callback server (counting hits), a real
 * Chromium launched here (the GoLogin sandbox is not part of these tests) with the X account cookie set,
 * and the controller under test. Everything is torn down after each test.
 */
import puppeteer, { type Browser } from 'puppeteer-core'
import { afterEach } from 'vitest'
import { BrowserController, type BrowserControllerOptions, type ConsentResult } from '../../../src/main/services/automation/browser-controller'
import { OAuthService } from '../../../src/main/services/oauth/oauth-service'
import { LogSystem } from '../../../src/main/logging/logger'
import { startCallbackServer, startXSandbox, SANDBOX_USER_COOKIE, type CallbackServer, type XSandbox, type XSandboxOptions } from '../../../src/main/sandbox/x'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { CHROMIUM_FLAGS, chromePath } from '../../helpers/chromium'
import { tempDir } from '../../helpers/temp-dir'

const cleanups: Array<() => Promise<unknown>> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: chromePath(),
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${tempDir('consent-chromium-')}`, ...extraArgs],
  })
  cleanups.push(() => browser.close())
  return browser
}

export interface ConsentWorld {
  sandbox: XSandbox
  callback: CallbackServer
  browser: Browser
  app: ApiAppConfig
  oauth: OAuthService
  controller: BrowserController
  logs: LogSystem
  screenshotDir: string
  /** Runs the consent for a fresh authorization of `app`; returns the result and the PKCE it used. */
  authorize(extra?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ result: ConsentResult; state: string; codeVerifier: string }>
}

export interface WorldOptions {
  /** Value of the `x_sandbox_user` cookie; null: no cookie (logged out). */
  username: string | null
  clientType?: 'confidential' | 'public'
  sandbox?: XSandboxOptions
  controller?: Partial<BrowserControllerOptions>
  /** Extra Chromium flags for the profile's browser (e.g. a proxy). */
  chromiumArgs?: string[]
}

export async function consentWorld(options: WorldOptions): Promise<ConsentWorld> {
  const sandbox = await startXSandbox(options.sandbox)
  cleanups.push(() => sandbox.close())
  const callback = await startCallbackServer()
  cleanups.push(() => callback.close())
  const secret = options.clientType === 'public' ? null : 'sandbox-client-secret-1'
  const client = sandbox.registerClient({ name: 'AIOTT1', clientSecret: secret, redirectUris: [callback.url] })
  const app: ApiAppConfig = {
    name: 'AIOTT1',
    oauthVersion: '2.0',
    clientType: secret ? 'confidential' : 'public',
    clientId: client.clientId,
    clientSecret: secret,
    redirectUri: callback.url,
    scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
  }
  const browser = await launchChromium(options.chromiumArgs)
  if (options.username) {
    await browser.setCookie({ name: SANDBOX_USER_COOKIE, value: options.username, domain: '127.0.0.1', path: '/' })
  }
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const oauth = new OAuthService({ logger: logs.logger('oauth'), endpoints: { authorizeUrl: sandbox.authorizeUrl, apiUrl: sandbox.apiUrl } })
  const controller = new BrowserController({ logger: logs.logger('consent'), ...options.controller })
  const screenshotDir = tempDir('consent-shots-')
  return {
    sandbox,
    callback,
    browser,
    app,
    oauth,
    controller,
    logs,
    screenshotDir,
    async authorize(extra = {}) {
      const auth = oauth.createAuthorization(app)
      const result = await controller.authorize({
        endpoint: { browserWSEndpoint: browser.wsEndpoint() },
        authorizeUrl: auth.url,
        redirectUri: app.redirectUri,
        expectedState: auth.state,
        screenshotDir,
        sessionId: 'session-1',
        timeoutMs: extra.timeoutMs ?? 45_000,
        signal: extra.signal,
      })
      return { result, state: auth.state, codeVerifier: auth.codeVerifier }
    },
  }
}

/** The tabs still open in the test's own browser that show the sandbox (the controller must close its tab). */
export async function sandboxTabs(world: ConsentWorld): Promise<string[]> {
  const pages = await world.browser.pages()
  return pages.map((page) => page.url()).filter((url) => url.startsWith(world.sandbox.baseUrl))
}
