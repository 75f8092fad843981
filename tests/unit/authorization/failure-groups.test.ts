import { describe, expect, it } from 'vitest'
import { ERROR_CODES, ERROR_INFO, FAILURE_GROUP_LABELS, failureGroup, type ErrorCode } from '../../../src/shared/errors'

/** Issue 21 row 2, as the operator put it: what a retry may fix, and what needs a person first. */
const RETRY_MAY_HELP: ErrorCode[] = [
  'X_API_NETWORK_ERROR', 'PROFILE_NETWORK_ERROR', // network
  'PROFILE_PROXY_FAILED', // proxy
  'AUTH_TIMEOUT', 'X_API_TIMEOUT', // time-outs
  'X_API_SERVER_ERROR', // X 5xx
  'BROWSER_CONNECTION_FAILED', 'GOLOGIN_API_ERROR', // the GoLogin start
]
const NEEDS_A_PERSON: ErrorCode[] = [
  'X_LOGGED_OUT', 'X_ACCOUNT_LOCKED', 'X_ACCOUNT_SUSPENDED', 'USER_DENIED', 'ACCOUNT_MISMATCH', 'INVALID_API_APP',
]

describe('failure groups', () => {
  it('classes every error code, so a code added without a group fails here', () => {
    expect(Object.keys(ERROR_INFO).sort()).toEqual([...ERROR_CODES].sort())
    for (const code of ERROR_CODES) {
      expect(typeof ERROR_INFO[code]?.retryable, code).toBe('boolean')
      expect(['retry', 'person'], code).toContain(failureGroup(code))
      expect(FAILURE_GROUP_LABELS[failureGroup(code)], code).toMatch(/^(Retry may help|Needs a person)$/)
    }
  })

  it('puts network, proxy, time-outs, X 5xx and GoLogin starts under "retry may help"', () => {
    for (const code of RETRY_MAY_HELP) expect(failureGroup(code), code).toBe('retry')
  })

  it('puts logged out, locked, suspended, denied, another account and a misconfigured app under "needs a person"', () => {
    for (const code of NEEDS_A_PERSON) expect(failureGroup(code), code).toBe('person')
  })

  it('lets an attempt that ended without a code (a time-out or cancel) be retried', () => {
    expect(failureGroup(null)).toBe('retry')
    expect(failureGroup('CANCELLED')).toBe('retry')
  })
})
