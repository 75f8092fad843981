import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { DEMO_FAILURES, SANDBOX_BEHAVIOURS, startSandboxMode, type SandboxMode } from '../../../src/main/sandbox'
import { tempDir } from '../../helpers/temp-dir'
import { chromiumUnder } from './panel-world'
import { databaseEnv } from '../../helpers/test-database'

let sandbox: SandboxMode | null = null
let core: Core | null = null

afterEach(async () => {
  await core?.close()
  await sandbox?.close()
  core = null
  sandbox = null
})

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('sandbox mode', () => {
  it('generates a demo with every failure kind and points the panel at the simulators', async () => {
    sandbox = await startSandboxMode({ profiles: 60 })
    const accounts = sandbox.accounts()

    expect(accounts).toHaveLength(60)
    expect(new Set(accounts.map((a) => a.behaviour))).toEqual(new Set(['ok', ...DEMO_FAILURES]))
    expect(accounts.filter((a) => a.behaviour === 'ok').length).toBeGreaterThan(40)
    expect(new Set(accounts.map((a) => a.apiApp))).toEqual(new Set(['SANDBOX1', 'SANDBOX2']))
    expect(sandbox.env).toMatchObject({
      GOLOGIN_API_URL: sandbox.gologin.apiUrl,
      GOLOGIN_LOCAL_API_URL: sandbox.gologin.localApiUrl,
      GOLOGIN_TOKEN: sandbox.gologin.token,
      GOLOGIN_LAUNCHER: 'desktop',
      X_AUTHORIZE_URL: sandbox.x.authorizeUrl,
      X_API_URL: sandbox.x.apiUrl,
      SANDBOX1_CALLBACK_URL: sandbox.callbacks.SANDBOX1.url,
    })
    expect(sandbox.apiApps).toEqual([
      expect.objectContaining({ name: 'SANDBOX2', clientType: 'public', clientSecret: null }),
      expect.objectContaining({ name: 'SANDBOX3', oauthVersion: '1.0a', clientSecret: expect.any(String), redirectUri: sandbox.callbacks.SANDBOX3.url }),
      expect.objectContaining({ name: 'SANDBOX4', oauthVersion: '1.0a', redemption: 'callback', startUrl: sandbox.appServers.SANDBOX4.startUrl, callbackMarker: 'Connected' }),
      expect.objectContaining({ name: 'SANDBOX5', oauthVersion: '2.0', redemption: 'callback', startUrl: sandbox.appServers.SANDBOX5.startUrl, callbackMarker: 'Connected' }),
    ])
    const wrong = accounts.find((a) => a.behaviour === 'wrong_account')!
    expect(sandbox.gologin.behaviour(wrong.profileId).xUsername).toBe(`${wrong.username}_alt`)
  })

  it('is steered and watched through its HTTP control endpoint', async () => {
    sandbox = await startSandboxMode({ profiles: 3, behaviours: 'none' })
    const base = `${sandbox.controlUrl}/__sandbox`
    const [first, second] = sandbox.accounts()

    const changed = await post(`${base}/behaviour`, { username: `@${first.username.toUpperCase()}`, behaviour: 'start_failure' })
    expect(changed.status).toBe(200)
    expect(await changed.json()).toMatchObject({ profileId: first.profileId, behaviour: 'start_failure' })
    expect(sandbox.gologin.behaviour(first.profileId).startFailures).toBe(Number.POSITIVE_INFINITY)
    expect((await post(`${base}/behaviour`, { profileId: second.profileId, behaviour: 'no_session' })).status).toBe(200)
    expect(sandbox.gologin.behaviour(second.profileId).xUsername).toBeNull()
    // Back to ok clears what the GoLogin side had set.
    expect((await post(`${base}/behaviour`, { profileId: second.profileId, behaviour: 'ok' })).status).toBe(200)
    expect(sandbox.gologin.behaviour(second.profileId)).toMatchObject({ xUsername: undefined, startFailures: 0 })

    expect((await post(`${base}/behaviour`, { username: 'nobody', behaviour: 'ok' })).status).toBe(404)
    const bad = await post(`${base}/behaviour`, { username: first.username, behaviour: 'explode' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ behaviours: [...SANDBOX_BEHAVIOURS] })
    expect((await post(`${base}/behaviour`, { username: first.username, profileId: first.profileId, behaviour: 'ok' })).status).toBe(400)
    const formPost = await fetch(`${base}/behaviour`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'behaviour=ok' })
    expect(formPost.status).toBeGreaterThanOrEqual(400)

    const accounts = (await (await fetch(`${base}/accounts`)).json()) as Array<{ behaviour: string }>
    expect(accounts.map((a) => a.behaviour)).toEqual(['start_failure', 'ok', 'ok'])
    expect(await (await fetch(`${base}/stats`)).json()).toMatchObject({ runningBrowsers: 0, callbackHits: { SANDBOX1: 0, SANDBOX2: 0, SANDBOX3: 0, total: 0 }, tokens: { issued: 0, revoked: 0 } })

    const url = sandbox.controlUrl
    await sandbox.close()
    sandbox = null
    await expect(fetch(`${url}/__sandbox/stats`)).rejects.toThrow()
  })

  it('starts with the core when the stored sandboxMode setting is on, prepares apps and profiles, and stops with it', async () => {
    const dataDir = tempDir('panel-sandbox-setting-')
    const env = await databaseEnv(dataDir)
    core = await createCore({ dataDir, mode: 'desktop', env })
    expect(core.sandbox).toBeNull()
    await core.router.dispatch('settings:update', { sandboxMode: true }, { transport: 'test' })
    await core.close()

    core = await createCore({ dataDir, mode: 'desktop', env })
    const started = core.sandbox!
    expect(started).not.toBeNull()
    expect(core.settings.get('gologinApiUrl')).toBe(started.gologin.apiUrl)
    expect(core.settings.get('xAuthorizeUrl')).toBe(started.x.authorizeUrl)
    expect(core.settings.view().fields.gologinToken).toMatchObject({ source: 'env', isSet: true })
    expect((await core.apiApps.list()).map((a) => [a.name, a.oauthVersion, a.clientType, a.redemption])).toEqual([
      ['SANDBOX1', '2.0', 'confidential', 'panel'],
      ['SANDBOX2', '2.0', 'public', 'panel'],
      ['SANDBOX3', '1.0a', 'confidential', 'panel'],
      ['SANDBOX4', '1.0a', 'confidential', 'callback'],
      ['SANDBOX5', '2.0', 'confidential', 'callback'],
    ])
    const [{ mapped }] = await core.db.dataSource.query(`SELECT COUNT(*) AS mapped FROM profiles WHERE twitter_username LIKE 'user%' AND api_app LIKE 'SANDBOX%'`)
    expect(mapped).toBe(60)

    const result = await core.authorization.batches.authorizeAccount({ username: 'user00000', apiApp: 'SANDBOX2' })
    expect(result).toMatchObject({ status: 'pending', existing: false })
    const control = started.controlUrl
    await core.close()
    core = null
    await expect(fetch(`${control}/__sandbox/stats`)).rejects.toThrow()
    expect(chromiumUnder(dataDir)).toEqual([])
  })
})
