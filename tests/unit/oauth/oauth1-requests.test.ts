import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import {
  buildAccessTokenRequest,
  buildInvalidateTokenRequest,
  buildOAuth1AuthorizeUrl,
  buildRequestTokenRequest,
  createNonce,
  signOAuth1,
} from '../../../src/main/services/oauth/oauth1-requests'

/** X's documentation, "Creating a signature": every input and the expected outputs, byte for byte. */
const DOC = {
  consumerKey: 'xvz1evFS4wEEPTGEFPHBog',
  consumerSecret: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw',
  token: '370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb',
  tokenSecret: 'LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  nonce: 'kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg',
  timestamp: 1318622958,
  url: 'https://api.twitter.com/1.1/statuses/update.json?include_entities=true',
  status: 'Hello Ladies + Gentlemen, a signed OAuth request!',
  parameterString:
    'include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318622958&oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&oauth_version=1.0&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21',
  baseString:
    'POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521',
  signingKey: 'kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE',
  signature: 'hCtSmYh+iHYCEqBWrE7C7hYmtUk=',
}

const app: ApiAppConfig = {
  name: 'LEGACY1',
  oauthVersion: '1.0a',
  clientType: 'confidential',
  clientId: DOC.consumerKey,
  clientSecret: DOC.consumerSecret,
  redirectUri: 'https://app.example.com/x/callback?from=panel',
  scopes: [],
}
const material = { nonce: DOC.nonce, timestamp: DOC.timestamp }

/** `OAuth k="v", …` → its parameters, decoded. */
function headerParams(header: string): Record<string, string> {
  expect(header.startsWith('OAuth ')).toBe(true)
  return Object.fromEntries(header.slice(6).split(', ').map((pair) => {
    const match = /^([^=]+)="([^"]*)"$/.exec(pair)
    if (!match) throw new Error(`not a header parameter: ${pair}`)
    return [decodeURIComponent(match[1]), decodeURIComponent(match[2])]
  }))
}

describe('X’s “Creating a signature” example', () => {
  const signed = signOAuth1(app, { method: 'POST', url: DOC.url, params: { status: DOC.status } }, { token: DOC.token, secret: DOC.tokenSecret }, material)

  it('builds the signature base string byte for byte', () => {
    expect(signed.baseString).toBe(DOC.baseString)
    expect(signed.baseString).toBe(`POST&${encodeURIComponent('https://api.twitter.com/1.1/statuses/update.json')}&${encodeURIComponent(DOC.parameterString)}`)
  })

  it('signs it with HMAC-SHA1 under consumer secret & token secret', () => {
    expect(createHmac('sha1', DOC.signingKey).update(DOC.baseString).digest('base64')).toBe(DOC.signature)
    expect(signed.signature).toBe(DOC.signature)
  })

  it('writes the Authorization header as X documents it (sorted, percent-encoded, comma and space)', () => {
    expect(signed.authorization).toBe(
      'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", ' +
        'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", ' +
        'oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", oauth_version="1.0"',
    )
  })

  it('keeps the request’s own parameters out of the header', () => {
    expect(Object.keys(headerParams(signed.authorization))).not.toContain('status')
    expect(Object.keys(headerParams(signed.authorization))).not.toContain('include_entities')
  })
})

describe('the 3-legged flow’s requests', () => {
  it('request_token: a POST with oauth_callback in the signed header and no token', () => {
    const request = buildRequestTokenRequest('https://api.x.com/', app, material)
    expect(request).toMatchObject({ method: 'POST', url: 'https://api.x.com/oauth/request_token' })
    expect(request.body).toBeUndefined()
    const params = headerParams(request.headers.Authorization)
    expect(params).toMatchObject({ oauth_callback: app.redirectUri, oauth_consumer_key: DOC.consumerKey, oauth_signature_method: 'HMAC-SHA1', oauth_version: '1.0' })
    expect(params.oauth_token).toBeUndefined()
    // The signature covers the callback, keyed by the consumer secret alone ("secret&").
    const base = [
      'POST',
      encodeURIComponent('https://api.x.com/oauth/request_token'),
      encodeURIComponent(
        `oauth_callback=${encodeURIComponent(app.redirectUri)}&oauth_consumer_key=${DOC.consumerKey}&oauth_nonce=${DOC.nonce}` +
          `&oauth_signature_method=HMAC-SHA1&oauth_timestamp=${DOC.timestamp}&oauth_version=1.0`,
      ),
    ].join('&')
    expect(params.oauth_signature).toBe(createHmac('sha1', `${DOC.consumerSecret}&`).update(base).digest('base64'))
  })

  it('authorize: the legacy page with the request token', () => {
    expect(buildOAuth1AuthorizeUrl('https://api.x.com/oauth/authorize', 'req+tok/en')).toBe('https://api.x.com/oauth/authorize?oauth_token=req%2Btok%2Fen')
  })

  it('access_token: the verifier in the query, the request token in the header, signed with its secret', () => {
    const request = buildAccessTokenRequest('https://api.x.com', app, { token: 'req-token', secret: 'req-secret' }, 'veri fier', material)
    expect(request.url).toBe('https://api.x.com/oauth/access_token?oauth_verifier=veri%20fier')
    const params = headerParams(request.headers.Authorization)
    expect(params).toMatchObject({ oauth_token: 'req-token', oauth_consumer_key: DOC.consumerKey })
    expect(params.oauth_verifier).toBeUndefined()
    const base = [
      'POST',
      encodeURIComponent('https://api.x.com/oauth/access_token'),
      encodeURIComponent(
        `oauth_consumer_key=${DOC.consumerKey}&oauth_nonce=${DOC.nonce}&oauth_signature_method=HMAC-SHA1&oauth_timestamp=${DOC.timestamp}` +
          `&oauth_token=req-token&oauth_verifier=veri%20fier&oauth_version=1.0`,
      ),
    ].join('&')
    expect(params.oauth_signature).toBe(createHmac('sha1', `${DOC.consumerSecret}&req-secret`).update(base).digest('base64'))
  })

  it('invalidate_token: user context of the token it invalidates', () => {
    const request = buildInvalidateTokenRequest('https://api.x.com', app, { token: 'acc-token', secret: 'acc-secret' }, material)
    expect(request.url).toBe('https://api.x.com/1.1/oauth/invalidate_token')
    const params = headerParams(request.headers.Authorization)
    expect(params.oauth_token).toBe('acc-token')
    const base = `POST&${encodeURIComponent(request.url)}&${encodeURIComponent(
      `oauth_consumer_key=${DOC.consumerKey}&oauth_nonce=${DOC.nonce}&oauth_signature_method=HMAC-SHA1&oauth_timestamp=${DOC.timestamp}&oauth_token=acc-token&oauth_version=1.0`,
    )}`
    expect(params.oauth_signature).toBe(createHmac('sha1', `${DOC.consumerSecret}&acc-secret`).update(base).digest('base64'))
  })

  it('draws fresh word-character nonces and the current time when none is given', () => {
    const a = headerParams(buildRequestTokenRequest('https://api.x.com', app).headers.Authorization)
    const b = headerParams(buildRequestTokenRequest('https://api.x.com', app).headers.Authorization)
    expect(a.oauth_nonce).toMatch(/^[A-Za-z0-9]{30,}$/)
    expect(a.oauth_nonce).not.toBe(b.oauth_nonce)
    expect(Math.abs(Number(a.oauth_timestamp) - Date.now() / 1000)).toBeLessThan(5)
    expect(createNonce()).not.toBe(createNonce())
  })
})
