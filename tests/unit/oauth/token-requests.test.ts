import { describe, expect, it } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import {
  assertUsableApp,
  basicAuthorization,
  buildAuthorizeUrl,
  buildCodeExchangeRequest,
  buildRefreshRequest,
  buildRevokeRequest,
} from '../../../src/main/services/oauth/token-requests'

const confidential: ApiAppConfig = {
  name: 'AIOTT1',
  oauthVersion: '2.0',
  clientType: 'confidential',
  clientId: 'Y2xpZW50LWlk',
  clientSecret: 'sec-ret_42',
  redirectUri: 'https://app.example.com/oauth/callback',
  scopes: ['tweet.read', 'users.read', 'offline.access'],
}
const publicApp: ApiAppConfig = { ...confidential, name: 'AIOTT2', clientType: 'public', clientSecret: null, clientId: 'public-client' }
const basic = `Basic ${Buffer.from('Y2xpZW50LWlk:sec-ret_42').toString('base64')}`
const form = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }

describe('authorize URL', () => {
  it('carries every parameter X requires', () => {
    const url = new URL(buildAuthorizeUrl('https://x.com/i/oauth2/authorize', confidential, { state: 'st-1', codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }))
    expect(url.origin + url.pathname).toBe('https://x.com/i/oauth2/authorize')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'Y2xpZW50LWlk',
      redirect_uri: 'https://app.example.com/oauth/callback',
      scope: 'tweet.read users.read offline.access',
      state: 'st-1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })
  })

  it('falls back to the default scopes and refuses an over-long state', () => {
    const url = new URL(buildAuthorizeUrl('https://x.com/i/oauth2/authorize', { ...confidential, scopes: [] }, { state: 's', codeChallenge: 'c' }))
    expect(url.searchParams.get('scope')).toBe('tweet.read tweet.write users.read offline.access')
    expect(() => buildAuthorizeUrl('https://x.com/i/oauth2/authorize', confidential, { state: 'x'.repeat(501), codeChallenge: 'c' })).toThrow(/500/)
  })
})

describe('token endpoint requests', () => {
  it('exchanges a code as a confidential client: Basic auth, no client_id in the body', () => {
    expect(buildCodeExchangeRequest('https://api.x.com', confidential, 'the-code', 'the-verifier')).toEqual({
      url: 'https://api.x.com/2/oauth2/token',
      headers: { ...form, Authorization: basic },
      body: 'grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fcallback&code_verifier=the-verifier',
    })
  })

  it('exchanges a code as a public client: client_id in the body, no Authorization', () => {
    expect(buildCodeExchangeRequest('https://api.x.com/', publicApp, 'the-code', 'the-verifier')).toEqual({
      url: 'https://api.x.com/2/oauth2/token',
      headers: form,
      body: 'grant_type=authorization_code&code=the-code&redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fcallback&code_verifier=the-verifier&client_id=public-client',
    })
  })

  it('refreshes for both client types', () => {
    expect(buildRefreshRequest('https://api.x.com', confidential, 'rt-1')).toEqual({
      url: 'https://api.x.com/2/oauth2/token',
      headers: { ...form, Authorization: basic },
      body: 'grant_type=refresh_token&refresh_token=rt-1',
    })
    expect(buildRefreshRequest('https://api.x.com', publicApp, 'rt-1')).toEqual({
      url: 'https://api.x.com/2/oauth2/token',
      headers: form,
      body: 'grant_type=refresh_token&refresh_token=rt-1&client_id=public-client',
    })
  })

  it('revokes for both client types', () => {
    expect(buildRevokeRequest('http://127.0.0.1:9/prefix', confidential, 'at-1', 'access_token')).toEqual({
      url: 'http://127.0.0.1:9/prefix/2/oauth2/revoke',
      headers: { ...form, Authorization: basic },
      body: 'token=at-1&token_type_hint=access_token',
    })
    expect(buildRevokeRequest('https://api.x.com', publicApp, 'rt-1', 'refresh_token')).toEqual({
      url: 'https://api.x.com/2/oauth2/revoke',
      headers: form,
      body: 'token=rt-1&token_type_hint=refresh_token&client_id=public-client',
    })
  })

  it('form-encodes id and secret before base64 (RFC 6749 §2.3.1)', () => {
    const header = basicAuthorization('id:with space', 'p@ss/word+')
    expect(Buffer.from(header.slice(6), 'base64').toString()).toBe('id%3Awith+space:p%40ss%2Fword%2B')
  })
})

describe('API app checks', () => {
  it.each<[string, Partial<ApiAppConfig>, RegExp]>([
    ['an unknown OAuth version', { oauthVersion: '3.0' as never }, /OAuth 3\.0/],
    ['OAuth 1.0a without a consumer secret', { oauthVersion: '1.0a', clientSecret: null }, /no consumer secret/],
    ['OAuth 1.0a without a consumer key', { oauthVersion: '1.0a', clientId: '' }, /no consumer key/],
    ['pass-through without a start URL', { redemption: 'callback', startUrl: null }, /no http\(s\) sign-in start URL/],
    ['no client id', { clientId: ' ' }, /no client ID/],
    ['no secret', { clientSecret: null }, /without a client secret/],
    ['relative redirect', { redirectUri: '/callback' }, /not an absolute http\(s\) URL/],
    ['ftp redirect', { redirectUri: 'ftp://x/cb' }, /not an absolute http\(s\) URL/],
    ['bad scope', { scopes: ['tweet.read users.read'] }, /spaces/],
  ])('rejects an app with %s as INVALID_API_APP', (_label, change, message) => {
    expect(() => assertUsableApp({ ...confidential, ...change })).toThrow(expect.objectContaining({ code: 'INVALID_API_APP', message: expect.stringMatching(message) }))
  })

  it('accepts a usable OAuth 1.0a app and a pass-through app (whose server holds the secret)', () => {
    expect(() => assertUsableApp({ ...confidential, oauthVersion: '1.0a', scopes: [] })).not.toThrow()
    expect(() => assertUsableApp({ ...confidential, clientSecret: null, redemption: 'callback', startUrl: 'https://app.example.com/start' })).not.toThrow()
  })
})
