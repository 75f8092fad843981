import { describe, expect, it } from 'vitest'
import { judgeDelivery, markerMatches, safeExcerpt, safeUrl } from '../../../src/main/services/automation/callback-delivery'

const CALLBACK = 'https://app.example.com/x/callback'
const answer = (change: Partial<Parameters<typeof judgeDelivery>[0]> = {}) => ({
  status: 200,
  url: 'https://app.example.com/x/callback?oauth_token=req-token-123&oauth_verifier=verifier-secret-456',
  text: 'Connected @alice. You can close this window.',
  failure: null,
  ...change,
})

describe('pass-through: what the callback answered', () => {
  it('matches a text marker anywhere on the page, ignoring case and spacing', () => {
    expect(markerMatches('connected   @ALICE', answer())).toBe(true)
    expect(markerMatches('Tokens saved', answer())).toBe(false)
  })

  it('reads an http(s) marker as a pattern for the whole final URL, * matching anything', () => {
    const done = answer({ url: 'https://app.example.com/done?account=alice' })
    expect(markerMatches('https://app.example.com/done*', done)).toBe(true)
    expect(markerMatches('https://app.example.com/done', done)).toBe(false)
    expect(markerMatches('https://app.example.com/x/*', done)).toBe(false)
    expect(markerMatches('https://app.example.com/done?account=*', done)).toBe(true)
  })

  it('records where the browser ended without any query value and quotes the page without token-like text', () => {
    expect(safeUrl(answer().url)).toBe('https://app.example.com/x/callback?oauth_token=…&oauth_verifier=…')
    expect(safeExcerpt('Your token is AAAAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBB, keep it safe')).toBe('Your token is […], keep it safe')
  })

  it('is delivered when the callback answered below 400 and the marker matched', () => {
    expect(judgeDelivery(answer(), 'Connected', CALLBACK)).toEqual({
      record: { status: 200, url: 'https://app.example.com/x/callback?oauth_token=…&oauth_verifier=…', markerMatched: true },
      failure: null,
    })
    expect(judgeDelivery(answer({ status: 302 }), null, CALLBACK)).toMatchObject({ record: { markerMatched: null }, failure: null })
  })

  it.each([
    ['an error status', answer({ status: 500, text: 'Internal error' }), 'Connected', /answered HTTP 500 at https:\/\/app\.example\.com\/x\/callback\?oauth_token=…&oauth_verifier=…: “Internal error”/],
    ['a missing marker', answer({ text: 'Something went wrong' }), 'Connected', /answered HTTP 200, but its success marker “Connected” was not found/],
    ['no answer', answer({ status: null, url: null, text: '' }), null, /did not answer in time/],
    ['an unreachable callback', answer({ status: null, failure: 'net::ERR_CONNECTION_REFUSED' }), null, /could not be reached \(net::ERR_CONNECTION_REFUSED\)/],
  ])('fails as CALLBACK_FAILED on %s, naming it without secrets', (_label, given, marker, message) => {
    const { failure } = judgeDelivery(given, marker, CALLBACK)
    expect(failure).toMatchObject({ code: 'CALLBACK_FAILED', message: expect.stringMatching(message) })
    expect(failure!.message).not.toMatch(/verifier-secret-456|req-token-123/)
  })
})
