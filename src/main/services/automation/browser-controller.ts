/**
 * Runs the X consent step inside a profile's already-running browser: attaches over CDP, opens a tab on
 * the authorize URL, watches the page until it can approve (or knows why not), clicks "Authorize app"
 * and captures the redirect before it leaves the browser. Only ever disconnects: the launcher owns the
 * browser's life.
 */
import { timingSafeEqual } from 'node:crypto'
import path from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import {
  AppException,
  AuthorizationTimeoutException,
  BrowserConnectionException,
  DomainException,
  InfrastructureException,
  ValidationException,
} from '../../../shared/errors'
import { withLogContext } from '../../logging/context'
import type { Logger } from '../../logging/logger'
import { ensurePrivateDirAsync, writePrivateFileSync } from '../../security/private-files'
import { describeEndpoint, isCdpEndpoint, type CdpEndpoint } from './cdp-endpoint'
import { derivedConsentGraces } from '../../../shared/consent-timing'
import type { CallbackAnswer } from '../../../shared/contract/sessions'
import { judgeDelivery, watchDelivery, type DeliveryAnswer, type DeliveryWatch } from './callback-delivery'
import { checkSignedInAccount, screenNameOnPage, UNCONFIRMED_FAILURE, type ExpectedAccount, type UndecidedAccount } from './account-check'
import { ConsentPage } from './consent-page'
import { ConsentPageException, watchConsent, type ApprovalProgress, type ConsentWatchOptions } from './consent-watch'
import { profileNetworkFailure } from './network-errors'
import type { PageFailure, PageKind, PageSnapshot } from './page-classifier'
import { interceptRedirects, type CapturedCallback, type RedirectInterceptor } from './redirect-interceptor'

export interface ConsentRequest {
  endpoint: CdpEndpoint
  /** Wraps the connect when the launcher needs to (the cloud browser: GoLogin's rate limit and 429 rule). */
  guardConnect?: <T>(connect: () => Promise<T>) => Promise<T>
  /** X's consent page (or, in pass-through, the app's own sign-in start page that leads there). */
  authorizeUrl: string
  /** The API app's registered callback; navigations to it are captured and aborted (in pass-through: let through). */
  redirectUri: string
  /** What X's redirect must carry: the OAuth 2.0 `state`, or for 1.0a the request token (`oauth_token`). Unused in pass-through. */
  expectedState: string
  /** `oauth2` (default): code + state; `oauth1`: oauth_token + oauth_verifier, or denied. */
  flow?: 'oauth2' | 'oauth1'
  /** Pass-through: the redirect reaches the app's callback; its answer is judged with the success marker. */
  passThrough?: { marker: string | null }
  /**
   * The X account the profile must be signed into, checked before the approve click (see account-check.ts);
   * `ifUndecided`: go on (a later check exists) or fail as ACCOUNT_UNCONFIRMED. Absent: no check.
   */
  account?: { expected: ExpectedAccount; ifUndecided: UndecidedAccount }
  signal?: AbortSignal
  timeoutMs?: number
  /** Where a PNG of the page is saved when the attempt fails; null/absent: no screenshot. */
  screenshotDir?: string | null
  sessionId?: string
}

export type ConsentResult =
  | {
      ok: true
      code: string
      state: string
      /** When the approval request left (epoch ms; else when the redirect was captured): X's 30 s for the code run from no earlier. */
      approvedAt?: number
      /** Pass-through: the callback got X's redirect and answered as expected (code and state are empty). */
      delivered?: CallbackAnswer
      /** The signed-in account's numeric id, when the account check matched (by id, or by screen name with X's session id). */
      signedInUserId?: string | null
    }
  | {
      ok: false
      error: AppException
      screenshotPath: string | null
      pageKind: PageKind | null
      /** Pass-through: what the callback answered, when X's redirect reached it. */
      delivered?: CallbackAnswer
    }

/** The callback as captured, and in pass-through what the callback answered. */
type Captured = CapturedCallback & { answer?: DeliveryAnswer }

/** Grace periods left out are derived from the attempt's time limit (see shared/consent-timing). */
export interface BrowserControllerOptions extends Partial<ConsentWatchOptions> {
  logger: Logger
  /** How to attach to a browser; defaults to puppeteer-core's connect with `defaultViewport: null`. */
  connect?: (endpoint: CdpEndpoint) => Promise<Browser>
  defaultTimeoutMs?: number
  connectTimeoutMs?: number
  screenshotTimeoutMs?: number
  now?: () => number
}

