/** The automator's decisions with every collaborator faked: ordering, and who decides the outcome. */
import { describe, expect, it } from 'vitest'
import { AuthorizationTimeoutException, DomainException, GoLoginAPIException, TwitterAPIException } from '../../../src/shared/errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { ProfileAutomator, type ProfileAutomatorDeps } from '../../../src/main/services/automation/profile-automator'
import type { SessionJob } from '../../../src/main/services/automation/session-store'

const job: SessionJob = {
  sessionId: 's1', batchId: 'b1', profileId: 'p1', profileName: 'P1', username: 'Alice', apiApp: 'APP', attempt: 1, retryOf: null, createdAt: new Date().toISOString(),
}
const app = { name: 'APP', oauthVersion: '2.0', clientType: 'public', clientId: 'c', clientSecret: null, redirectUri: 'http://127.0.0.1:1/cb', scopes: ['tweet.read', 'users.read'] } as const
const tokens = { accessToken: 'at', refreshToken: 'rt', expiresAt: new Date(Date.now() + 7_200_000), scopes: ['tweet.read'], tokenType: 'bearer' }

function fakes(overrides: Partial<ProfileAutomatorDeps> = {}) {
  const events: string[] = []
  const deps: ProfileAutomatorDeps = {
    store: {
      markStarted: async () => void events.push('started'),
      setStep: async (_job, step) => void events.push(`step:${step}`),
      savePkce: async () => void events.push('pkce'),
      complete: async (_job, result) => (events.push(result.warning ? `complete:${result.warning.code}:${result.xUserId}` : 'complete'), { stored: 'session' as const }),
      fail: async (_job, outcome) => void events.push(`fail:${outcome.status}:${outcome.error.code}`),
    },
    profiles: {
      startProfile: async () => ({
        endpoint: { browserWSEndpoint: 'ws://127.0.0.1:1/devtools/browser/x' },
        signal: new AbortController().signal,
        // Like GoLogin: the stop is asked for, and confirmed a while later.
        release: async () => {
          events.push('stop asked')
          await new Promise((resolve) => setTimeout(resolve, 20))
          events.push('released')
        },
      }),
    },
    oauth: {
      createAuthorization: () => ({ url: 'http://127.0.0.1:2/authorize', state: 'st', codeVerifier: 'v', codeChallenge: 'c' }),
      exchangeCode: async () => tokens,
      verifyCredentials: async () => ({ id: '1', name: 'A', username: 'alice', rateLimit: null }),
      revoke: async (_app, _token, hint) => void events.push(`revoke:${hint}`),
    },
    consent: { authorize: async () => ({ ok: true, code: 'code', state: 'st' }) },
    apiApps: { get: async () => ({ ...app, scopes: [...app.scopes] }) },
    limits: () => ({ accountTimeoutSeconds: 60 }),
    screenshotDir: null,
    logger: new LogSystem({ dir: null }).logger('t'),
    ...overrides,
  }
  return { deps, events }
}

