/**
 * Catches the browser's navigation to the API app's redirect URI and aborts it before it leaves the
 * browser (CDP `Fetch` at the request stage), so the app's own callback server never redeems the
 * single-use code. Works for script navigations and for a 302 answering the consent POST alike:
 * every hop of a redirect chain is paused as its own request.
 */
import type { CDPSession, Page, Protocol } from 'puppeteer-core'

export interface CapturedCallback {
  /** OAuth 2.0: `code`, `state`, or `error` (+ description). */
  code: string | null
  state: string | null
  error: string | null
  errorDescription: string | null
  /** OAuth 1.0a: `oauth_token` + `oauth_verifier`, or `denied` (the request token). */
  oauthToken: string | null
  oauthVerifier: string | null
  denied: string | null
}

export interface RedirectInterceptor {
  /** How many requests to the redirect URI were aborted. */
  readonly aborted: number
  /** The first callback seen, once one was. */
  readonly captured: CapturedCallback | null
  stop(): Promise<void>
}

/** Origin + path of a URL, the part a callback must match (its query carries code/state). */
export function callbackKey(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}

/** A Fetch `urlPattern` (wildcards `*` and `?`, escape `\`) matching the redirect URI with any query. */
export function redirectUrlPattern(redirectUri: string): string {
  return `${callbackKey(redirectUri).replace(/[\\*?]/g, (ch) => `\\${ch}`)}*`
}

export function readCallback(url: string): CapturedCallback {
  const params = new URL(url).searchParams
  return {
    code: params.get('code'),
    state: params.get('state'),
    error: params.get('error'),
    errorDescription: params.get('error_description'),
    oauthToken: params.get('oauth_token'),
    oauthVerifier: params.get('oauth_verifier'),
    denied: params.get('denied'),
  }
}

function isCallback(url: string, expected: string): boolean {
  try {
    return callbackKey(url) === expected
  } catch {
    return false
  }
}

export async function interceptRedirects(
  page: Page,
  redirectUri: string,
  onCallback: (callback: CapturedCallback) => void,
): Promise<RedirectInterceptor> {
  const expected = callbackKey(redirectUri)
  const cdp: CDPSession = await page.createCDPSession()
  let aborted = 0
  let captured: CapturedCallback | null = null

  const onPaused = (event: Protocol.Fetch.RequestPausedEvent): void => {
    if (!isCallback(event.request.url, expected)) {
      cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => undefined)
      return
    }
    aborted++
    // Record first, then abort: the navigation error that follows must find the callback already captured.
    if (!captured) {
      captured = readCallback(event.request.url)
      onCallback(captured)
    }
    cdp.send('Fetch.failRequest', { requestId: event.requestId, errorReason: 'Aborted' }).catch(() => undefined)
  }

  cdp.on('Fetch.requestPaused', onPaused)
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: redirectUrlPattern(redirectUri), requestStage: 'Request' }] })

  return {
    get aborted() {
      return aborted
    },
    get captured() {
      return captured
    },
    // Call after the page is closed: detaching ends interception, and a late callback must not slip through.
    async stop() {
      cdp.off('Fetch.requestPaused', onPaused)
      if (!cdp.detached) await cdp.detach().catch(() => undefined)
    },
  }
}