/** How long a redirect may trail X's acceptance of the approval (the page navigates right after the answer). */
const REDIRECT_GRACE_MS = 2_000
/** Pass-through: the longest wait for the app's callback to answer (within the attempt's time limit). */
const CALLBACK_ANSWER_MS = 30_000

const connectWithPuppeteer = (endpoint: CdpEndpoint): Promise<Browser> =>
  puppeteer.connect({ ...endpoint, defaultViewport: null, protocolTimeout: 30_000 })

export class BrowserController {
  constructor(private readonly options: BrowserControllerOptions) {}

  /** Never throws for a failed consent: the failure comes back typed, with a screenshot when one was asked for. */
  authorize(request: ConsentRequest): Promise<ConsentResult> {
    validateRequest(request)
    return withLogContext({ sessionId: request.sessionId }, () => new ConsentAttempt(this.options, request).run())
  }
}

function validateRequest(request: ConsentRequest): void {
  if (!isCdpEndpoint(request.endpoint)) throw new ValidationException('endpoint must be { browserWSEndpoint: ws(s)://… } or { browserURL: http(s)://… }')
  for (const field of ['authorizeUrl', 'redirectUri'] as const) {
    let protocol = ''
    try {
      protocol = new URL(request[field]).protocol
    } catch {
      // reported below
    }
    if (protocol !== 'http:' && protocol !== 'https:') throw new ValidationException(`${field} must be an absolute http(s) URL`, { field })
  }
  if (!request.expectedState && !request.passThrough) throw new ValidationException('expectedState is required', { field: 'expectedState' })
  if (request.timeoutMs !== undefined && !(request.timeoutMs > 0)) throw new ValidationException('timeoutMs must be positive', { field: 'timeoutMs' })
}

function deferred<T>() {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((res) => (resolve = res))
  return { promise, resolve }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let handle: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => (handle = setTimeout(() => resolve(undefined), ms)))
  return Promise.race([work, timeout]).finally(() => clearTimeout(handle))
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** One consent attempt: owns the connection, the tab and the interception, and releases all three. */
class ConsentAttempt {
  private readonly log: Logger
  private readonly now: () => number
  private readonly stop = new AbortController()
  private readonly callback = deferred<CapturedCallback>()
  private readonly startedAt: number
  private lastStepAt: number
  private browser: Browser | null = null
  private page: Page | null = null
  private interceptor: RedirectInterceptor | null = null
  private delivery: DeliveryWatch | null = null
  /** Pass-through: the callback X's redirect sent the browser to. */
  private sentCallback: CapturedCallback | null = null
  private pageKind: PageKind | null = null
  private approval: ApprovalProgress | null = null
  private capturedAt: number | null = null
  /** The account check matched: the signed-in account's id (null when X's session cookie named none). */
  private signedInUserId: string | null = null
  private released = false
  /** Ends the attempt with this error (the browser disconnected). */
  private fail: ((error: unknown) => void) | null = null

  constructor(
    private readonly options: BrowserControllerOptions,
    private readonly request: ConsentRequest,
  ) {
    this.log = options.logger
    this.now = options.now ?? Date.now
    this.startedAt = this.now()
    this.lastStepAt = this.startedAt
  }

