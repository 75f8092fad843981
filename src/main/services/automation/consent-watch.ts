/**
 * Drives the consent tab until X redirects: classifies every change of the page (event-driven, no
 * polling sleeps), clicks the approve control once it is enabled, and fails fast with the code the page
 * shows (logged out, locked, suspended, error, no button, a button that stays disabled). Never resolves:
 * the redirect ends it, or a failure rejects it.
 *
 * One approval per page load, as on X: after a click the page's requests are watched, and once the
 * approval request (the POST that follows the click) has left, the button is never clicked again — a
 * second approval would take the page's one-time authorization and undo the first. A click is repeated
 * only when it demonstrably sent nothing and the button is still enabled (an overlay took it, the page
 * was not ready), at most `maxClicks` clicks in all. Once a click happened, failures name the approval's
 * fate, never a missing button.
 */
import { DomainException, InfrastructureException, type AppException, type ErrorCode } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { networkFailureFor } from './network-errors'
import {
  classifyPage,
  failureForPage,
  type ApproveControlKind,
  type PageClassification,
  type PageFailure,
  type PageKind,
  type PageSnapshot,
} from './page-classifier'

export interface SnapshotChange {
  fingerprint: string
  snapshot: PageSnapshot
}

/** A request of the consent tab, as its network reports it. */
export interface PageRequest {
  id: string
  method: string
  url: string
  /** A navigation of the main frame (a form post, a link, a script navigation). */
  navigation: boolean
}

export type NetworkEvent =
  | { type: 'sent'; request: PageRequest }
  | { type: 'answered'; request: PageRequest; status: number }
  | { type: 'failed'; request: PageRequest; errorText: string }

/** The consent tab as the watcher needs it (ConsentPage over puppeteer; a fake in unit tests). */
export interface ConsentSurface {
  snapshot(): Promise<SnapshotChange>
  /** Resolves with the next snapshot that differs from `previousFingerprint` (re-armed across navigations). */
  waitForChange(previousFingerprint: string | null, signal: AbortSignal): Promise<SnapshotChange>
  /** Resolves once the page's network has been quiet for `idleMs`. */
  waitForNetworkIdle(idleMs: number, signal: AbortSignal): Promise<void>
  /** Clicks the approve control; null when there is none. */
  clickApprove(): Promise<ApproveControlKind | null>
  /** Reports each request the page sends, and its answer or failure; returns the unsubscribe. */
  watchNetwork(listener: (event: NetworkEvent) => void): () => void
}

export interface ConsentWatchOptions {
  /** Network quiet this long means the page has settled (a missing button will not appear any more). */
  settleIdleMs: number
  /** A consent page without button, or an unknown page, fails this long after the page opened (before any click). */
  buttonGraceMs: number
  /** An approve button still disabled this long after it appeared fails as CONSENT_BUTTON_DISABLED. */
  disabledGraceMs: number
  /** A click that sent no request within this time, on a button still enabled, is repeated. */
  clickNoEffectMs: number
  /** Clicks in all (the first and the repeats of clicks that did nothing). */
  maxClicks: number
}

/** Where the approval stands; the controller names a timeout with it. */
export interface ApprovalProgress {
  clicks: number
  /** When the approval request left (epoch ms); null: not yet. */
  sentAt: number | null
  /** X's HTTP status for it, once answered. */
  status: number | null
  /** The browser's error for it (`net::ERR_…`), if it failed. */
  failure: string | null
}

export interface ConsentWatchHooks {
  log: Logger
  onPage(page: PageClassification, path: string): void
  onApproval?(progress: Readonly<ApprovalProgress>): void
  /**
   * Checks which X account the page is signed into, once, before the first approve click: a failure
   * (ACCOUNT_MISMATCH, ACCOUNT_UNCONFIRMED) ends the watch without any click. Absent: no check.
   */
  checkAccount?(snapshot: PageSnapshot): Promise<PageFailure | null>
  now?: () => number
}

