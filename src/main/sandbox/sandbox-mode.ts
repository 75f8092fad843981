/**
 * Sandbox mode (DESIGN.md §5): the GoLogin sandbox, the X sandbox and the API apps' callback servers
 * started together, with generated profiles (mostly fine, a few of each failure kind) and two API apps
 * (SANDBOX1 confidential, SANDBOX2 public), an OAuth 1.0a app (SANDBOX3), two pass-through apps whose
 * own stand-in server redeems X's answer (SANDBOX4 on 1.0a, SANDBOX5 on 2.0), plus the settings overrides
 * that point the panel at them.
 * A newcomer runs the whole flow with no account; tests and the operator steer it through `setBehaviour`
 * or its HTTP control endpoint.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DEFAULT_SCOPES } from '../../shared/api-app'
import type { ApiAppInput } from '../../shared/contract/settings'
import { startGoLoginSandbox, usernameFromNotes, type GoLoginSandbox } from './gologin'
import { startSandboxControl, type SandboxControl } from './sandbox-control'
import { startCallbackServer, startXSandbox, type CallbackServer, type IssuedToken, type XSandbox } from './x'
import { startAppServer, type AppServer } from './x/app-server'
import { applyBehaviour, DEFAULT_SLOW_LINK, initialBehaviour, type BehaviourPlan, type SandboxBehaviour, type SlowLink } from './sandbox-behaviours'

export const SANDBOX_APPS = { confidential: 'SANDBOX1', public: 'SANDBOX2', legacy: 'SANDBOX3' } as const
/** Apps whose own callback redeems (pass-through), each with a stand-in app server. */
export const PASS_THROUGH_APPS = { legacy: 'SANDBOX4', oauth2: 'SANDBOX5' } as const
const CLIENT_IDS = { SANDBOX1: 'sandbox-client-1', SANDBOX2: 'sandbox-client-2', SANDBOX3: 'sandbox-client-3', SANDBOX4: 'sandbox-client-4', SANDBOX5: 'sandbox-client-5' } as const
/** What the stand-in app servers show when they redeemed X's answer (the pass-through apps' success marker). */
export const APP_SERVER_MARKER = 'Connected'

export interface SandboxModeOptions {
  /** Parent of the sandbox's browser folders (`<dataDir>/sandbox`, removed on close); default a temp folder. */
  dataDir?: string
  /** How many GoLogin profiles to generate (default 60). */
  profiles?: number
  headless?: boolean
  /** Delay of the consent page's metadata call (the approve button is disabled until then), ms; default 300. */
  consentDelayMs?: number
  slowConsentDelayMs?: number
  /** How slow the `slow_approval` and `slow_token` accounts' link is (defaults: 8 s and 12 s). */
  slowLink?: Partial<SlowLink>
  /** `demo` (default): every 5th profile fails in a different way; `none`: all fine; or per username. */
  behaviours?: BehaviourPlan
  /** One Chromium for all profiles instead of one per profile (fast; see GoLoginSandboxOptions). */
  sharedBrowser?: boolean
  chromePath?: string
}

export interface SandboxAccount {
  profileId: string
  profileName: string
  username: string
  apiApp: string
  behaviour: SandboxBehaviour
}

export interface SandboxModeStats {
  runningBrowsers: number
  browsers: ReturnType<GoLoginSandbox['stats']>['browsers']
  /** Requests that reached the API apps' own callback servers (the panel must keep this at 0). */
  callbackHits: Record<string, number> & { total: number }
  x: ReturnType<XSandbox['stats']>
  tokens: { issued: number; revoked: number }
  gologinRequests: { cloud: number; local: number }
}