describe('ProfileAutomator', () => {
  it('asks the consent to check the mapped account (with its verified id) before approving: undecided goes on only where a later check exists', async () => {
    const seen: unknown[] = []
    const { deps } = fakes({ consent: { authorize: async (request) => (seen.push(request.account), { ok: true, code: 'code', state: 'st' }) } })
    deps.store = { ...deps.store, knownXUserId: async (username) => (username === 'Alice' ? '42' : null) }
    await new ProfileAutomator(deps).run(job, new AbortController().signal)
    expect(seen).toEqual([{ expected: { username: 'Alice', xUserId: '42' }, ifUndecided: 'proceed' }])

    // Pass-through: the app's callback redeems, so the consent page's check is the only one — undecided fails safe;
    // the id the check saw is recorded with the delivery. A failed read of the known id leaves it to the screen name.
    const delivered: unknown[] = []
    const passThrough = fakes({
      apiApps: { get: async () => ({ ...app, scopes: [...app.scopes], redemption: 'callback' as const, startUrl: 'http://127.0.0.1:3/start', callbackMarker: null }) },
      consent: { authorize: async (request) => (seen.push(request.account), { ok: true, code: '', state: '', delivered: { status: 200, url: null, markerMatched: null }, signedInUserId: '7' }) },
    })
    passThrough.deps.store = {
      ...passThrough.deps.store,
      knownXUserId: async () => Promise.reject(new Error('database down')),
      deliver: async (_job, result) => void delivered.push(result.xUserId),
    }
    expect(await new ProfileAutomator(passThrough.deps).run(job, new AbortController().signal)).toMatchObject({ status: 'completed' })
    expect(seen[1]).toEqual({ expected: { username: 'Alice', xUserId: null }, ifUndecided: 'fail' })
    expect(delivered).toEqual(['7'])
  })

  it('persists PKCE before the consent, stores the tokens before waiting for the profile’s stop, and completes', async () => {
    const { deps, events } = fakes()
    const consent = deps.consent.authorize
    deps.consent = { authorize: async (request, hooks) => (events.push('consent'), consent(request, hooks)) }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'completed', errorCode: null })
    expect(events.filter((e) => e !== 'released' && e !== 'stop asked')).toEqual(['started', 'step:connecting', 'pkce', 'consent', 'step:exchanging', 'step:verifying', 'complete'])
    // The stop is asked for as soon as the code is captured, but the tokens are stored before it is confirmed.
    expect(events.indexOf('stop asked')).toBeGreaterThan(events.indexOf('consent'))
    expect(events.indexOf('complete')).toBeLessThan(events.indexOf('released'))
    // run() returns only once the profile is stopped.
    expect(events.at(-1)).toBe('released')
  })

  it('retries a failed write of the tokens; if it keeps failing, revokes them and fails saying so', async () => {
    const { deps, events } = fakes({ storeRetry: { windowMs: 300, minTimeoutMs: 1 } })
    let failures = 2
    deps.store = {
      ...deps.store,
      complete: async () => (failures-- > 0 ? Promise.reject(new Error('SQLITE_BUSY: database is locked')) : (events.push('complete'), { stored: 'session' as const })),
    }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'completed' })
    expect(events).not.toContain('revoke:access_token')

    events.length = 0
    failures = Number.POSITIVE_INFINITY
    let message = ''
    deps.store = { ...deps.store, fail: async (_job, outcome) => void (message = outcome.error.message) }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'failed', errorCode: 'INTERNAL_ERROR' })
    expect(events).toEqual(expect.arrayContaining(['revoke:access_token', 'revoke:refresh_token']))
    expect(message).toMatch(/X issued tokens for @Alice, but they could not be stored \(SQLITE_BUSY.*\), so they were revoked/)
  })

  it('finishes an attempt whose code was captured even if it is cancelled meanwhile', async () => {
    const cancel = new AbortController()
    const { deps, events } = fakes()
    deps.oauth = { ...deps.oauth, exchangeCode: async () => (cancel.abort(new DomainException('CANCELLED')), tokens) }
    expect((await new ProfileAutomator(deps).run(job, cancel.signal)).status).toBe('completed')
    expect(events).toContain('complete')
    expect(events.at(-1)).toBe('released')
  })

  it('reports the wrong account, not a cancel that came after the capture', async () => {
    const cancel = new AbortController()
    const { deps, events } = fakes()
    deps.oauth = {
      ...deps.oauth,
      verifyCredentials: async () => (cancel.abort(new DomainException('CANCELLED')), { id: '2', name: 'B', username: 'bob', rateLimit: null }),
    }
    expect(await new ProfileAutomator(deps).run(job, cancel.signal)).toMatchObject({ status: 'failed', errorCode: 'ACCOUNT_MISMATCH' })
    expect(events).toEqual(expect.arrayContaining(['revoke:access_token', 'revoke:refresh_token', 'fail:failed:ACCOUNT_MISMATCH']))
    expect(events).not.toContain('complete')
  })

  it('fails with the launcher’s code when the profile does not start, and names a cancel while it starts', async () => {
    const { deps, events } = fakes({
      profiles: { startProfile: async () => Promise.reject(new GoLoginAPIException(500, 'The GoLogin app did not start profile p1.')) },
    })
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'failed', errorCode: 'GOLOGIN_API_ERROR' })
    expect(events).toEqual(['started', 'fail:failed:GOLOGIN_API_ERROR'])

    const cancel = new AbortController()
    const waiting = fakes({
      profiles: {
        startProfile: (_id, { signal }) =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener('abort', () => reject(signal.reason))
            cancel.abort(new DomainException('CANCELLED', 'The batch was cancelled.'))
          }),
      },
    })
    expect(await new ProfileAutomator(waiting.deps).run(job, cancel.signal)).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' })
  })

  it('keeps the tokens when /users/me keeps failing transiently, marked X_ACCOUNT_UNVERIFIED, and revokes nothing', async () => {
    const { deps, events } = fakes()
    let calls = 0
    deps.oauth = {
      ...deps.oauth,
      verifyCredentials: async (_token, options) => {
        calls++
        expect(options).toMatchObject({ attempts: 4, waitOnRateLimit: true })
        throw new TwitterAPIException(503, 'Service Unavailable')
      },
    }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'completed' })
    expect(calls).toBe(1)
    expect(events).toContain('complete:X_ACCOUNT_UNVERIFIED:null')
    expect(events.indexOf('complete:X_ACCOUNT_UNVERIFIED:null')).toBeLessThan(events.indexOf('released'))
    expect(events.filter((e) => e.startsWith('revoke'))).toEqual([])
  })

  it('revokes and fails when X refuses the new access token at /users/me (401)', async () => {
    const { deps, events } = fakes()
    deps.oauth = { ...deps.oauth, verifyCredentials: async () => Promise.reject(new TwitterAPIException(401, 'Unauthorized')) }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'failed', errorCode: 'TWITTER_API_ERROR' })
    expect(events).toEqual(expect.arrayContaining(['revoke:access_token', 'revoke:refresh_token', 'fail:failed:TWITTER_API_ERROR']))
  })

  it('reports the consent’s own account of the time limit (what X was doing) rather than the bare limit', async () => {
    const { deps } = fakes({ limits: () => ({ accountTimeoutSeconds: 1 }) })
    let failure: unknown = null
    deps.store = { ...deps.store, fail: async (_job, outcome) => void (failure = outcome.error) }
    deps.consent = {
      authorize: (request) =>
        new Promise((resolve) => {
          request.signal?.addEventListener('abort', () => {
            const timedOut = request.signal?.reason instanceof AuthorizationTimeoutException
            resolve({ ok: false, error: timedOut ? new DomainException('AUTH_TIMEOUT', 'X did not answer the approval within 1 s.') : new DomainException('CANCELLED'), screenshotPath: null, pageKind: 'consent_ready' })
          })
        }),
    }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'timeout', errorCode: 'AUTH_TIMEOUT' })
    expect((failure as Error).message).toBe('X did not answer the approval within 1 s.')
  })

  it('turns an unexpected error into INTERNAL_ERROR and still stops the profile', async () => {
    const { deps, events } = fakes()
    deps.consent = { authorize: async () => Promise.reject(new TypeError('boom')) }
    expect(await new ProfileAutomator(deps).run(job, new AbortController().signal)).toMatchObject({ status: 'failed', errorCode: 'INTERNAL_ERROR' })
    // The outcome is recorded first; run() returns once the profile is stopped.
    expect(events.slice(-3)).toEqual(['fail:failed:INTERNAL_ERROR', 'stop asked', 'released'])
  })

  it('journals the issued set before /users/me and crosses it out once it is stored or revoked; a failed revoke keeps it', async () => {
    const journal = (events: string[]) => ({
      record: (entry: { sessionId: string; flow: string }) => (events.push(`journal:${entry.sessionId}:${entry.flow}`), 'e1'),
      cross: (id: string) => void events.push(`cross:${id}`),
    })
    const stored = fakes()
    stored.deps.issuedJournal = journal(stored.events)
    const verify = stored.deps.oauth.verifyCredentials
    stored.deps.oauth = { ...stored.deps.oauth, verifyCredentials: async (...args) => (stored.events.push('users/me'), verify(...args)) }
    expect(await new ProfileAutomator(stored.deps).run(job, new AbortController().signal)).toMatchObject({ status: 'completed' })
    const order = stored.events.filter((e) => /^(journal|users|complete|cross)/.test(e))
    expect(order).toEqual(['journal:s1:oauth2', 'users/me', 'complete', 'cross:e1'])

    // The wrong account: revoked, then crossed out.
    const mismatch = fakes()
    mismatch.deps.issuedJournal = journal(mismatch.events)
    mismatch.deps.oauth = { ...mismatch.deps.oauth, verifyCredentials: async () => ({ id: '2', name: 'B', username: 'bob', rateLimit: null }) }
    expect(await new ProfileAutomator(mismatch.deps).run(job, new AbortController().signal)).toMatchObject({ errorCode: 'ACCOUNT_MISMATCH' })
    expect(mismatch.events.filter((e) => /^(journal|revoke|cross)/.test(e))).toEqual(['journal:s1:oauth2', 'revoke:access_token', 'revoke:refresh_token', 'cross:e1'])

    // X does not take the revoke: the entry stays for the next start-up.
    const down = fakes()
    down.deps.issuedJournal = journal(down.events)
    down.deps.oauth = {
      ...down.deps.oauth,
      verifyCredentials: async () => ({ id: '2', name: 'B', username: 'bob', rateLimit: null }),
      revoke: async () => Promise.reject(new TwitterAPIException(503, 'Service Unavailable')),
    }
    expect(await new ProfileAutomator(down.deps).run(job, new AbortController().signal)).toMatchObject({ errorCode: 'ACCOUNT_MISMATCH' })
    expect(down.events).toContain('journal:s1:oauth2')
    expect(down.events.filter((e) => e.startsWith('cross'))).toEqual([])
  })
})
