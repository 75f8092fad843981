/**
 * "The outcome follows the first approval" (issue 16, rule 2) in a real Chromium, on a stand-in consent
 * page served here: once X has answered the approval with a redirect, its code wins even if the page shows
 * an error first; and when X refuses the approval, the error says so in X's words.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { BrowserController } from '../../../src/main/services/automation/browser-controller'
import { launchChromium } from './consent-fixture'

const servers: http.Server[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A consent page whose approval (XHR) answers `approval`; it shows an error, and follows an accepted approval's redirect 0.5 s later. */
async function standIn(approval: { status: number; redirect?: string; message?: string }): Promise<{ base: string; approvals: () => number }> {
  let approvals = 0
  const page = `<!doctype html><html><body>
<h1>App wants to access your X account.</h1>
<div role="button" data-testid="OAuth_Consent_Button">Authorize app</div><div id="problem"></div>
<script>
document.querySelector('[data-testid="OAuth_Consent_Button"]').addEventListener('click', function () {
  fetch('/i/api/2/oauth2/authorize', { method: 'POST' }).then(function (r) { return r.json().then(function (a) { return { ok: r.ok, a: a }; }); }).then(function (res) {
    // The page flashes an error, then follows the redirect X answered with a moment later.
    if (res.ok) setTimeout(function () { location.assign(res.a.redirect_uri); }, 500);
    var detail = document.createElement('div');
    detail.setAttribute('data-testid', 'OAuth_Consent_Error_Detail');
    detail.textContent = res.ok ? 'Something went wrong.' : res.a.errors[0].message;
    document.getElementById('problem').appendChild(detail);
  });
});
</script></body></html>`
  const server = http.createServer((request, response) => {
    if (request.method === 'POST') {
      approvals++
      response.writeHead(approval.status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(approval.status < 400 ? { redirect_uri: approval.redirect } : { errors: [{ message: approval.message }] }))
      return
    }
    response.writeHead(200, { 'content-type': 'text/html' })
    response.end(page)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, approvals: () => approvals }
}

async function authorize(base: string) {
  const browser = await launchChromium()
  const controller = new BrowserController({ logger: new LogSystem({ dir: null }).logger('consent') })
  return controller.authorize({
    endpoint: { browserWSEndpoint: browser.wsEndpoint() },
    authorizeUrl: `${base}/i/oauth2/authorize`,
    redirectUri: 'http://127.0.0.1:9/app/callback',
    expectedState: 'state-1',
    timeoutMs: 30_000,
  })
}

describe('the first approval decides', () => {
  it('keeps the code X answered the approval with when the page shows an error before following it', { timeout: 60_000 }, async () => {
    const page = await standIn({ status: 200, redirect: 'http://127.0.0.1:9/app/callback?state=state-1&code=the-code' })

    const result = await authorize(page.base)

    expect(result).toMatchObject({ ok: true, code: 'the-code', state: 'state-1' })
    expect(page.approvals()).toBe(1)
  })

  it('says CONSENT_APPROVAL_FAILED with X’s words when X refuses the approval, not a missing button', { timeout: 60_000 }, async () => {
    const page = await standIn({ status: 403, message: 'This request looks like it might be automated.' })

    const result = await authorize(page.base)

    expect(result).toMatchObject({ ok: false, error: { code: 'CONSENT_APPROVAL_FAILED' } })
    if (!result.ok) expect(result.error.message).toContain('This request looks like it might be automated.')
    expect(page.approvals()).toBe(1)
  })
})
