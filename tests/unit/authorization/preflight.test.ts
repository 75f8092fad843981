/** What refuses a batch before any profile starts, and the sentence the Authorize dialog shows. */
import { describe, expect, it } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import { DomainException, TwitterAPIException } from '../../../src/shared/errors'
import { AuthorizationPreflight, type PreflightDeps } from '../../../src/main/services/automation/preflight'

const real: ApiAppConfig = {
  name: 'AIOTT1', oauthVersion: '2.0', clientType: 'confidential', clientId: 'real-client', clientSecret: 's3cret', redirectUri: 'https://app.example.com/cb', scopes: ['tweet.read', 'users.read'],
}
const sandboxApp: ApiAppConfig = { ...real, name: 'SANDBOX1', clientId: 'sandbox-client-1', redirectUri: 'http://127.0.0.1:4000/sandbox1/callback' }

function preflight(overrides: Partial<PreflightDeps> & { apps?: ApiAppConfig[] } = {}) {
  const apps = overrides.apps ?? [real, sandboxApp]
  return new AuthorizationPreflight({
    apiApps: {
      get: async (name) => {
        const app = apps.find((a) => a.name === name)
        if (!app) throw new DomainException('INVALID_API_APP', `Unknown API app: ${name}`)
        return app
      },
    },
    launcherMode: () => 'desktop',
    gologin: { status: () => ({ hasToken: true, tokenRevoked: false }) },
    sandbox: null,
    xAuthorizeUrl: () => 'https://x.com/i/oauth2/authorize',
    ...overrides,
  })
}

describe('AuthorizationPreflight', () => {
  it('lets a usable app through', async () => {
    expect(await preflight().check('AIOTT1')).toMatchObject({ name: 'AIOTT1' })
  })

  it('refuses an unknown app, a 1.0a app without its consumer secret, and one without a client id; accepts a usable 1.0a app', async () => {
    await expect(preflight().check('NOPE')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: 'Unknown API app: NOPE' })
    expect(await preflight({ apps: [{ ...real, oauthVersion: '1.0a', scopes: [] }] }).check('AIOTT1')).toMatchObject({ oauthVersion: '1.0a' })
    await expect(preflight({ apps: [{ ...real, oauthVersion: '1.0a', clientSecret: null }] }).check('AIOTT1')).rejects.toMatchObject({
      code: 'INVALID_API_APP',
      message: expect.stringMatching(/no consumer secret/),
    })
    await expect(preflight({ apps: [{ ...real, clientId: ' ' }] }).check('AIOTT1')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: expect.stringMatching(/no client ID/) })
  })

  it('refuses a real app in sandbox mode and a sandbox app against the real X', async () => {
    const sandbox = { knowsClient: (id: string) => id === 'sandbox-client-1' }
    expect(await preflight({ sandbox }).check('SANDBOX1')).toMatchObject({ name: 'SANDBOX1' })
    await expect(preflight({ sandbox }).check('AIOTT1')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: expect.stringMatching(/real X app, but sandbox mode is on/) })
    await expect(preflight().check('SANDBOX1')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: expect.stringMatching(/belongs to the sandbox.*sandbox mode is off/) })
    // X pointed at a stand-in of the operator's choosing: its apps are its business.
    expect(await preflight({ xAuthorizeUrl: () => 'http://127.0.0.1:4000/i/oauth2/authorize' }).check('SANDBOX1')).toMatchObject({ name: 'SANDBOX1' })
  })

  it('refuses cloud launches without a usable GoLogin token; the desktop app needs none', async () => {
    const noToken = { status: () => ({ hasToken: false, tokenRevoked: false }) }
    const revoked = { status: () => ({ hasToken: true, tokenRevoked: true }) }
    expect(await preflight({ gologin: noToken }).check('AIOTT1')).toMatchObject({ name: 'AIOTT1' })
    await expect(preflight({ gologin: noToken, launcherMode: () => 'cloud' }).check('AIOTT1')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/needs the GoLogin API token/) })
    await expect(preflight({ gologin: revoked, launcherMode: () => 'cloud' }).check('AIOTT1')).rejects.toMatchObject({ code: 'GOLOGIN_TOKEN_REVOKED' })
  })

  it('asks X once for a request token of a 1.0a app: its refusal refuses the batch, its acceptance is trusted for a while', async () => {
    const oauth1App: ApiAppConfig = { ...real, name: 'V1', oauthVersion: '1.0a', clientType: 'confidential', redemption: 'panel' }
    let answer: 'ok' | 'refused' | 'down' = 'refused'
    let asked = 0
    const oauth1 = {
      requestToken: async () => {
        asked++
        if (answer === 'refused') throw new TwitterAPIException(401, 'Could not authenticate you. (32)')
        if (answer === 'down') throw new TwitterAPIException(503, 'Service Unavailable')
        return {}
      },
    }
    const check = preflight({ apps: [oauth1App], oauth1 })
    await expect(check.check('V1')).rejects.toMatchObject({ code: 'INVALID_API_APP', message: expect.stringMatching(/X refused the consumer key and secret of API app "V1"/) })
    answer = 'down'
    expect(await check.check('V1')).toMatchObject({ name: 'V1' })
    answer = 'ok'
    await check.check('V1')
    await check.check('V1')
    expect(asked).toBe(3)
    // Pass-through apps never use the consumer credentials in the panel.
    expect(await preflight({ apps: [{ ...oauth1App, redemption: 'callback', startUrl: 'https://app.example.com/login' }], oauth1 }).check('V1')).toMatchObject({ name: 'V1' })
    expect(asked).toBe(3)
  })
})
