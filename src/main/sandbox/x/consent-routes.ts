/**
 * The sandbox's x.com side: the authorize (consent) page, its metadata call, approve and deny, and the
 * pages X sends troubled accounts to. Which X account is logged in comes from the `x_sandbox_user` cookie
 * (set by the GoLogin sandbox in the profile's browser).
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { consentPage, errorPage, lockedPage, loggedOutConsentPage, loginPage, suspendedPage } from './pages'
import { delay } from './delay'
import { PAGE_WORDS } from './locales'
import { KNOWN_SCOPES, type AuthRequest, type SandboxAccount, type SandboxLocale, type XSandboxState } from './state'

export const SANDBOX_USER_COOKIE = 'x_sandbox_user'
/** X's session cookie naming the signed-in account by its numeric id: `u%3D<id>` (URL-encoded `u=<id>`). */
export const X_SESSION_ID_COOKIE = 'twid'

export interface ConsentRouteOptions {
  approveVia: 'form' | 'xhr'
  /** Metadata delay for well-behaved accounts (the approve button is disabled until it answers). */
  consentDelayMs: number
  /** Metadata delay for the `slow` behaviour. */
  slowConsentDelayMs: number
  /** Aborted when the sandbox closes, so pending delays do not hold the process. */
  closing: AbortSignal
}

const GENERIC_ERROR = 'Something went wrong. You weren’t able to give access to the App. Go back and try logging in again.'

export function cookieUser(request: FastifyRequest): string | null {
  const header = request.headers.cookie ?? ''
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=')
    if (name === SANDBOX_USER_COOKIE) return decodeURIComponent(rest.join('=')) || null
  }
  return null
}

/**
 * Like x.com, every page of a signed-in session carries `twid=u%3D<id>` for the account on X's domain (here
 * 127.0.0.1, any port); the panel reads it to know which account the profile is signed into before approving.
 */
export function signedInAs(reply: FastifyReply, account: Pick<SandboxAccount, 'id'>): FastifyReply {
  return reply.header('set-cookie', `${X_SESSION_ID_COOKIE}=${encodeURIComponent(`u=${account.id}`)}; Path=/; SameSite=Lax`)
}

export function html(reply: FastifyReply, body: string, nonce: string, status = 200): FastifyReply {
  // Like x.com: a strict script policy without 'unsafe-eval'.
  return reply
    .status(status)
    .header('content-security-policy', `script-src 'self' 'nonce-${nonce}'; object-src 'none'`)
    .type('text/html; charset=utf-8')
    .send(body)
}

/** The callback URL X redirects to: the registered URI plus `state` and `code` (or `error`). */
export function callbackUrl(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri)
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value)
  return url.toString()
}

type Query = Record<string, string | undefined>

function validateAuthorize(state: XSandboxState, query: Query): string | Omit<AuthRequest, 'id' | 'createdAt'> {
  if (query.response_type !== 'code') return 'response_type must be code'
  const client = query.client_id ? state.client(query.client_id) : undefined
  if (!client) return 'unknown client_id'
  if (!query.redirect_uri || !client.redirectUris.includes(query.redirect_uri)) return 'redirect_uri is not registered for this app'
  const scopes = (query.scope ?? '').split(' ').filter(Boolean)
  if (!scopes.length || scopes.some((scope) => !KNOWN_SCOPES.has(scope))) return 'invalid scope'
  if (!query.state || query.state.length > 500) return 'state is missing or longer than 500 characters'
  if (!query.code_challenge || !/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge)) return 'code_challenge is missing or not an S256 challenge'
  if (query.code_challenge_method !== 'S256') return 'code_challenge_method must be S256'
  return { clientId: client.clientId, redirectUri: query.redirect_uri, scopes, state: query.state, codeChallenge: query.code_challenge }
}