/** An AppException that knows which page kind caused it. */
export class ConsentPageException extends Error {
  constructor(
    readonly error: AppException,
    readonly pageKind: PageKind,
  ) {
    super(error.message)
  }
}

const INFRASTRUCTURE_CODES = new Set<ErrorCode>([
  'TWITTER_API_ERROR', 'CONSENT_BUTTON_NOT_FOUND', 'CONSENT_BUTTON_DISABLED', 'CONSENT_APPROVAL_FAILED', 'PROFILE_PROXY_FAILED', 'PROFILE_NETWORK_ERROR',
])

export function pageException(failure: PageFailure, kind: PageKind, path: string): ConsentPageException {
  const details = { pageKind: kind, pagePath: path }
  const error = INFRASTRUCTURE_CODES.has(failure.code)
    ? new InfrastructureException(failure.code, failure.message, { details })
    : new DomainException(failure.code, failure.message, { details })
  return new ConsentPageException(error, kind)
}

export function watchConsent(surface: ConsentSurface, options: ConsentWatchOptions, hooks: ConsentWatchHooks, signal: AbortSignal): Promise<never> {
  return new ConsentWatch(surface, options, hooks, signal).run()
}

const NEVER = new Promise<never>(() => undefined)
/** The approval request is the first POST after a click, or one whose URL says it is an authorization. */
const APPROVAL_URL = /oauth|authoriz/i

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}

/** Wake-ups from timers and the network, waited on together with the page's own changes. */
class Wakes {
  private queued = 0
  private pending: Promise<void> | null = null
  private resolve: (() => void) | null = null

  push(): void {
    if (this.resolve) {
      const resolve = this.resolve
      this.resolve = null
      this.pending = null
      resolve()
    } else this.queued++
  }

  /** The same promise until it resolves, so a race lost to a page change drops no wake-up. */
  next(): Promise<void> {
    if (this.queued > 0) {
      this.queued--
      return Promise.resolve()
    }
    this.pending ??= new Promise<void>((resolve) => (this.resolve = resolve))
    return this.pending
  }
}

interface Approval extends ApprovalProgress {
  requestId: string
  path: string
}

class ConsentWatch {
  private readonly now: () => number
  private readonly log: Logger
  private readonly wakes = new Wakes()
  private readonly timers = new Set<NodeJS.Timeout>()
  private settled = false
  private graceOver = false
  private lastKind: PageKind | null = null
  private clicks = 0
  private lastClickAt = 0
  private clickUrl = ''
  /** The last click sent a request (a POST or a navigation) or changed the page. */
  private clickHadEffect = false
  private clickNoEffectDue = false
  private disabledSince: number | null = null
  private disabledOver = false
  private approval: Approval | null = null
  private approvalSettled = false
  /** A request of the page that failed on the network (e.g. the metadata call through a dead proxy). */
  private pageRequestFailure: string | null = null
  /** The signed-in account was checked and is the expected one. */
  private accountChecked = false

  constructor(
    private readonly surface: ConsentSurface,
    private readonly options: ConsentWatchOptions,
    private readonly hooks: ConsentWatchHooks,
    private readonly signal: AbortSignal,
  ) {
    this.now = hooks.now ?? Date.now
    this.log = hooks.log
  }

  async run(): Promise<never> {
    const unwatch = this.surface.watchNetwork((event) => this.onNetwork(event))
    try {
      this.whenIdle(() => (this.settled = true))
      this.after(this.options.buttonGraceMs, () => (this.graceOver = true))
      let fingerprint: string | null = null
      while (!this.signal.aborted) {
        const change = new AbortController()
        const onStop = () => change.abort()
        this.signal.addEventListener('abort', onStop, { once: true })
        let event: SnapshotChange | void
        try {
          event = await Promise.race([
            this.surface.waitForChange(fingerprint, change.signal).catch((err) => (change.signal.aborted ? NEVER : Promise.reject(err))),
            this.wakes.next(),
          ])
        } finally {
          change.abort()
          this.signal.removeEventListener('abort', onStop)
        }
        if (this.signal.aborted) break
        // A navigation can destroy the context mid-evaluation; the next change event brings the new page.
        const current: SnapshotChange | null = event ?? (await this.surface.snapshot().catch(() => null))
        if (!current) continue
        fingerprint = current.fingerprint
        await this.decide(current.snapshot)
      }
    } finally {
      unwatch()
      for (const timer of this.timers) clearTimeout(timer)
      this.timers.clear()
    }
    return NEVER
  }

