import { describe, expect, it } from 'vitest'
import { callbackKey, readCallback, redirectUrlPattern } from '../../../src/main/services/automation/redirect-interceptor'
import { describeEndpoint, isCdpEndpoint } from '../../../src/main/services/automation/cdp-endpoint'

describe('redirect matching', () => {
  it('matches the redirect URI with any query, escaping CDP wildcards', () => {
    expect(redirectUrlPattern('https://app.example.com/oauth/callback')).toBe('https://app.example.com/oauth/callback*')
    expect(redirectUrlPattern('https://app.example.com/cb?x=1')).toBe('https://app.example.com/cb*')
    expect(redirectUrlPattern('https://app.example.com/a*b')).toBe('https://app.example.com/a\\*b*')
    expect(redirectUrlPattern('https://App.Example.com')).toBe('https://app.example.com/*')
  })

  it('compares origin and path only', () => {
    expect(callbackKey('http://127.0.0.1:8080/callback?state=s&code=c')).toBe(callbackKey('http://127.0.0.1:8080/callback'))
    expect(callbackKey('http://127.0.0.1:8080/callbackx')).not.toBe(callbackKey('http://127.0.0.1:8080/callback'))
  })

  it('reads code, state and errors from the callback', () => {
    expect(readCallback('https://app.example.com/cb?state=s1&code=c1')).toEqual({
      code: 'c1', state: 's1', error: null, errorDescription: null, oauthToken: null, oauthVerifier: null, denied: null,
    })
    expect(readCallback('https://app.example.com/cb?error=access_denied&state=s1')).toMatchObject({ error: 'access_denied', state: 's1', code: null })
  })

  it('reads the OAuth 1.0a callback: oauth_token + oauth_verifier, or denied', () => {
    expect(readCallback('https://app.example.com/cb?oauth_token=rt&oauth_verifier=v1')).toMatchObject({ oauthToken: 'rt', oauthVerifier: 'v1', denied: null, code: null })
    expect(readCallback('https://app.example.com/cb?denied=rt')).toMatchObject({ denied: 'rt', oauthToken: null })
  })
})

describe('CDP endpoints', () => {
  it('accepts ws endpoints and http browser URLs only', () => {
    expect(isCdpEndpoint({ browserWSEndpoint: 'ws://127.0.0.1:9222/devtools/browser/abc' })).toBe(true)
    expect(isCdpEndpoint({ browserURL: 'http://127.0.0.1:9222' })).toBe(true)
    expect(isCdpEndpoint({ browserWSEndpoint: 'http://127.0.0.1:9222' })).toBe(false)
    expect(isCdpEndpoint({ browserURL: 'not a url' })).toBe(false)
    expect(isCdpEndpoint('ws://127.0.0.1:1')).toBe(false)
  })

  it('describes an endpoint without its query (which may hold a token)', () => {
    expect(describeEndpoint({ browserWSEndpoint: 'wss://cloudbrowser.gologin.com/connect?token=secret&profile=p' })).toBe('wss://cloudbrowser.gologin.com/connect')
  })
})
