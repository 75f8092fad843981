/**
 * A scripted X consent tab for the watcher's unit tests: the approve button is disabled until the
 * page's metadata answers, a click on the enabled button posts the approval (as the form does), and
 * the approval endpoint honours one approval per page load like X: the first POST takes the page's
 * authorization, a second one is refused with an error page, and a second form post cancels the first
 * one's navigation in the browser (its redirect never arrives). The redirect to the app is what the
 * controller's interceptor would capture: `redirected` resolves with it.
 */
import type { ConsentSurface, NetworkEvent, PageRequest, SnapshotChange } from '../../../src/main/services/automation/consent-watch'
import type { ApproveControlKind, PageSnapshot } from '../../../src/main/services/automation/page-classifier'

export interface FakeTabScript {
  /** When the metadata call answers and the button becomes enabled; null: never. */
  metadataMs: number | null
  /** How long X takes to answer an approval. */
  approvalAnswerMs: number
  /** Whether click number n (from 1) reaches the button; false models an overlay taking it. */
  clickLands?: (n: number) => boolean
  /** The first approval's answer: a redirect to the app (default), an error status, or a browser network error. */
  approval?: { redirect: true } | { status: number; message: string } | { networkError: string }
}

const CONSENT_URL = 'https://x.com/i/oauth2/authorize?client_id=c'

function fingerprinted(snapshot: PageSnapshot): SnapshotChange {
  return { fingerprint: JSON.stringify(snapshot), snapshot }
}

export class FakeConsentTab implements ConsentSurface {
  /** Approval requests that reached X. */
  approvalRequests = 0
  clicks = 0
  readonly redirected: Promise<{ code: string }>
  private resolveRedirect!: (value: { code: string }) => void
  private current: SnapshotChange
  private readonly changeWaiters = new Set<() => void>()
  private readonly listeners = new Set<(event: NetworkEvent) => void>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private authorizationUsed = false
  private inFlight: { request: PageRequest; cancelled: boolean } | null = null
  private requestSeq = 0

  constructor(private readonly script: FakeTabScript) {
    this.redirected = new Promise((resolve) => (this.resolveRedirect = resolve))
    this.current = fingerprinted(this.consentSnapshot(false))
    if (script.metadataMs !== null) this.later(script.metadataMs, () => this.show(this.consentSnapshot(true)))
  }

  async snapshot(): Promise<SnapshotChange> {
    return this.current
  }

  waitForChange(previousFingerprint: string | null, signal: AbortSignal): Promise<SnapshotChange> {
    if (this.current.fingerprint !== previousFingerprint) return Promise.resolve(this.current)
    return new Promise((resolve, reject) => {
      const waiter = () => {
        if (this.current.fingerprint === previousFingerprint) return
        this.changeWaiters.delete(waiter)
        resolve(this.current)
      }
      this.changeWaiters.add(waiter)
      signal.addEventListener('abort', () => (this.changeWaiters.delete(waiter), reject(new Error('aborted'))), { once: true })
    })
  }

  waitForNetworkIdle(idleMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (signal.aborted) return
        if (this.inFlight) this.later(idleMs, check)
        else resolve()
      }
      this.later(idleMs, check)
    })
  }

  async clickApprove(): Promise<ApproveControlKind | null> {
    this.clicks++
    const button = this.current.snapshot.approveButton
    if (!button) return null
    const lands = this.script.clickLands?.(this.clicks) ?? true
    if (!lands || !button.enabled) return 'testid'
    // The form posts: a second post replaces the first navigation, whose answer the browser then drops.
    if (this.inFlight) {
      this.inFlight.cancelled = true
      this.emit({ type: 'failed', request: this.inFlight.request, errorText: 'net::ERR_ABORTED' })
    }
    const request: PageRequest = { id: `r${++this.requestSeq}`, method: 'POST', url: 'https://x.com/i/oauth2/authorize/approve', navigation: true }
    const flight = { request, cancelled: false }
    this.inFlight = flight
    this.approvalRequests++
    const first = !this.authorizationUsed
    this.authorizationUsed = true
    this.emit({ type: 'sent', request })
    this.later(this.script.approvalAnswerMs, () => {
      if (flight.cancelled) return
      this.inFlight = null
      const outcome = first ? (this.script.approval ?? { redirect: true }) : { status: 400, message: 'Something went wrong. You weren’t able to give access to the App.' }
      if ('redirect' in outcome) {
        this.emit({ type: 'answered', request, status: 302 })
        this.resolveRedirect({ code: `code-of-request-${request.id}` })
      } else if ('networkError' in outcome) {
        this.emit({ type: 'failed', request, errorText: outcome.networkError })
        this.show({ url: 'chrome-error://chromewebdata/', testIds: [], text: `This site can’t be reached\n${outcome.networkError.replace('net::', '')}`, approveButton: null })
      } else {
        this.emit({ type: 'answered', request, status: outcome.status })
        this.show({ url: 'https://x.com/i/oauth2/authorize/approve', testIds: ['OAuth_Consent_Error_Detail'], text: outcome.message, approveButton: null, errorDetail: outcome.message })
      }
    })
    return 'testid'
  }

  watchNetwork(listener: (event: NetworkEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The page navigates somewhere else (any snapshot). */
  show(snapshot: PageSnapshot): void {
    this.current = fingerprinted(snapshot)
    for (const waiter of [...this.changeWaiters]) waiter()
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private consentSnapshot(enabled: boolean): PageSnapshot {
    return {
      url: CONSENT_URL,
      testIds: ['OAuth_Consent_Button', 'OAuth_Consent_Cancel_Button'],
      text: 'An app wants to access your X account.',
      approveButton: { via: 'testid', enabled },
      errorDetail: null,
    }
  }

  private emit(event: NetworkEvent): void {
    for (const listener of this.listeners) listener(event)
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      run()
    }, ms)
    this.timers.add(timer)
  }
}
