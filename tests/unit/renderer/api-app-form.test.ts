import { describe, expect, it } from 'vitest'
import type { ApiAppView } from '../../../src/shared/contract/settings'
import { draftOf, draftScopeWarnings, newDraft, toInput, validateApiApp } from '../../../src/renderer/src/features/settings/api-app-form'

const existing: ApiAppView = {
  name: 'AIOTT1',
  oauthVersion: '2.0',
  clientType: 'confidential',
  clientId: 'abc',
  hasSecret: true,
  redirectUri: 'https://example.com/cb',
  scopes: ['tweet.read', 'users.read', 'offline.access'],
  redemption: 'panel',
  startUrl: null,
  callbackMarker: null,
  envManaged: false,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: null,
}

describe('API app form', () => {
  it('accepts a complete confidential app and sends its secret once', () => {
    const draft = { ...newDraft(), name: 'AIOTT2', clientId: 'id-2', clientSecret: 's3cret', redirectUri: 'https://example.com/callback' }
    expect(validateApiApp(draft, null, [existing])).toEqual({})
    expect(toInput(draft)).toMatchObject({ name: 'AIOTT2', clientSecret: 's3cret', scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'] })
  })

  it('names each problem on its field', () => {
    const draft = { ...newDraft(), name: 'bad name', clientId: '', redirectUri: 'http://example.com/cb', scopes: 'tweet.read Bad!' }
    const errors = validateApiApp(draft, null, [])
    expect(errors.name).toMatch(/^Must be 1–40 letters/)
    expect(errors.clientId).toBe('Is required.')
    expect(errors.redirectUri).toMatch(/^Must be an https:\/\/ URL/)
    expect(errors.scopes).toBe('Each scope must look like tweet.read.')
    expect(errors.clientSecret).toBe('Required for a confidential client.')
  })

  it('refuses a new app that would silently replace another one', () => {
    const draft = { ...draftOf(existing), clientSecret: 'x' }
    expect(validateApiApp(draft, null, [existing]).name).toBe('An API app with this name exists; edit it instead.')
    expect(validateApiApp(draftOf(existing), existing, [existing])).toEqual({})
  })

  it('keeps the stored secret unless one is typed or removal is asked', () => {
    expect(toInput(draftOf(existing))).not.toHaveProperty('clientSecret')
    expect(toInput({ ...draftOf(existing), removeSecret: true, clientType: 'public' }).clientSecret).toBeNull()
    expect(validateApiApp({ ...draftOf(existing), clientType: 'public', clientSecret: 'x' }, existing, [existing]).clientSecret).toBe('Must be empty for a public client.')
  })

  it('requires the scopes the panel needs to verify the account', () => {
    expect(validateApiApp({ ...draftOf(existing), scopes: 'tweet.write' }, existing, [existing]).scopes).toBe('Must include tweet.read (needed to verify the account).')
  })

  it('asks a 1.0a app for its consumer key and secret, with neither scopes nor a client type', () => {
    const draft = { ...newDraft(), name: 'LEGACY1', oauthVersion: '1.0a' as const, clientType: 'public' as const, clientId: 'consumer-key', redirectUri: 'https://example.com/cb' }
    expect(validateApiApp(draft, null, []).clientSecret).toBe('Required: the consumer secret signs every OAuth 1.0a request.')
    const input = toInput({ ...draft, clientSecret: 'consumer-secret' })
    expect(input).toMatchObject({ oauthVersion: '1.0a', clientType: 'confidential', clientId: 'consumer-key', clientSecret: 'consumer-secret', scopes: [], redemption: 'panel' })
    expect(validateApiApp({ ...draft, clientSecret: 'consumer-secret' }, null, [])).toEqual({})
  })

  it('lets the app’s callback redeem: a sign-in start URL is required, the success marker optional, no secret needed', () => {
    const draft = { ...newDraft(), name: 'PASS1', clientId: 'id', redirectUri: 'https://app.example.com/cb', redemption: 'callback' as const }
    expect(validateApiApp(draft, null, [])).toEqual({ startUrl: expect.stringMatching(/^Is required when the app’s callback redeems/) })
    const ready = { ...draft, startUrl: 'https://app.example.com/x/start', callbackMarker: ' Connected ' }
    expect(validateApiApp(ready, null, [])).toEqual({})
    expect(toInput(ready)).toMatchObject({ redemption: 'callback', startUrl: 'https://app.example.com/x/start', callbackMarker: 'Connected' })
    expect(validateApiApp({ ...ready, startUrl: 'ftp://app' }, null, []).startUrl).toBe('Must be an http:// or https:// URL.')
  })

  it('warns, without refusing, about scopes that will cost the operator later', () => {
    const noRefresh = 'Without offline.access there is no refresh token: the token expires in 2 hours and cannot be renewed (the account must be authorized again).'
    expect(draftScopeWarnings(newDraft())).toEqual([])
    const draft = { ...draftOf(existing), scopes: 'tweet.read users.read' }
    expect(draftScopeWarnings(draft)).toEqual([noRefresh])
    expect(validateApiApp(draft, existing, [existing])).toEqual({})
    // Scopes X does not document are named (each once); offline.access present: only that warning.
    expect(draftScopeWarnings({ ...draft, scopes: 'tweet.read, offline.access tweets.read dm.readd tweets.read' })).toEqual([
      'Unknown scopes: tweets.read, dm.readd. X does not document them, so its consent page may refuse the authorization.',
    ])
    expect(draftScopeWarnings({ ...draft, scopes: 'users.read like.reed' })).toEqual([noRefresh, 'Unknown scope: like.reed. X does not document it, so its consent page may refuse the authorization.'])
    // OAuth 1.0a apps have no scopes (their permissions are set on the X app): nothing to warn about.
    expect(draftScopeWarnings({ ...draft, oauthVersion: '1.0a' })).toEqual([])
  })
})