  private async decide(snapshot: PageSnapshot): Promise<void> {
    const path = pathOf(snapshot.url)
    const page = classifyPage(snapshot)
    if (page.kind !== this.lastKind) {
      this.lastKind = page.kind
      this.hooks.onPage(page, path)
    }
    const fail = (failure: PageFailure) => pageException(failure, page.kind, path)
    if (page.kind === 'logged_out' || page.kind === 'locked' || page.kind === 'suspended' || page.kind === 'network_error') {
      throw fail(failureForPage(page, true)!)
    }
    if (page.kind === 'error') {
      if (this.clicks === 0) throw fail(failureForPage(page, true)!)
      throw fail({ code: 'CONSENT_APPROVAL_FAILED', message: `X did not accept the approval${page.detail ? `: ${page.detail.slice(0, 200)}` : '.'}` })
    }
    if (this.approval) return this.awaitApproval(fail)
    if (this.clicks > 0) return this.afterSilentClick(page, snapshot, fail)

    const failure = failureForPage(page, this.settled || this.graceOver)
    if (failure) throw fail(failure)
    if (this.graceOver && page.kind === 'unknown') {
      throw fail({ code: 'CONSENT_BUTTON_NOT_FOUND', message: 'The consent page never showed an “Authorize app” button.' })
    }
    if (page.kind === 'consent_pending') this.buttonDisabled(fail)
    if (page.kind !== 'consent_ready') return
    if (!this.accountChecked && this.hooks.checkAccount) {
      const wrong = await this.hooks.checkAccount(snapshot)
      if (wrong) throw fail(wrong)
      this.accountChecked = true
    }
    await this.click(snapshot)
  }

  /** The button is disabled (X still loads the page's data): wait, up to the disabled grace. */
  private buttonDisabled(fail: (failure: PageFailure) => ConsentPageException): void {
    if (this.disabledSince === null) {
      this.disabledSince = this.now()
      const clickAtStart = this.clicks
      this.after(this.options.disabledGraceMs, () => {
        if (this.clicks === clickAtStart) this.disabledOver = true
      })
    }
    if (!this.disabledOver) return
    const seconds = Math.round((this.now() - this.disabledSince) / 1000)
    // The page's own data call failing through the proxy is the real cause, when it happened.
    const cause = this.pageRequestFailure ? networkFailureFor(this.pageRequestFailure, 'loading the consent page’s data') : null
    throw fail(cause ?? { code: 'CONSENT_BUTTON_DISABLED', message: `The “Authorize app” button stayed disabled for ${seconds} s: X did not finish loading the consent page.` })
  }

  /** Clicked, but no request has left yet: repeat only a click that demonstrably did nothing. */
  private async afterSilentClick(page: PageClassification, snapshot: PageSnapshot, fail: (failure: PageFailure) => ConsentPageException): Promise<void> {
    if (page.kind === 'consent_pending') return this.buttonDisabled(fail)
    if (!this.clickNoEffectDue || this.clickHadEffect) return
    // Only the same page with the button still enabled proves the click went nowhere.
    if (page.kind !== 'consent_ready' || snapshot.url !== this.clickUrl) return
    if (this.clicks >= this.options.maxClicks) {
      throw fail({
        code: 'CONSENT_APPROVAL_FAILED',
        message: `Clicked “Authorize app” ${this.clicks} times; the page sent no approval request (the button is still enabled).`,
      })
    }
    const reason = `the click ${Math.round((this.now() - this.lastClickAt) / 100) / 10} s ago sent no request and the button is still enabled`
    this.log.info('consent.approve_reclicked', { clicks: this.clicks + 1, reason })
    await this.click(snapshot)
  }

