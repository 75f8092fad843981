import { describe, expect, it } from 'vitest'
import { ValidationException } from '../../../src/shared/errors'
import { describeEndpoint } from '../../../src/main/services/automation/cdp-endpoint'
import { normalizeCdpEndpoint } from '../../../src/main/services/gologin/cdp-endpoint'

describe('normalizeCdpEndpoint', () => {
  it('keeps a ws URL as the browser ws endpoint', () => {
    expect(normalizeCdpEndpoint('ws://127.0.0.1:9222/devtools/browser/abc-123')).toEqual({
      browserWSEndpoint: 'ws://127.0.0.1:9222/devtools/browser/abc-123',
    })
    expect(normalizeCdpEndpoint('  wss://cloudbrowser.gologin.com/connect?token=t0k3n&profile=p1 ')).toEqual({
      browserWSEndpoint: 'wss://cloudbrowser.gologin.com/connect?token=t0k3n&profile=p1',
    })
  })

  it('turns a bare port (number or digits) into a browser URL on 127.0.0.1', () => {
    expect(normalizeCdpEndpoint(9222)).toEqual({ browserURL: 'http://127.0.0.1:9222' })
    expect(normalizeCdpEndpoint('35001')).toEqual({ browserURL: 'http://127.0.0.1:35001' })
    expect(normalizeCdpEndpoint(9222, { host: 'localhost' })).toEqual({ browserURL: 'http://localhost:9222' })
  })

  it('turns host:port and http URLs into a browser URL', () => {
    expect(normalizeCdpEndpoint('127.0.0.1:9333')).toEqual({ browserURL: 'http://127.0.0.1:9333' })
    expect(normalizeCdpEndpoint('localhost:9333/')).toEqual({ browserURL: 'http://localhost:9333' })
    expect(normalizeCdpEndpoint('[::1]:9333')).toEqual({ browserURL: 'http://[::1]:9333' })
    expect(normalizeCdpEndpoint('http://127.0.0.1:9333')).toEqual({ browserURL: 'http://127.0.0.1:9333' })
  })

  it('turns a ws path into a ws URL, with host:port or with the port it is given', () => {
    expect(normalizeCdpEndpoint('127.0.0.1:9444/devtools/browser/x1')).toEqual({
      browserWSEndpoint: 'ws://127.0.0.1:9444/devtools/browser/x1',
    })
    expect(normalizeCdpEndpoint('/devtools/browser/x2', { port: 9555 })).toEqual({
      browserWSEndpoint: 'ws://127.0.0.1:9555/devtools/browser/x2',
    })
    expect(normalizeCdpEndpoint('http://127.0.0.1:9666/devtools/browser/x3')).toEqual({
      browserWSEndpoint: 'ws://127.0.0.1:9666/devtools/browser/x3',
    })
  })

  it.each([
    ['', /expected a ws URL/],
    [null, /expected a ws URL/],
    [0, /port must be 1–65535/],
    ['70000', /port must be 1–65535/],
    ['127.0.0.1:0', /port must be 1–65535/],
    ['/devtools/browser/x', /needs the browser’s debugging port/],
    ['/json/version', /DevTools path/],
    ['not an endpoint', /expected a ws URL/],
    ['ws://', /not a valid URL/],
  ])('refuses %j with a validation error saying why', (answer, why) => {
    let thrown: unknown
    try {
      normalizeCdpEndpoint(answer)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ValidationException)
    expect((thrown as ValidationException).code).toBe('VALIDATION_ERROR')
    expect((thrown as Error).message).toMatch(why)
  })

  it('never shows a query string (the cloud URL carries the token) in errors or descriptions', () => {
    expect(() => normalizeCdpEndpoint('cloud?token=secret-token-1')).toThrow(/"cloud"/)
    expect(() => normalizeCdpEndpoint('cloud?token=secret-token-1')).not.toThrow(/secret-token-1/)
    expect(describeEndpoint({ browserWSEndpoint: 'wss://cloudbrowser.gologin.com/connect?token=secret-token-1&profile=p' })).toBe(
      'wss://cloudbrowser.gologin.com/connect',
    )
  })
})
