/**
 * The consent watcher against a scripted tab (no browser): one approval per page load whatever X's
 * latency, re-clicks only for clicks that demonstrably did nothing, and the outcome of the first
 * approval named as it happened.
 */
import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { ConsentPageException, watchConsent, type ConsentWatchHooks, type ConsentWatchOptions } from '../../../src/main/services/automation/consent-watch'
import { FakeConsentTab, type FakeTabScript } from './fake-consent-tab'

const OPTIONS: ConsentWatchOptions = { settleIdleMs: 30, buttonGraceMs: 5_000, disabledGraceMs: 5_000, clickNoEffectMs: 100, maxClicks: 3 }

type Outcome = { ok: true; code: string } | { ok: false; code: string; message: string; pageKind: string }

async function watch(script: FakeTabScript, options: Partial<ConsentWatchOptions> = {}, hooks: Partial<ConsentWatchHooks> = {}) {
  const tab = new FakeConsentTab(script)
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const stop = new AbortController()
  const watching = watchConsent(tab, { ...OPTIONS, ...options }, { log: logs.logger('consent'), onPage: () => undefined, ...hooks }, stop.signal)
  try {
    const outcome: Outcome = await Promise.race([
      tab.redirected.then(({ code }) => ({ ok: true as const, code })),
      watching.catch((err: unknown) => {
        if (!(err instanceof ConsentPageException)) throw err
        return { ok: false as const, code: err.error.code, message: err.error.message, pageKind: err.pageKind }
      }),
    ])
    return { outcome, tab, events: logs.ring.recent() }
  } finally {
    stop.abort()
    tab.close()
  }
}

describe('watchConsent', () => {
  it('checks the signed-in account once the button is ready, and never clicks when it is another account', async () => {
    const checked: boolean[] = []
    const wrong = await watch({ metadataMs: 20, approvalAnswerMs: 50 }, {}, {
      checkAccount: async (snapshot) => (checked.push(snapshot.approveButton?.enabled ?? false), { code: 'ACCOUNT_MISMATCH', message: 'The profile is signed into @other on X, not @me; nothing was approved.' }),
    })
    expect(wrong.outcome).toMatchObject({ ok: false, code: 'ACCOUNT_MISMATCH', pageKind: 'consent_ready' })
    expect(checked).toEqual([true])
    expect(wrong.tab.clicks).toBe(0)
    expect(wrong.tab.approvalRequests).toBe(0)

    let checks = 0
    const right = await watch({ metadataMs: 20, approvalAnswerMs: 50, clickLands: (n) => n >= 2 }, {}, { checkAccount: async () => (checks++, null) })
    expect(right.outcome).toEqual({ ok: true, code: 'code-of-request-r1' })
    // Checked once, not again before the re-click.
    expect(checks).toBe(1)
    expect(right.tab.clicks).toBe(2)
  })

  it('sends exactly one approval when X answers it long after the re-click time, and the first approval’s redirect wins', async () => {
    // X takes 8× the no-effect time to answer; a second click would take the page's one authorization.
    const { outcome, tab } = await watch({ metadataMs: 20, approvalAnswerMs: 800 })

    expect(outcome).toEqual({ ok: true, code: 'code-of-request-r1' })
    expect(tab.approvalRequests).toBe(1)
    expect(tab.clicks).toBe(1)
  })

  it('re-clicks a click that sent nothing while the button stays enabled, says why, and stops at the first request', async () => {
    const { outcome, tab, events } = await watch({ metadataMs: 20, approvalAnswerMs: 50, clickLands: (n) => n >= 2 })

    expect(outcome).toEqual({ ok: true, code: 'code-of-request-r1' })
    expect(tab.clicks).toBe(2)
    expect(tab.approvalRequests).toBe(1)
    const reclicks = events.filter((e) => e.event === 'consent.approve_reclicked')
    expect(reclicks).toHaveLength(1)
    expect(reclicks[0].fields).toMatchObject({ clicks: 2, reason: expect.stringContaining('no request') })
  })

  it('clicks at most three times when no click does anything, then says the page sent no approval', async () => {
    const { outcome, tab } = await watch({ metadataMs: 20, approvalAnswerMs: 50, clickLands: () => false })

    expect(outcome).toMatchObject({ ok: false, code: 'CONSENT_APPROVAL_FAILED', message: expect.stringContaining('no approval request') })
    expect(tab.clicks).toBe(3)
    expect(tab.approvalRequests).toBe(0)
  })

  it('fails with CONSENT_BUTTON_DISABLED when the button stays disabled past its grace period', async () => {
    const { outcome, tab } = await watch({ metadataMs: null, approvalAnswerMs: 50 }, { disabledGraceMs: 150 })

    expect(outcome).toMatchObject({ ok: false, code: 'CONSENT_BUTTON_DISABLED', pageKind: 'consent_pending' })
    expect(tab.clicks).toBe(0)
  })

  it('waits for metadata slower than the no-effect time and the button grace would suggest, within the disabled grace', async () => {
    const { outcome, tab } = await watch({ metadataMs: 400, approvalAnswerMs: 300 }, { buttonGraceMs: 100, disabledGraceMs: 2_000 })

    expect(outcome).toEqual({ ok: true, code: 'code-of-request-r1' })
    expect(tab.approvalRequests).toBe(1)
  })

  it('names X’s refusal of the approval CONSENT_APPROVAL_FAILED with X’s words, not a missing button', async () => {
    const { outcome } = await watch({ metadataMs: 20, approvalAnswerMs: 50, approval: { status: 400, message: 'This request looks like it might be automated.' } })

    expect(outcome).toMatchObject({ ok: false, code: 'CONSENT_APPROVAL_FAILED', message: expect.stringContaining('This request looks like it might be automated.') })
  })

  it('names a proxy failure of the approval request PROFILE_PROXY_FAILED', async () => {
    const { outcome } = await watch({ metadataMs: 20, approvalAnswerMs: 50, approval: { networkError: 'net::ERR_TUNNEL_CONNECTION_FAILED' } })

    expect(outcome).toMatchObject({ ok: false, code: 'PROFILE_PROXY_FAILED', message: expect.stringContaining('ERR_TUNNEL_CONNECTION_FAILED') })
  })

  it('never reports a missing button once the button was clicked, however long the redirect takes', async () => {
    const tab = new FakeConsentTab({ metadataMs: 20, approvalAnswerMs: 10_000 })
    const stop = new AbortController()
    let failure: unknown = null
    const clicked = new Promise<void>((resolve) => tab.watchNetwork((event) => event.type === 'sent' && resolve()))
    void watchConsent(tab, { ...OPTIONS, buttonGraceMs: 100 }, { log: new LogSystem({ dir: null }).logger('consent'), onPage: () => undefined }, stop.signal).catch((err) => (failure = err))
    await clicked
    // The page moves on to something unrecognisable while the approval is in flight; its grace runs out.
    tab.show({ url: 'https://x.com/i/oauth2/authorize/approve', testIds: [], text: '', approveButton: null })
    await new Promise((resolve) => setTimeout(resolve, 400))
    stop.abort()
    tab.close()
    expect(failure).toBeNull()
    expect(tab.approvalRequests).toBe(1)
  })
})
