/**
 * The X consent tab as seen through puppeteer: snapshots for the classifier, event-driven waits for the
 * page to change (a MutationObserver in the page, no sleeps), and the click on the approve control.
 *
 * The in-page code is kept as plain JavaScript strings so no bundler or transpiler helper can leak into
 * what the browser evaluates.
 */
import type { HTTPRequest, HTTPResponse, Page } from 'puppeteer-core'
import type { ConsentSurface, NetworkEvent, PageRequest, SnapshotChange } from './consent-watch'
import { userIdFromTwid } from './account-check'
import { ACCOUNT_TEST_ID, APPROVE_LABELS, CONSENT_BUTTON_TEST_ID, ERROR_DETAIL_TEST_ID, type ApproveControlKind } from './page-classifier'

// Test id first, then the legacy page's id; a button's label (in X's main languages) only as the last resort.
const FIND_APPROVE = `function () {
  var byTestId = document.querySelector('[data-testid="${CONSENT_BUTTON_TEST_ID}"]');
  if (byTestId) return { el: byTestId, via: 'testid' };
  var legacy = document.querySelector('#allow');
  if (legacy) return { el: legacy, via: 'legacy' };
  var labels = ${JSON.stringify(APPROVE_LABELS.map((label) => label.toLowerCase()))};
  var candidates = document.querySelectorAll('[role="button"], button, input[type="submit"]');
  for (var i = 0; i < candidates.length; i++) {
    var el = candidates[i];
    var names = [el.getAttribute('aria-label'), el.textContent, el.value];
    for (var j = 0; j < names.length; j++) {
      var name = String(names[j] || '').replace(/\\s+/g, ' ').trim().toLowerCase();
      if (name && labels.indexOf(name) >= 0) return { el: el, via: 'role' };
    }
  }
  return null;
}`

const IS_ENABLED = `function (el) {
  return el.getAttribute('aria-disabled') !== 'true' && !el.hasAttribute('disabled');
}`

/** Expression: the snapshot, or null while it still equals the fingerprint `prev`. */
function probeExpression(previousFingerprint: string | null): string {
  return `(function (prev) {
  var found = (${FIND_APPROVE})();
  var ids = [];
  var nodes = document.querySelectorAll('[data-testid]');
  for (var i = 0; i < nodes.length && ids.length < 100; i++) {
    var id = nodes[i].getAttribute('data-testid');
    if (id && ids.indexOf(id) < 0) ids.push(id);
  }
  var detail = document.querySelector('[data-testid="${ERROR_DETAIL_TEST_ID}"]');
  var account = document.querySelector('[data-testid="${ACCOUNT_TEST_ID}"]');
  var body = document.body;
  var snapshot = {
    url: location.href,
    testIds: ids,
    text: body ? String(body.innerText || body.textContent || '').slice(0, 4000) : '',
    approveButton: found ? { via: found.via, enabled: (${IS_ENABLED})(found.el) } : null,
    errorDetail: detail ? String(detail.textContent || '').trim().slice(0, 300) : null,
    passwordField: Boolean(document.querySelector('input[type="password"]')),
    accountName: account ? String(account.textContent || '').trim().slice(0, 60) : null
  };
  var fingerprint = JSON.stringify(snapshot);
  return fingerprint === prev ? null : { fingerprint: fingerprint, snapshot: snapshot };
})(${JSON.stringify(previousFingerprint)})`
}

export class ConsentPage implements ConsentSurface {
  constructor(private readonly page: Page) {}

  async snapshot(): Promise<SnapshotChange> {
    return (await this.page.evaluate(probeExpression(null))) as SnapshotChange
  }

  async waitForChange(previousFingerprint: string | null, signal: AbortSignal): Promise<SnapshotChange> {
    const handle = await this.page.mainFrame().waitForFunction(probeExpression(previousFingerprint), { polling: 'mutation', timeout: 0, signal })
    try {
      return (await handle.jsonValue()) as SnapshotChange
    } finally {
      await handle.dispose().catch(() => undefined)
    }
  }

  async waitForNetworkIdle(idleMs: number, signal: AbortSignal): Promise<void> {
    await this.page.waitForNetworkIdle({ idleTime: idleMs, timeout: 0, signal })
  }

  watchNetwork(listener: (event: NetworkEvent) => void): () => void {
    const page = this.page
    const ids = new WeakMap<HTTPRequest, string>()
    let sequence = 0
    const describe = (request: HTTPRequest): PageRequest => {
      let id = ids.get(request)
      if (!id) ids.set(request, (id = `r${++sequence}`))
      return { id, method: request.method(), url: request.url(), navigation: request.isNavigationRequest() && request.frame() === page.mainFrame() }
    }
    const onRequest = (request: HTTPRequest) => listener({ type: 'sent', request: describe(request) })
    const onResponse = (response: HTTPResponse) => listener({ type: 'answered', request: describe(response.request()), status: response.status() })
    const onFailed = (request: HTTPRequest) => listener({ type: 'failed', request: describe(request), errorText: request.failure()?.errorText ?? 'net::ERR_FAILED' })
    page.on('request', onRequest)
    page.on('response', onResponse)
    page.on('requestfailed', onFailed)
    return () => {
      page.off('request', onRequest)
      page.off('response', onResponse)
      page.off('requestfailed', onFailed)
    }
  }

  /**
   * The numeric id of the account X's session on this page's domain names (its `twid` cookie), read over CDP
   * for the page's own URL; null when there is none.
   */
  async sessionUserId(): Promise<string | null> {
    const client = await this.page.createCDPSession()
    try {
      const { cookies } = await client.send('Network.getCookies', { urls: [this.page.url()] })
      return userIdFromTwid(cookies.find((cookie) => cookie.name === 'twid')?.value)
    } finally {
      await client.detach().catch(() => undefined)
    }
  }

  /** Clicks the approve control with real input events; falls back to a DOM click when it has no box. */
  async clickApprove(): Promise<ApproveControlKind | null> {
    const handle = await this.page.evaluateHandle(`(function () { var f = (${FIND_APPROVE})(); return f ? f.el : null; })()`)
    const element = handle.asElement()
    if (!element) {
      await handle.dispose()
      return null
    }
    try {
      const via = (await this.page.evaluate(`((${FIND_APPROVE})() || {}).via || null`)) as ApproveControlKind | null
      try {
        await element.click()
      } catch {
        await element.evaluate((el) => (el as unknown as { click(): void }).click())
      }
      return via
    } finally {
      await element.dispose().catch(() => undefined)
    }
  }
}
