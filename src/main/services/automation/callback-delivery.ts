/**
 * Pass-through mode: X's redirect is let through to the API app's own callback (its server redeems what X
 * sent), and the panel only watches what the callback answered — the HTTP status of the page the browser
 * ends on, that page's URL, and whether the operator's success marker matched. Nothing here reads or keeps
 * a token: recorded URLs lose their query values and quoted page text loses anything shaped like a token.
 */
import type { HTTPRequest, HTTPResponse, Page } from 'puppeteer-core'
import type { CallbackAnswer } from '../../../shared/contract/sessions'
import { InfrastructureException, type AppException } from '../../../shared/errors'
import { callbackKey, readCallback, type CapturedCallback } from './redirect-interceptor'

export type { CallbackAnswer }

export interface DeliveryWatch {
  /** Resolves when the browser sends the request to the callback (X's redirect), with what it carries. */
  readonly sent: Promise<CapturedCallback>
  /** How many requests went to the callback. */
  readonly requests: number
  /** Waits (at most `budgetMs`) for the callback's answer to load and settle, then reads it. */
  answer(budgetMs: number): Promise<DeliveryAnswer>
  stop(): void
}

export interface DeliveryAnswer {
  status: number | null
  /** The URL the browser ended on (raw: may hold a code; never stored as is). */
  url: string | null
  /** Visible text of that page (capped). */
  text: string
  /** Chromium's error when the callback could not be reached. */
  failure: string | null
}

const SETTLE_IDLE_MS = 500
const TEXT_CAP = 4_000

/** Watches the tab for the navigation to the redirect URI and for the documents that answer it. */
export function watchDelivery(page: Page, redirectUri: string): DeliveryWatch {
  const expected = callbackKey(redirectUri)
  let resolveSent!: (callback: CapturedCallback) => void
  const sent = new Promise<CapturedCallback>((resolve) => (resolveSent = resolve))
  let requests = 0
  let delivering = false
  let status: number | null = null
  let failure: string | null = null
  let answered: (() => void) | null = null
  const isMainNavigation = (request: HTTPRequest) => request.isNavigationRequest() && request.frame() === page.mainFrame()
  const onRequest = (request: HTTPRequest) => {
    if (!isMainNavigation(request)) return
    let key: string
    try {
      key = callbackKey(request.url())
    } catch {
      return
    }
    if (key !== expected) return
    requests++
    if (delivering) return
    delivering = true
    resolveSent(readCallback(request.url()))
  }
  // Redirects answer too: the last document of the main frame is what the callback led to.
  const onResponse = (response: HTTPResponse) => {
    if (!delivering || !isMainNavigation(response.request())) return
    status = response.status()
    if (status < 300 || status >= 400) answered?.()
  }
  const onFailed = (request: HTTPRequest) => {
    if (!delivering || !isMainNavigation(request)) return
    failure = request.failure()?.errorText ?? 'net::ERR_FAILED'
    answered?.()
  }
  page.on('request', onRequest)
  page.on('response', onResponse)
  page.on('requestfailed', onFailed)
  const stop = () => {
    page.off('request', onRequest)
    page.off('response', onResponse)
    page.off('requestfailed', onFailed)
  }
  return {
    sent,
    get requests() {
      return requests
    },
    stop,
    async answer(budgetMs) {
      const deadline = Date.now() + budgetMs
      if (status === null && failure === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, budgetMs)
          answered = () => (clearTimeout(timer), resolve())
        })
      }
      if (status !== null && failure === null) {
        // The answer's page settles (its own redirects and scripts) before it is read.
        const left = Math.max(0, deadline - Date.now())
        await page.waitForNetworkIdle({ idleTime: SETTLE_IDLE_MS, timeout: left }).catch(() => undefined)
      }
      const read = (await page
        .evaluate(`({ url: location.href, text: document.body ? String(document.body.innerText || '').slice(0, ${TEXT_CAP}) : '' })`)
        .catch(() => null)) as { url: string; text: string } | null
      return { status, url: read?.url ?? null, text: read?.text ?? '', failure }
    },
  }
}

/** A URL with every query value and the fragment removed: shape without secrets. */
export function safeUrl(url: string | null): string | null {
  if (!url) return null
  try {
    const parsed = new URL(url)
    const names = [...new Set([...parsed.searchParams.keys()])]
    return `${parsed.origin}${parsed.pathname}${names.length ? `?${names.map((name) => `${encodeURIComponent(name)}=…`).join('&')}` : ''}`
  } catch {
    return null
  }
}

/** Page text for a message: whitespace folded, token-like runs removed, capped. */
export function safeExcerpt(text: string, max = 160): string {
  const folded = text.replace(/\s+/g, ' ').trim().replace(/[A-Za-z0-9_\-+/=%.~]{24,}/g, '[…]')
  return folded.length > max ? `${folded.slice(0, max - 1)}…` : folded
}

/** `*` matches anything; everything else literally; the whole URL must match. */
function urlPatternMatches(pattern: string, url: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i')
  return regex.test(url)
}

/** Whether the marker matched: an http(s) marker is a URL pattern, anything else a text on the page (case and spacing ignored). */
export function markerMatches(marker: string, answer: Pick<DeliveryAnswer, 'url' | 'text'>): boolean {
  if (/^https?:\/\//i.test(marker)) return answer.url !== null && urlPatternMatches(marker, answer.url)
  const fold = (value: string) => value.replace(/\s+/g, ' ').trim().toLowerCase()
  return fold(answer.text).includes(fold(marker))
}

/**
 * Judges the callback's answer: delivered when it answered below 400 and the marker (if any) matched;
 * otherwise CALLBACK_FAILED saying what it answered. Either way, what is recorded has no secret in it.
 */
export function judgeDelivery(answer: DeliveryAnswer, marker: string | null, callbackUrl: string): { record: CallbackAnswer; failure: AppException | null } {
  const record: CallbackAnswer = { status: answer.status, url: safeUrl(answer.url), markerMatched: marker ? markerMatches(marker, answer) : null }
  const where = safeUrl(callbackUrl) ?? 'the app’s callback'
  const details = { callbackAnswer: record }
  if (answer.failure) {
    return { record, failure: new InfrastructureException('CALLBACK_FAILED', `The API app’s callback (${where}) could not be reached (${answer.failure}); no token was stored.`, { details }) }
  }
  if (answer.status === null) {
    return { record, failure: new InfrastructureException('CALLBACK_FAILED', `The API app’s callback (${where}) did not answer in time; no token was stored.`, { details }) }
  }
  const said = safeExcerpt(answer.text)
  const page = `${record.url ?? where}${said ? `: “${said}”` : ''}`
  if (answer.status >= 400) {
    return { record, failure: new InfrastructureException('CALLBACK_FAILED', `The API app’s callback answered HTTP ${answer.status} at ${page}; no token was stored.`, { details }) }
  }
  if (record.markerMatched === false) {
    return {
      record,
      failure: new InfrastructureException('CALLBACK_FAILED', `The API app’s callback answered HTTP ${answer.status}, but its success marker “${marker}” was not found at ${page}; no token was stored.`, { details }),
    }
  }
  return { record, failure: null }
}
