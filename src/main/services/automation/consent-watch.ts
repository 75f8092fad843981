/**
 * Drives the consent tab until X redirects: classifies every change of the page (event-driven, no
 * polling sleeps), clicks the approve control once it is enabled, and fails fast with the code the page
 * shows (logged out, locked, suspended, error, no button). Never resolves: the redirect ends it, or a
 * failure rejects it.
 */
import { DomainException, InfrastructureException, type AppException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { classifyPage, failureForPage, type ApproveControlKind, type PageClassification, type PageFailure, type PageKind, type PageSnapshot } from './page-classifier'

export interface SnapshotChange {
  fingerprint: string
  snapshot: PageSnapshot
}

/** The consent tab as the watcher needs it (ConsentPage over puppeteer; a fake in unit tests). */
export interface ConsentSurface {
  snapshot(): Promise<SnapshotChange>
  /** Resolves with the next snapshot that differs from `previousFingerprint` (re-armed across navigations). */
  waitForChange(previousFingerprint: string | null, signal: AbortSignal): Promise<SnapshotChange>
  /** Resolves once the page's network has been quiet for `idleMs`. */
  waitForNetworkIdle(idleMs: number, signal: AbortSignal): Promise<void>
  /** Clicks the approve control; null when there is none. */
  clickApprove(): Promise<ApproveControlKind | null>
}

export interface ConsentWatchOptions {
  /** Network quiet this long means the page has settled (a missing button will not appear any more). */
  settleIdleMs: number
  /** A consent page without button, or an unknown page, fails this long after the page opened even if it never settled. */
  buttonGraceMs: number
  /** If X has not redirected this long after a click on an enabled button, click again (at most `maxClicks`). */
  reclickAfterMs: number
  maxClicks: number
}

export interface ConsentWatchHooks {
  log: Logger
  onPage(page: PageClassification, path: string): void
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

type Wake = 'settled' | 'grace' | 'reclick'
const NEVER = new Promise<never>(() => undefined)

function timer(ms: number, value: Wake, signal: AbortSignal): Promise<Wake> {
  return new Promise((resolve) => {
    const handle = setTimeout(() => resolve(value), ms)
    signal.addEventListener('abort', () => clearTimeout(handle), { once: true })
  })
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}

export function pageException(failure: PageFailure, kind: PageKind, path: string): ConsentPageException {
  const details = { pageKind: kind, pagePath: path }
  const error =
    failure.code === 'TWITTER_API_ERROR' || failure.code === 'CONSENT_BUTTON_NOT_FOUND'
      ? new InfrastructureException(failure.code, failure.message, { details })
      : new DomainException(failure.code, failure.message, { details })
  return new ConsentPageException(error, kind)
}

export async function watchConsent(consent: ConsentSurface, options: ConsentWatchOptions, hooks: ConsentWatchHooks, signal: AbortSignal): Promise<never> {
  let settle: Promise<Wake> | null = consent
    .waitForNetworkIdle(options.settleIdleMs, signal)
    .then(() => 'settled' as const, () => NEVER)
  let grace: Promise<Wake> | null = timer(options.buttonGraceMs, 'grace', signal)
  let reclick: Promise<Wake> | null = null
  let settled = false
  let graceOver = false
  let clicks = 0
  let fingerprint: string | null = null
  let lastKind: PageKind | null = null

  while (!signal.aborted) {
    const change = new AbortController()
    const onStop = () => change.abort()
    signal.addEventListener('abort', onStop, { once: true })
    const racers: Array<Promise<SnapshotChange | Wake>> = [consent.waitForChange(fingerprint, change.signal).catch((err) => (change.signal.aborted ? NEVER : Promise.reject(err)))]
    for (const wake of [settle, grace, reclick]) if (wake) racers.push(wake)
    let event: SnapshotChange | Wake
    try {
      event = await Promise.race(racers)
    } finally {
      change.abort()
      signal.removeEventListener('abort', onStop)
    }
    if (signal.aborted) break

    if (event === 'settled') {
      settle = null
      settled = true
    } else if (event === 'grace') {
      grace = null
      graceOver = true
    } else if (event === 'reclick') {
      reclick = null
    }
    // A navigation can destroy the context mid-evaluation; the next change event brings the new page.
    const snapshot = typeof event === 'string' ? await consent.snapshot().catch(() => null) : event
    if (!snapshot) continue
    fingerprint = snapshot.fingerprint

    const path = pathOf(snapshot.snapshot.url)
    const classified = classifyPage(snapshot.snapshot)
    if (classified.kind !== lastKind) {
      lastKind = classified.kind
      hooks.onPage(classified, path)
    }
    let failure = failureForPage(classified, settled || graceOver)
    if (!failure && graceOver && classified.kind === 'unknown') {
      failure = { code: 'CONSENT_BUTTON_NOT_FOUND', message: 'The consent page never showed an “Authorize app” button.' }
    }
    if (failure) throw pageException(failure, classified.kind, path)

    const mayClick = classified.kind === 'consent_ready' && (clicks === 0 || event === 'reclick') && clicks < options.maxClicks
    if (mayClick) {
      clicks++
      const via = await consent.clickApprove().catch((err: unknown) => {
        hooks.log.warn('consent.approve_click_failed', { err, clicks })
        return null
      })
      if (via) hooks.log.info('consent.approve_clicked', { via, clicks })
      // Whether or not the click landed, look again shortly if X has not redirected by then.
      reclick = timer(options.reclickAfterMs, 'reclick', signal)
    }
  }
  return NEVER
}