  /** The approval left: never click again; fail only on X's answer or the page's. */
  private awaitApproval(fail: (failure: PageFailure) => ConsentPageException): void {
    const approval = this.approval!
    if (approval.failure) {
      const network = networkFailureFor(approval.failure, 'sending the approval to X')
      if (network) throw fail(network)
      if (this.approvalSettled) throw fail({ code: 'CONSENT_APPROVAL_FAILED', message: `The approval request failed in the browser (${approval.failure}).` })
      return
    }
    if (approval.status !== null && approval.status >= 400 && this.approvalSettled) {
      throw fail({ code: 'CONSENT_APPROVAL_FAILED', message: `X refused the approval (HTTP ${approval.status}) and did not redirect to the app.` })
    }
    // Answered with a redirect or still in flight: the redirect ends the watch, the time limit names a silent X.
  }

  private async click(snapshot: PageSnapshot): Promise<void> {
    this.clicks++
    this.lastClickAt = this.now()
    this.clickUrl = snapshot.url
    this.clickHadEffect = false
    this.clickNoEffectDue = false
    this.disabledSince = null
    this.disabledOver = false
    const clickNumber = this.clicks
    this.after(this.options.clickNoEffectMs, () => {
      if (this.clicks === clickNumber) this.clickNoEffectDue = true
    })
    this.reportApproval()
    const via = await this.surface.clickApprove().catch((err: unknown) => {
      this.log.warn('consent.approve_click_failed', { err, clicks: clickNumber })
      return null
    })
    if (via) this.log.info('consent.approve_clicked', { via, clicks: clickNumber })
  }

  private onNetwork(event: NetworkEvent): void {
    const approval = this.approval
    if (event.type === 'sent') {
      if (this.clicks === 0 || (event.request.method === 'GET' && !event.request.navigation)) return
      this.clickHadEffect = true
      // A page's background POST may come first; the request that names the authorization is the approval.
      const better = approval && approval.status === null && !APPROVAL_URL.test(approval.path) && APPROVAL_URL.test(pathOf(event.request.url))
      if (approval && !better) return
      const path = pathOf(event.request.url)
      this.approval = { requestId: event.request.id, path, clicks: this.clicks, sentAt: this.now(), status: null, failure: null }
      this.log.info('consent.approval_sent', { method: event.request.method, path, msAfterClick: this.now() - this.lastClickAt })
      this.reportApproval()
      return
    }
    if (!approval || event.request.id !== approval.requestId) {
      if (event.type === 'failed' && !approval) this.pageRequestFailure = event.errorText
      return
    }
    if (event.type === 'answered') {
      approval.status = event.status
      this.log.info('consent.approval_answered', { status: event.status, ms: this.now() - (approval.sentAt ?? this.now()) })
    } else {
      approval.failure = event.errorText
      this.log.warn('consent.approval_failed', { error: event.errorText, ms: this.now() - (approval.sentAt ?? this.now()) })
    }
    this.reportApproval()
    // A refusal or a failure is judged once the page has settled on whatever it shows next.
    if (approval.failure || (approval.status ?? 0) >= 400) this.whenIdle(() => (this.approvalSettled = true))
    this.wakes.push()
  }

  private reportApproval(): void {
    const a = this.approval
    this.hooks.onApproval?.({ clicks: this.clicks, sentAt: a?.sentAt ?? null, status: a?.status ?? null, failure: a?.failure ?? null })
  }

  private after(ms: number, then: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      then()
      this.wakes.push()
    }, ms)
    this.timers.add(timer)
  }

  private whenIdle(then: () => void): void {
    this.surface.waitForNetworkIdle(this.options.settleIdleMs, this.signal).then(
      () => {
        then()
        this.wakes.push()
      },
      () => undefined,
    )
  }
}
