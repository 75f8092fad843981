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