  async run(): Promise<ConsentResult> {
    const { signal } = this.request
    if (signal?.aborted) return { ok: false, error: new DomainException('CANCELLED', 'The authorization was cancelled.'), screenshotPath: null, pageKind: null }
    const timeoutMs = this.request.timeoutMs ?? this.options.defaultTimeoutMs ?? 120_000
    let timer: NodeJS.Timeout | undefined
    let onAbort: (() => void) | undefined
    const limits = new Promise<never>((_, reject) => {
      this.fail = reject
      timer = setTimeout(() => reject(this.timeoutError(Math.round(timeoutMs / 1000))), timeoutMs)
      // The caller's own time limit is named like ours, with what the approval was waiting for.
      onAbort = () => {
        const reason: unknown = signal?.reason
        const timedOut = reason instanceof AppException && reason.code === 'AUTH_TIMEOUT'
        reject(timedOut ? this.timeoutError(Number(reason.details?.timeoutSeconds) || Math.round(timeoutMs / 1000)) : new DomainException('CANCELLED', 'The authorization was cancelled.'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    const drive = this.drive(timeoutMs)
    drive.catch(() => undefined) // settles after the race when the attempt is already decided

    let result: ConsentResult
    try {
      result = this.judge(await Promise.race([drive, limits]))
    } catch (err) {
      // X's redirect after the first approval wins over whatever the page or the clock did next.
      const captured = this.interceptor?.captured ?? this.sentCallback ?? (await this.redirectUnderWay())
      result = captured ? this.judge(captured) : this.failure(err)
    } finally {
      clearTimeout(timer)
      if (onAbort) signal?.removeEventListener('abort', onAbort)
      this.stop.abort()
    }
    if (!result.ok) result.screenshotPath = await this.screenshot(result.error)
    await this.release()
    this.log.info(
      'consent.finished',
      { ok: result.ok, errorCode: result.ok ? undefined : result.error.code, pageKind: this.pageKind, totalMs: this.now() - this.startedAt },
      result.ok ? 'Consent captured' : result.error.message,
    )
    return result
  }

  private step(event: string, fields: Record<string, unknown> = {}): void {
    const at = this.now()
    this.log.info(event, { ...fields, ms: at - this.lastStepAt, totalMs: at - this.startedAt })
    this.lastStepAt = at
  }

  /**
   * X accepted the approval (2xx/3xx) but its redirect has not been captured yet: the page may have shown
   * something else a moment before navigating. Give the redirect a moment before judging the page.
   */
  private async redirectUnderWay(): Promise<CapturedCallback | null> {
    const status = this.approval?.status
    if (status == null || status >= 400 || this.released) return null
    return (await withTimeout(this.callback.promise, REDIRECT_GRACE_MS)) ?? null
  }

  /** AUTH_TIMEOUT naming what the page was waiting for: X's answer to the approval, its redirect, or the page. */
  private timeoutError(limitSeconds: number): AppException {
    const approval = this.approval
    if (approval?.sentAt == null || approval.failure) return new AuthorizationTimeoutException(limitSeconds)
    const waited = Math.round((this.now() - approval.sentAt) / 1000)
    const details = { timeoutSeconds: limitSeconds, approvalWaitSeconds: waited, approvalStatus: approval.status }
    if (approval.status === null) return new DomainException('AUTH_TIMEOUT', `X did not answer the approval within ${waited} s.`, { details })
    return new DomainException('AUTH_TIMEOUT', `X answered the approval (HTTP ${approval.status}) but did not redirect to the app within ${waited} s.`, { details })
  }

  private async drive(timeoutMs: number): Promise<Captured> {
    const browser = await this.connect()
    const page = await browser.newPage()
    if (this.released) {
      await page.close().catch(() => undefined)
      throw new DomainException('CANCELLED')
    }
    this.page = page
    await page.bringToFront().catch(() => undefined)
    const onCallback = (callback: CapturedCallback) => {
      this.step(this.delivery ? 'consent.redirect_let_through' : 'consent.redirect_captured', {
        hasCode: Boolean(callback.code ?? callback.oauthVerifier),
        xError: callback.error ?? (callback.denied ? 'denied' : undefined),
      })
      this.capturedAt = this.now()
      this.callback.resolve(callback)
    }
    if (this.request.passThrough) {
      // Pass-through: nothing is intercepted; the app's own callback receives X's redirect.
      this.delivery = watchDelivery(page, this.request.redirectUri)
      void this.delivery.sent.then((callback) => {
        this.sentCallback = callback
        onCallback(callback)
      })
    } else {
      this.interceptor = await interceptRedirects(page, this.request.redirectUri, onCallback)
    }
    this.step('consent.page_opened')
    const captured = await Promise.race([this.callback.promise, this.approve(page, timeoutMs)])
    if (!this.delivery) return captured
    // The consent is over: the watcher must not act on the app's pages while its callback answers.
    this.stop.abort()
    const budget = Math.min(CALLBACK_ANSWER_MS, Math.max(1_000, this.startedAt + timeoutMs - this.now()))
    const answer = await this.delivery.answer(budget)
    this.step('consent.callback_answered', { status: answer.status, failure: answer.failure ?? undefined, requests: this.delivery.requests })
    return { ...captured, answer }
  }

  private async approve(page: Page, timeoutMs: number): Promise<never> {
    try {
      await page.goto(this.request.authorizeUrl, { waitUntil: 'domcontentloaded', timeout: 0, signal: this.stop.signal })
    } catch (err) {
      // Our own abort of a direct redirect to the callback also ends the navigation: that is not a failure.
      if (!this.interceptor?.captured && !this.stop.signal.aborted) throw navigationFailure(err)
      return new Promise<never>(() => undefined)
    }
    this.step('consent.navigated', { path: new URL(page.url()).pathname })
    const derived = derivedConsentGraces(Math.round(timeoutMs / 1000))
    const watchOptions: ConsentWatchOptions = {
      settleIdleMs: this.options.settleIdleMs ?? 500,
      buttonGraceMs: this.options.buttonGraceMs ?? derived.buttonGraceSeconds * 1000,
      disabledGraceMs: this.options.disabledGraceMs ?? derived.disabledGraceSeconds * 1000,
      clickNoEffectMs: this.options.clickNoEffectMs ?? derived.clickRetrySeconds * 1000,
      maxClicks: this.options.maxClicks ?? 3,
    }
    const surface = new ConsentPage(page)
    const hooks = {
      log: this.log,
      now: this.now,
      onPage: (classified: { kind: PageKind }, pagePath: string) => {
        this.pageKind = classified.kind
        this.step('consent.page_classified', { pageKind: classified.kind, path: pagePath })
      },
      onApproval: (progress: Readonly<ApprovalProgress>) => void (this.approval = { ...progress }),
      checkAccount: this.request.account ? (snapshot: PageSnapshot) => this.checkAccount(surface, snapshot) : undefined,
    }
    return watchConsent(surface, watchOptions, hooks, this.stop.signal)
  }

  /** Before the approve click: is the profile signed into the expected X account? A failure means no click at all. */
  private async checkAccount(surface: ConsentPage, snapshot: PageSnapshot): Promise<PageFailure | null> {
    const wanted = this.request.account!
    const userId = await surface.sessionUserId().catch((err: unknown) => {
      this.log.warn('consent.session_unreadable', { err }, 'Could not read X’s session cookie on the consent page')
      return null
    })
    const seen = { userId, screenName: screenNameOnPage(snapshot) }
    const check = checkSignedInAccount(wanted.expected, seen)
    this.step('consent.account_checked', {
      verdict: check.verdict,
      by: check.verdict === 'match' ? check.by : undefined,
      expectedIdKnown: wanted.expected.xUserId !== null,
      signedInId: seen.userId,
      signedInAs: seen.screenName,
    })
    if (check.verdict === 'mismatch') return check.failure
    if (check.verdict === 'match') {
      this.signedInUserId = check.userId
      return null
    }
    return wanted.ifUndecided === 'fail' ? UNCONFIRMED_FAILURE : null
  }

  private async connect(): Promise<Browser> {
    const connect = this.options.connect ?? connectWithPuppeteer
    const where = describeEndpoint(this.request.endpoint)
    const { guardConnect } = this.request
    const attempt = guardConnect ? guardConnect(() => connect(this.request.endpoint)) : connect(this.request.endpoint)
    let browser: Browser | undefined
    try {
      browser = await withTimeout(attempt, this.options.connectTimeoutMs ?? 15_000)
    } catch (err) {
      // GoLogin's own refusal (token revoked at the cloud browser's connect) is named as such.
      if (err instanceof AppException) throw err
      throw new BrowserConnectionException(where, { cause: err })
    }
    if (!browser) {
      // A connection that completes after we gave up must still be let go of.
      attempt.then((late) => late.disconnect()).catch(() => undefined)
      throw new BrowserConnectionException(where, { details: { reason: 'timeout' } })
    }
    if (this.released) {
      await browser.disconnect().catch(() => undefined)
      throw new DomainException('CANCELLED')
    }
    this.browser = browser
    // The browser went away (closed by hand, crashed, connection lost): say so now, not at the time limit.
    browser.once('disconnected', () => {
      if (!this.released) this.fail?.(new BrowserConnectionException(where, { details: { reason: 'disconnected' } }))
    })
    this.step('consent.connected', { endpoint: where })
    return browser
  }

  private judge(callback: Captured): ConsentResult {
    if (this.request.passThrough) return this.judgePassThrough(callback, this.request.passThrough.marker)
    if (this.request.flow === 'oauth1') return this.judgeOAuth1(callback)
    if (!callback.state || !sameSecret(callback.state, this.request.expectedState)) {
      return this.failure(new DomainException('STATE_MISMATCH', 'X redirected with a state that does not belong to this session; the answer was discarded.'))
    }
    if (callback.error === 'access_denied') return this.failure(new DomainException('USER_DENIED'))
    if (callback.error) {
      const description = callback.errorDescription ? `: ${callback.errorDescription.slice(0, 200)}` : ''
      return this.failure(new InfrastructureException('TWITTER_API_ERROR', `X refused the authorization (${callback.error.slice(0, 60)})${description}`))
    }
    if (!callback.code) return this.failure(new InfrastructureException('TWITTER_API_ERROR', 'X redirected without an authorization code.'))
    return { ok: true, code: callback.code, state: callback.state, approvedAt: this.approval?.sentAt ?? this.capturedAt ?? this.now() }
  }

  /** OAuth 1.0a: `oauth_token` must be our request token; `denied=<it>` is the user's refusal. */
  private judgeOAuth1(callback: CapturedCallback): ConsentResult {
    const expected = this.request.expectedState
    const token = callback.denied ?? callback.oauthToken
    if (!token || !sameSecret(token, expected)) {
      return this.failure(new DomainException('STATE_MISMATCH', 'X redirected with an oauth_token that is not this session’s request token; the answer was discarded.'))
    }
    if (callback.denied) return this.failure(new DomainException('USER_DENIED'))
    if (!callback.oauthVerifier) return this.failure(new InfrastructureException('TWITTER_API_ERROR', 'X redirected without an oauth_verifier.'))
    return { ok: true, code: callback.oauthVerifier, state: token, approvedAt: this.approval?.sentAt ?? this.capturedAt ?? this.now() }
  }

  /** Pass-through: X's answer went to the app; the app's answer decides. A denial stays a denial. */
  private judgePassThrough(callback: Captured, marker: string | null): ConsentResult {
    const answer = callback.answer ?? { status: null, url: null, text: '', failure: null }
    const { record, failure } = judgeDelivery(answer, marker, this.request.redirectUri)
    const denied = callback.error === 'access_denied' || callback.denied !== null
    const error = denied
      ? new DomainException('USER_DENIED', 'The authorization was denied on the X consent page; X’s answer went to the app’s callback.')
      : callback.error
        ? new InfrastructureException('TWITTER_API_ERROR', `X refused the authorization (${callback.error.slice(0, 60)}); X’s answer went to the app’s callback.`)
        : failure
    if (error) return { ...(this.failure(error) as Extract<ConsentResult, { ok: false }>), delivered: record }
    return { ok: true, code: '', state: '', approvedAt: this.approval?.sentAt ?? this.capturedAt ?? this.now(), delivered: record, signedInUserId: this.signedInUserId }
  }

  private failure(err: unknown): ConsentResult {
    if (err instanceof ConsentPageException) return { ok: false, error: err.error, screenshotPath: null, pageKind: err.pageKind }
    return { ok: false, error: this.toAppException(err), screenshotPath: null, pageKind: this.pageKind }
  }

  private toAppException(err: unknown): AppException {
    if (err instanceof AppException) return err
    if (this.browser && !this.browser.connected) {
      return new BrowserConnectionException(describeEndpoint(this.request.endpoint), { cause: err, details: { reason: 'disconnected' } })
    }
    if (this.page?.isClosed()) {
      return new InfrastructureException('BROWSER_CONNECTION_FAILED', 'The consent tab was closed in the profile’s browser before X answered.', { cause: err })
    }
    return new InfrastructureException('INTERNAL_ERROR', undefined, { cause: err })
  }

  private async screenshot(error: AppException): Promise<string | null> {
    const dir = this.request.screenshotDir
    const page = this.page
    if (!dir || !page || page.isClosed() || !this.browser?.connected) return null
    const safeSession = (this.request.sessionId ?? 'consent').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)
    const file = path.join(dir, `${safeSession}-${error.code.toLowerCase()}-${this.now()}.png`)
    try {
      await ensurePrivateDirAsync(dir)
      // Taken as bytes and written here: puppeteer's own write would leave the file to the umask (0644).
      const png = await withTimeout(page.screenshot({ type: 'png' }), this.options.screenshotTimeoutMs ?? 5_000)
      if (!png) return null
      writePrivateFileSync(file, png)
      this.log.info('consent.screenshot_saved', { file })
      return file
    } catch (err) {
      this.log.warn('consent.screenshot_failed', { err })
      return null
    }
  }

  private async release(): Promise<void> {
    this.released = true
    // Close the tab while interception is still on, so a late redirect cannot reach the app's callback.
    if (this.page && !this.page.isClosed()) await withTimeout(this.page.close().catch(() => undefined), 5_000)
    await this.interceptor?.stop()
    this.delivery?.stop()
    if (this.browser) await this.browser.disconnect().catch(() => undefined)
  }
}

/** Why opening the consent page failed: the profile's proxy or network (by Chromium's error), else the browser. */
function navigationFailure(err: unknown): AppException {
  const text = String((err as Error)?.message ?? err)
  const network = profileNetworkFailure(text, 'opening the X consent page', err)
  if (network) return network
  const reason = /net::ERR_[A-Z0-9_]+/.exec(text)?.[0]
  if (reason) return new InfrastructureException('PROFILE_NETWORK_ERROR', `The profile’s browser could not open the X consent page (${reason}).`, { cause: err })
  return new InfrastructureException('BROWSER_CONNECTION_FAILED', 'The profile’s browser stopped while opening the X consent page.', { cause: err })
}
