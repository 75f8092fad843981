import axios from 'axios'
import puppeteer from 'puppeteer-core'
import { afterEach, describe, expect, it } from 'vitest'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { startCallbackServer, startXSandbox, type CallbackServer, type XSandbox } from '../../../src/main/sandbox/x'
import { LogSystem } from '../../../src/main/logging/logger'
import { BrowserController } from '../../../src/main/services/automation/browser-controller'
import { OAuthService } from '../../../src/main/services/oauth/oauth-service'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { isProcessAlive, liveGroupMembers } from '../gologin/processes'
import { tempDir } from '../../helpers/temp-dir'

let gologin: GoLoginSandbox | null = null
let x: XSandbox | null = null
let callback: CallbackServer | null = null

afterEach(async () => {
  await gologin?.close()
  await x?.close()
  await callback?.close()
  gologin = x = callback = null
})

const start = async (s: GoLoginSandbox, profileId: string): Promise<string> =>
  (await axios.post(`${s.localApiUrl}/browser/start-profile`, { profileId, sync: true })).data.wsUrl
const stop = (s: GoLoginSandbox, profileId: string) => axios.post(`${s.localApiUrl}/browser/stop-profile`, { profileId })

describe('GoLogin sandbox with one shared Chromium', () => {
  it('gives each started profile its own context, cookie and CDP endpoint, and leaves nothing behind', async () => {
    gologin = await startGoLoginSandbox({ profiles: 3, sharedBrowser: true, workDir: tempDir() })
    x = await startXSandbox({ consentDelayMs: 50 })
    callback = await startCallbackServer()
    const client = x.registerClient({ name: 'App', clientSecret: 'secret-1', redirectUris: [callback.url] })
    const app: ApiAppConfig = {
      name: 'APP', oauthVersion: '2.0', clientType: 'confidential', clientId: client.clientId, clientSecret: 'secret-1',
      redirectUri: callback.url, scopes: ['tweet.read', 'users.read', 'offline.access'],
    }
    const logs = new LogSystem({ dir: null })
    const oauth = new OAuthService({ logger: logs.logger('oauth'), endpoints: { authorizeUrl: x.authorizeUrl, apiUrl: x.apiUrl } })
    const controller = new BrowserController({ logger: logs.logger('consent') })
    const profiles = gologin.profiles()
    gologin.setBehaviour(profiles[2].id, { xUsername: 'somebody_else' })

    const endpoints = await Promise.all(profiles.map((p) => start(gologin!, p.id)))
    expect(new Set(endpoints).size).toBe(3)
    const pids = new Set(gologin.browsers().map((b) => b.pid))
    expect(pids.size).toBe(1)
    expect(gologin.stats().browsers).toMatchObject({ running: 3, launched: 3 })

    // All three consents run at once, each in its own context, and each is logged in as its own account.
    const usernames = await Promise.all(
      endpoints.map(async (wsUrl) => {
        const auth = oauth.createAuthorization(app)
        const result = await controller.authorize({
          endpoint: { browserWSEndpoint: wsUrl }, authorizeUrl: auth.url, redirectUri: app.redirectUri, expectedState: auth.state, timeoutMs: 30_000,
        })
        if (!result.ok) throw result.error
        const tokens = await oauth.exchangeCode(app, result.code, auth.codeVerifier)
        return (await oauth.verifyCredentials(tokens.accessToken)).username
      }),
    )
    expect(usernames).toEqual(['user00000', 'user00001', 'somebody_else'])
    expect(callback.hits).toEqual([])

    // A client of one profile sees only that profile's tabs.
    const tabsOpen = await puppeteer.connect({ browserWSEndpoint: endpoints[1] })
    const pageOfProfile1 = await tabsOpen.newPage()
    await pageOfProfile1.goto(`${x.baseUrl}/i/flow/login`)
    const viewer = await puppeteer.connect({ browserWSEndpoint: endpoints[0] })
    expect((await viewer.pages()).map((p) => p.url())).not.toContain(`${x.baseUrl}/i/flow/login`)
    expect((await tabsOpen.pages()).map((p) => p.url())).toContain(`${x.baseUrl}/i/flow/login`)
    await viewer.disconnect()

    // Stopping a profile disposes its context and drops its clients.
    const dropped = new Promise((resolve) => tabsOpen.once('disconnected', resolve))
    await stop(gologin, profiles[1].id)
    await dropped
    expect(gologin.browsers().map((b) => b.profileId).sort()).toEqual([profiles[0].id, profiles[2].id].sort())

    const [pid] = pids
    await gologin.close()
    expect(isProcessAlive(pid)).toBe(false)
    expect(liveGroupMembers(pid)).toEqual([])
  })
})
