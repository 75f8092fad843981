import { SANDBOX_USER_COOKIE, type XSandbox } from '../../src/main/sandbox/x'

/**
 * Approves the X sandbox's consent page at `authorizeUrl` as `username`, the way its form posts it
 * (plain HTTP, no browser), and returns the parameters of the redirect X answers with.
 */
export async function approveOverHttp(sandbox: XSandbox, authorizeUrl: string, username: string): Promise<URLSearchParams> {
  const cookie = `${SANDBOX_USER_COOKIE}=${username}`
  const page = await (await fetch(authorizeUrl, { headers: { cookie } })).text()
  const authId = /name="auth_id" value="([^"]+)"/.exec(page)?.[1]
  if (!authId) throw new Error(`no consent form in: ${page.slice(0, 200)}`)
  const answer = await fetch(`${sandbox.baseUrl}/i/oauth2/authorize/approve`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ auth_id: authId }),
    redirect: 'manual',
  })
  return new URL(answer.headers.get('location') ?? '').searchParams
}

/**
 * Answers the X sandbox's OAuth 1.0a legacy page at `authorizeUrl` as `username` the way its form posts it
 * (`#allow`, or `#cancel` when `cancel`), and returns the parameters of the callback X sends the browser to.
 */
export async function answerLegacyOverHttp(authorizeUrl: string, username: string, options: { cancel?: boolean } = {}): Promise<URLSearchParams> {
  const cookie = `${SANDBOX_USER_COOKIE}=${username}`
  const page = await (await fetch(authorizeUrl, { headers: { cookie } })).text()
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1]
  const token = field('oauth_token')
  const authenticity = field('authenticity_token')
  if (!token || !authenticity || !page.includes('id="allow"')) throw new Error(`no legacy consent form in: ${page.slice(0, 300)}`)
  const form = new URLSearchParams({ authenticity_token: authenticity, oauth_token: token, ...(options.cancel ? { cancel: 'Cancel' } : {}) })
  const answer = await fetch(new URL('/oauth/authorize', authorizeUrl), { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form })
  const refresh = /http-equiv="refresh" content="0;url=([^"]+)"/.exec(await answer.text())?.[1]
  if (!refresh) throw new Error(`no redirect after the legacy approval (HTTP ${answer.status})`)
  return new URL(refresh.replace(/&amp;/g, '&')).searchParams
}
