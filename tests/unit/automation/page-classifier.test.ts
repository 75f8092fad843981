import { describe, expect, it } from 'vitest'
import { classifyPage, failureForPage, type PageKind, type PageSnapshot } from '../../../src/main/services/automation/page-classifier'

const consentText = 'AIOTT1 wants to access your X account. Things this App can do: Read posts'
const base: PageSnapshot = { url: 'https://x.com/i/oauth2/authorize?client_id=a', testIds: [], text: '', approveButton: null }
const page = (change: Partial<PageSnapshot>): PageSnapshot => ({ ...base, ...change })

describe('classifyPage', () => {
  it.each<[string, PageSnapshot, PageKind]>([
    ['an enabled consent button', page({ testIds: ['OAuth_Consent_Button'], text: consentText, approveButton: { via: 'testid', enabled: true } }), 'consent_ready'],
    ['a consent button still disabled', page({ testIds: ['OAuth_Consent_Button'], text: consentText, approveButton: { via: 'testid', enabled: false } }), 'consent_pending'],
    ['the legacy #allow', page({ url: 'https://api.x.com/oauth/authorize?oauth_token=t', approveButton: { via: 'legacy', enabled: true } }), 'consent_ready'],
    ['a role=button "Authorize app"', page({ approveButton: { via: 'role', enabled: true } }), 'consent_ready'],
    ['consent text without a button', page({ text: consentText, testIds: ['OAuth_Consent_Cancel_Button'] }), 'consent_no_button'],
    ['the log-in button', page({ testIds: ['OAuth_Consent_Log_In_Button'], text: 'Log in' }), 'logged_out'],
    ['the login flow URL', page({ url: 'https://x.com/i/flow/login?redirect_after_login=%2Fi%2Foauth2' }), 'logged_out'],
    ['the account access URL', page({ url: 'https://x.com/account/access' }), 'locked'],
    ['a locked-account text', page({ text: 'Your account has been locked.' }), 'locked'],
    ['a suspended-account text', page({ text: 'Your account is suspended and is not permitted to perform this action.' }), 'suspended'],
    ['the error detail', page({ testIds: ['OAuth_Consent_Error_Detail'], errorDetail: 'Something went wrong.' }), 'error'],
    ['a blank page', page({ url: 'about:blank' }), 'unknown'],
    [
      'the legacy page asking to sign in (its #allow signs in)',
      page({ url: 'https://api.x.com/oauth/authorize?oauth_token=t', approveButton: { via: 'legacy', enabled: true }, passwordField: true }),
      'logged_out',
    ],
    ['the legacy page for a used request token', page({ url: 'https://api.x.com/oauth/authorize?oauth_token=t', text: 'Whoa there! This page is no longer valid. It looks like…' }), 'error'],
  ])('recognises %s', (_label, snapshot, kind) => {
    expect(classifyPage(snapshot).kind).toBe(kind)
  })

  it.each<[string, string, PageKind]>([
    ['Spanish', 'Tu cuenta está suspendida y no puede realizar esta acción.', 'suspended'],
    ['Japanese', 'アカウントは凍結されています', 'suspended'],
    ['Arabic', 'تم تعليق حسابك', 'suspended'],
    ['Spanish', 'Tu cuenta ha sido bloqueada temporalmente.', 'locked'],
    ['Japanese', 'アカウントはロックされています', 'locked'],
    ['Arabic', 'تم قفل حسابك', 'locked'],
    ['Spanish', 'AIOTT1 quiere acceder a tu cuenta de X.', 'consent_no_button'],
    ['Japanese', 'AIOTT1がXアカウントへのアクセスを求めています', 'consent_no_button'],
    ['Arabic', 'يريد AIOTT1 الوصول إلى حسابك على X', 'consent_no_button'],
  ])('reads a %s page without test ids: %s', (_language, text, kind) => {
    expect(classifyPage(page({ url: 'https://x.com/some/page', text })).kind).toBe(kind)
  })

  it.each([
    ['net::ERR_PROXY_CONNECTION_FAILED', 'PROFILE_PROXY_FAILED'],
    ['ERR_SOCKS_CONNECTION_FAILED', 'PROFILE_PROXY_FAILED'],
    ['ERR_TUNNEL_CONNECTION_FAILED', 'PROFILE_PROXY_FAILED'],
    ['ERR_NAME_NOT_RESOLVED', 'PROFILE_NETWORK_ERROR'],
    ['ERR_TIMED_OUT', 'PROFILE_NETWORK_ERROR'],
    ['ERR_CONNECTION_RESET', 'PROFILE_NETWORK_ERROR'],
  ])('names Chromium’s error page for %s as %s, telling the operator to check the proxy', (error, code) => {
    const classified = classifyPage(page({ url: 'chrome-error://chromewebdata/', text: `This site can’t be reached\n${error}` }))
    expect(classified).toEqual({ kind: 'network_error', detail: error.replace('net::', '') })
    const failure = failureForPage(classified, false)
    expect(failure?.code).toBe(code)
    expect(failure?.message).toMatch(/proxy/)
  })

  it('prefers the account state over a consent button still on screen', () => {
    const snapshot = page({ url: 'https://x.com/account/access', approveButton: { via: 'testid', enabled: true } })
    expect(classifyPage(snapshot).kind).toBe('locked')
  })

  it('keeps what the error page said', () => {
    expect(classifyPage(page({ testIds: ['OAuth_Consent_Error_Detail'], errorDetail: ' Go back and try again. ' }))).toEqual({ kind: 'error', detail: 'Go back and try again.' })
  })
})

describe('failureForPage', () => {
  it.each<[PageKind, string | null]>([
    ['logged_out', 'X_LOGGED_OUT'],
    ['locked', 'X_ACCOUNT_LOCKED'],
    ['suspended', 'X_ACCOUNT_SUSPENDED'],
    ['error', 'TWITTER_API_ERROR'],
    ['consent_ready', null],
    ['consent_pending', null],
    ['unknown', null],
  ])('maps %s to %s at once', (kind, code) => {
    expect(failureForPage({ kind }, false)?.code ?? null).toBe(code)
  })

  it('fails a consent page without a button only once the page has settled', () => {
    expect(failureForPage({ kind: 'consent_no_button' }, false)).toBeNull()
    expect(failureForPage({ kind: 'consent_no_button' }, true)?.code).toBe('CONSENT_BUTTON_NOT_FOUND')
  })

  it('quotes the X error detail for the operator', () => {
    expect(failureForPage({ kind: 'error', detail: 'You weren’t able to give access to the App.' }, false)?.message).toContain('give access to the App')
  })
})