export function registerConsentRoutes(app: FastifyInstance, state: XSandboxState, options: ConsentRouteOptions): void {
  const nonce = () => randomBytes(12).toString('base64')

  app.get('/i/oauth2/authorize', async (request, reply) => {
    state.stats.authorizePages++
    const valid = validateAuthorize(state, request.query as Query)
    if (typeof valid === 'string') {
      request.log.debug({ problem: valid }, 'invalid authorize request')
      const n = nonce()
      return html(reply, errorPage(GENERIC_ERROR, n), n, 400)
    }
    const username = cookieUser(request)
    const account = username ? state.account(username) : undefined
    const n = nonce()
    if (!account) return html(reply, loggedOutConsentPage(n), n)
    if (account.behaviour !== 'logged_out') signedInAs(reply, account)
    const locale = account.locale ?? 'en'
    switch (account.behaviour) {
      case 'logged_out':
        return reply.redirect(`/i/flow/login?redirect_after_login=${encodeURIComponent(request.url)}`, 302)
      case 'locked':
        return reply.redirect('/account/access', 302)
      case 'suspended':
        return html(reply, suspendedPage(n, locale), n)
      case 'error':
        return html(reply, errorPage(PAGE_WORDS[locale].genericError, n, locale), n)
      default: {
        const pending = state.createRequest(valid)
        const page = consentPage({
          authId: pending.id,
          username: account.username,
          scopes: pending.scopes,
          withoutButton: account.behaviour === 'no_button',
          approveVia: account.approveVia ?? options.approveVia,
          nonce: n,
          locale,
        })
        return html(reply, page, n)
      }
    }
  })

  app.get('/i/api/2/oauth2/authorize/meta', async (request, reply) => {
    const pending = state.request((request.query as Query).auth_id ?? '')
    if (!pending) return reply.status(404).send({ errors: [{ message: 'Unknown authorization request' }] })
    const account = state.account(cookieUser(request) ?? '')
    const waitMs = account?.behaviour === 'slow' ? (account.consentDelayMs ?? options.slowConsentDelayMs) : (account?.consentDelayMs ?? options.consentDelayMs)
    await delay(waitMs, options.closing)
    return { app_name: state.client(pending.clientId)?.name ?? 'App', scopes: pending.scopes }
  })

  /**
   * Approval: one per page load, as on X — the first request takes the page's authorization (X decides and
   * issues the code at once), a later one for the same page is refused. The account's `approveDelayMs` is
   * the slow way back: the answer (a 302 for the form post, JSON for the XHR variant) arrives that much later.
   */
  const approve = async (request: FastifyRequest, authId: string | undefined): Promise<{ location: string } | { login: true } | { refused: SandboxLocale }> => {
    state.stats.approvalRequests++
    const account = state.account(cookieUser(request) ?? '')
    if (!account) return { login: true }
    const pending = authId ? state.takeRequest(authId) : undefined
    if (!pending) {
      state.stats.approvalsRefused++
      return { refused: account.locale ?? 'en' }
    }
    const location = decide(state, pending, account)
    await delay(account.approveDelayMs ?? 0, options.closing)
    return { location }
  }

  app.post('/i/oauth2/authorize/approve', async (request, reply) => {
    const outcome = await approve(request, (request.body as Query | undefined)?.auth_id)
    const n = nonce()
    if ('refused' in outcome) return html(reply, errorPage(PAGE_WORDS[outcome.refused].genericError, n, outcome.refused), n, 400)
    if ('login' in outcome) return reply.redirect('/i/flow/login', 302)
    return reply.redirect(outcome.location, 302)
  })

  app.post('/i/api/2/oauth2/authorize', async (request, reply) => {
    const outcome = await approve(request, (request.body as Query | undefined)?.auth_id)
    if ('refused' in outcome) return reply.status(400).send({ errors: [{ code: 32, message: PAGE_WORDS[outcome.refused].genericError }] })
    if ('login' in outcome) return reply.status(401).send({ errors: [{ message: 'Not logged in' }] })
    return { redirect_uri: outcome.location }
  })

  app.post('/i/oauth2/authorize/deny', async (request, reply) => {
    const pending = state.takeRequest((request.body as Query | undefined)?.auth_id ?? '')
    const n = nonce()
    if (!pending) return html(reply, errorPage(GENERIC_ERROR, n), n, 400)
    state.stats.denials++
    return reply.redirect(callbackUrl(pending.redirectUri, { error: 'access_denied', state: pending.state }), 302)
  })

  app.get('/i/flow/login', async (_request, reply) => {
    const n = nonce()
    return html(reply, loginPage(n), n)
  })

  app.get('/account/access', async (request, reply) => {
    const n = nonce()
    return html(reply, lockedPage(n, state.account(cookieUser(request) ?? '')?.locale), n)
  })
}

/** Where X sends the browser after the approve click, by the account's behaviour. */
function decide(state: XSandboxState, pending: AuthRequest, account: SandboxAccount): string {
  if (account.behaviour === 'denies') {
    state.stats.denials++
    return callbackUrl(pending.redirectUri, { error: 'access_denied', state: pending.state })
  }
  state.countApproval(account.username)
  const code = state.issueCode(pending, account.username)
  const returnedState = account.behaviour === 'bad_state' ? randomBytes(16).toString('base64url') : pending.state
  return callbackUrl(pending.redirectUri, { state: returnedState, code })
}