export interface SandboxMode {
  /** Settings overrides (environment variables) that point the panel at the sandbox. */
  env: Record<string, string>
  /** API apps the environment cannot define (public clients): save them with the ApiAppService. */
  apiApps: ApiAppInput[]
  accounts(): SandboxAccount[]
  /** The HTTP control endpoint (`POST /__sandbox/behaviour`, `GET /__sandbox/stats`, `GET /__sandbox/accounts`). */
  controlUrl: string
  gologin: GoLoginSandbox
  x: XSandbox
  /** The panel-redeemed apps' callbacks: they only count (the panel must keep them at 0). */
  callbacks: Record<string, CallbackServer>
  /** The pass-through apps' own servers (they redeem what reaches their callback). */
  appServers: Record<string, AppServer>
  setBehaviour(account: { username?: string; profileId?: string }, behaviour: SandboxBehaviour): SandboxAccount
  issuedTokens(): IssuedToken[]
  stats(): SandboxModeStats
  /** Stops every server and browser (no Chromium left). */
  close(): Promise<void>
}

export async function startSandboxMode(options: SandboxModeOptions = {}): Promise<SandboxMode> {
  const workDir = options.dataDir ? path.join(options.dataDir, 'sandbox') : fs.mkdtempSync(path.join(os.tmpdir(), 'panel-sandbox-'))
  fs.mkdirSync(workDir, { recursive: true })
  const closers: Array<() => Promise<void>> = []
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined)
    fs.rmSync(workDir, { recursive: true, force: true })
  }
  try {
    const callbacks: Record<string, CallbackServer> = {}
    for (const name of Object.values(SANDBOX_APPS)) {
      callbacks[name] = await startCallbackServer(`/${name.toLowerCase()}/callback`)
      closers.push(() => callbacks[name].close())
    }
    const secret = crypto.randomBytes(24).toString('base64url')
    const x = await startXSandbox({
      consentDelayMs: options.consentDelayMs ?? 300,
      slowConsentDelayMs: options.slowConsentDelayMs,
      clients: [
        { name: 'Sandbox App 1', clientId: CLIENT_IDS.SANDBOX1, clientSecret: secret, redirectUris: [callbacks.SANDBOX1.url] },
        { name: 'Sandbox App 2', clientId: CLIENT_IDS.SANDBOX2, clientSecret: null, redirectUris: [callbacks.SANDBOX2.url] },
      ],
    })
    closers.push(() => x.close())
    const consumerSecret = crypto.randomBytes(24).toString('base64url')
    x.registerConsumer({ name: 'Sandbox Legacy App', consumerKey: CLIENT_IDS.SANDBOX3, consumerSecret, callbacks: [callbacks.SANDBOX3.url] })
    const appServers: Record<string, AppServer> = {}
    const xUrls = { apiUrl: x.apiUrl, authorizeUrl: x.authorizeUrl, oauth1AuthorizeUrl: x.oauth1AuthorizeUrl }
    appServers.SANDBOX4 = await startAppServer({ oauthVersion: '1.0a', clientId: CLIENT_IDS.SANDBOX4, clientSecret: consumerSecret, x: xUrls })
    closers.push(() => appServers.SANDBOX4.close())
    x.registerConsumer({ name: 'Sandbox Pass-through App', consumerKey: CLIENT_IDS.SANDBOX4, consumerSecret, callbacks: [appServers.SANDBOX4.callbackUrl] })
    appServers.SANDBOX5 = await startAppServer({ oauthVersion: '2.0', clientId: CLIENT_IDS.SANDBOX5, clientSecret: secret, x: xUrls })
    closers.push(() => appServers.SANDBOX5.close())
    x.registerClient({ name: 'Sandbox Pass-through App 2', clientId: CLIENT_IDS.SANDBOX5, clientSecret: secret, redirectUris: [appServers.SANDBOX5.callbackUrl] })
    const gologin = await startGoLoginSandbox({
      profiles: options.profiles ?? 60,
      headless: options.headless ?? true,
      workDir,
      sharedBrowser: options.sharedBrowser,
      chromePath: options.chromePath,
    })
    closers.push(() => gologin.close())

    const slowLink: SlowLink = { ...DEFAULT_SLOW_LINK, ...options.slowLink }
    const accounts = new Map<string, SandboxAccount>()
    gologin.profiles().forEach((profile, index) => {
      const username = usernameFromNotes(profile.notes) ?? `user${index}`
      accounts.set(profile.id, {
        profileId: profile.id,
        profileName: profile.name,
        username,
        apiApp: index % 2 === 0 ? SANDBOX_APPS.confidential : SANDBOX_APPS.public,
        behaviour: initialBehaviour(options.behaviours ?? 'demo', username, index),
      })
    })
    const find = (account: { username?: string; profileId?: string }): SandboxAccount | undefined => {
      if (account.profileId) return accounts.get(account.profileId)
      const wanted = account.username?.replace(/^@/, '').toLowerCase()
      return [...accounts.values()].find((a) => a.username.toLowerCase() === wanted)
    }
    const setBehaviour = (account: { username?: string; profileId?: string }, behaviour: SandboxBehaviour): SandboxAccount => {
      const found = find(account)
      if (!found) throw new Error(`No sandbox account ${account.profileId ?? account.username}`)
      applyBehaviour(gologin, x, found, behaviour, slowLink)
      found.behaviour = behaviour
      return { ...found }
    }
    for (const account of accounts.values()) if (account.behaviour !== 'ok') applyBehaviour(gologin, x, account, account.behaviour, slowLink)

    const sandbox: SandboxMode = {
      env: {
        GOLOGIN_API_URL: gologin.apiUrl,
        GOLOGIN_LOCAL_API_URL: gologin.localApiUrl,
        GOLOGIN_TOKEN: gologin.token,
        GOLOGIN_LAUNCHER: 'desktop',
        GOLOGIN_CLOUD_BROWSER_URL: gologin.cloudBrowserUrl,
        X_AUTHORIZE_URL: x.authorizeUrl,
        X_API_URL: x.apiUrl,
        X_OAUTH1_AUTHORIZE_URL: x.oauth1AuthorizeUrl,
        SANDBOX1_CLIENT_ID: CLIENT_IDS.SANDBOX1,
        SANDBOX1_CLIENT_SECRET: secret,
        SANDBOX1_CALLBACK_URL: callbacks.SANDBOX1.url,
      },
      apiApps: [
        { name: SANDBOX_APPS.public, clientType: 'public', clientId: CLIENT_IDS.SANDBOX2, clientSecret: null, redirectUri: callbacks.SANDBOX2.url, scopes: [...DEFAULT_SCOPES] },
        { name: SANDBOX_APPS.legacy, oauthVersion: '1.0a', clientId: CLIENT_IDS.SANDBOX3, clientSecret: consumerSecret, redirectUri: callbacks.SANDBOX3.url, scopes: [] },
        ...Object.values(PASS_THROUGH_APPS).map((name) => ({
          name,
          oauthVersion: name === PASS_THROUGH_APPS.legacy ? ('1.0a' as const) : ('2.0' as const),
          clientId: CLIENT_IDS[name],
          redirectUri: appServers[name].callbackUrl,
          scopes: [...DEFAULT_SCOPES],
          redemption: 'callback' as const,
          startUrl: appServers[name].startUrl,
          callbackMarker: APP_SERVER_MARKER,
        })),
      ],
      accounts: () => [...accounts.values()].map((a) => ({ ...a })),
      controlUrl: '',
      gologin,
      x,
      callbacks,
      appServers,
      setBehaviour,
      issuedTokens: () => x.issuedTokens(),
      stats: () => {
        const issued = x.issuedTokens()
        const hits = Object.fromEntries(Object.entries(callbacks).map(([name, server]) => [name, server.hits.length]))
        const g = gologin.stats()
        return {
          runningBrowsers: gologin.browsers().length,
          browsers: g.browsers,
          callbackHits: { ...hits, total: Object.values(hits).reduce((sum, n) => sum + n, 0) },
          x: x.stats(),
          tokens: { issued: issued.length, revoked: issued.filter((t) => t.revoked).length },
          gologinRequests: { cloud: g.cloud.total, local: g.local.total },
        }
      },
      close: () => close(),
    }
    const control: SandboxControl = await startSandboxControl(sandbox)
    closers.push(() => control.close())
    sandbox.controlUrl = control.url
    return sandbox
  } catch (error) {
    await close()
    throw error
  }
}
