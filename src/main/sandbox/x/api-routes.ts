/**
 * The sandbox's api.x.com side: `POST /2/oauth2/token` (code with PKCE, rotating refresh), `GET /2/users/me`
 * with `x-rate-limit-*` headers and `POST /2/oauth2/revoke`, answering with X's error shapes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { delay } from './delay'
import { ACCESS_TOKEN_LIFETIME_S, type IssuedToken, type SandboxClient, type TokenError, type XSandboxState } from './state'

export interface ApiRouteOptions {
  /** users/me calls allowed per user and window (X: 75 per 15 minutes). */
  usersMeLimit: { limit: number; windowMs: number }
  /** Aborted when the sandbox closes, so pending delays do not hold the process. */
  closing: AbortSignal
}

/** Drops the connection without an answer (the client sees a reset). */
function resetConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  request.raw.socket.destroy()
  return reply
}

type Form = Record<string, string | undefined>

function oauthError(reply: FastifyReply, state: XSandboxState, error: TokenError): FastifyReply {
  state.stats.tokenErrors++
  return reply.status(error.status).send({ error: error.error, error_description: error.description })
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

/** Confidential clients must use HTTP Basic (form-encoded id and secret); public clients send client_id. */
function authenticateClient(state: XSandboxState, request: FastifyRequest, body: Form): SandboxClient | TokenError {
  const missing: TokenError = { status: 401, error: 'unauthorized_client', description: 'Missing valid authorization header' }
  const header = request.headers.authorization
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon < 0) return missing
    let id: string
    let secret: string
    try {
      id = formDecode(decoded.slice(0, colon))
      secret = formDecode(decoded.slice(colon + 1))
    } catch {
      return missing
    }
    const client = state.client(id)
    if (!client || client.type !== 'confidential' || client.clientSecret !== secret) return missing
    if (body.client_id && body.client_id !== client.clientId) return { status: 400, error: 'invalid_request', description: 'client_id does not match the authorization header' }
    return client
  }
  const client = body.client_id ? state.client(body.client_id) : undefined
  if (!client) return { status: 400, error: 'invalid_request', description: 'Missing required parameter [client_id].' }
  if (client.type === 'confidential') return missing
  return client
}

function tokenBody(token: IssuedToken): Record<string, unknown> {
  return {
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    access_token: token.accessToken,
    scope: token.scopes.join(' '),
    ...(token.refreshToken ? { refresh_token: token.refreshToken } : {}),
  }
}

function isForm(request: FastifyRequest): boolean {
  return String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
}

export function registerApiRoutes(app: FastifyInstance, state: XSandboxState, options: ApiRouteOptions): void {
  app.post('/2/oauth2/token', async (request, reply) => {
    state.stats.tokenRequests++
    if (!isForm(request)) return oauthError(reply, state, { status: 400, error: 'invalid_request', description: 'Content-Type must be application/x-www-form-urlencoded' })
    const body = (request.body ?? {}) as Form
    const client = authenticateClient(state, request, body)
    if ('error' in client) return oauthError(reply, state, client)
    let result: IssuedToken | TokenError
    if (body.grant_type === 'authorization_code') {
      for (const field of ['code', 'redirect_uri', 'code_verifier'] as const) {
        if (!body[field]) return oauthError(reply, state, { status: 400, error: 'invalid_request', description: `Missing required parameter [${field}].` })
      }
      // The account's token faults: a slow endpoint, a 500 or a reset before the code is looked at, or a reset after.
      const owner = state.codeOwner(body.code as string)
      if (owner?.tokenDelayMs) await delay(owner.tokenDelayMs, options.closing)
      const fault = state.takeTokenFault(owner)
      if (fault === '500') {
        state.stats.tokenErrors++
        return reply.status(500).send({ title: 'Internal Server Error', type: 'about:blank', status: 500, detail: 'Internal Server Error' })
      }
      if (fault === 'reset') return resetConnection(request, reply)
      result = state.redeemCode(client, body.code as string, body.redirect_uri as string, body.code_verifier as string)
      if (fault === 'reset_after_issue') return resetConnection(request, reply)
    } else if (body.grant_type === 'refresh_token') {
      if (!body.refresh_token) return oauthError(reply, state, { status: 400, error: 'invalid_request', description: 'Missing required parameter [refresh_token].' })
      result = state.refresh(client, body.refresh_token)
    } else {
      return oauthError(reply, state, { status: 400, error: 'unsupported_grant_type', description: 'Grant type is not supported.' })
    }
    if ('error' in result) return oauthError(reply, state, result)
    return reply.header('cache-control', 'no-store').send(tokenBody(result))
  })

  app.post('/2/oauth2/revoke', async (request, reply) => {
    if (!isForm(request)) return oauthError(reply, state, { status: 400, error: 'invalid_request', description: 'Content-Type must be application/x-www-form-urlencoded' })
    const body = (request.body ?? {}) as Form
    const client = authenticateClient(state, request, body)
    if ('error' in client) return oauthError(reply, state, client)
    if (!body.token) return oauthError(reply, state, { status: 400, error: 'invalid_request', description: 'Missing required parameter [token].' })
    state.revoke(client, body.token)
    return { revoked: true }
  })

  app.get('/2/users/me', async (request, reply) => {
    state.stats.usersMe++
    const header = request.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? state.liveAccessToken(header.slice(7)) : undefined
    if (!token) return reply.status(401).send({ title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' })
    if (!token.scopes.includes('users.read') || !token.scopes.includes('tweet.read')) {
      return reply.status(403).send({ title: 'Forbidden', type: 'about:blank', status: 403, detail: 'The token lacks the users.read and tweet.read scopes.' })
    }
    const delayMs = state.account(token.username)?.usersMeDelayMs
    if (delayMs) await delay(delayMs, options.closing)
    const fault = state.takeUsersMeFault(token.username)
    if (fault) return reply.status(fault).send({ title: fault === 503 ? 'Service Unavailable' : 'Error', type: 'about:blank', status: fault, detail: `Sandbox: injected ${fault}` })
    const window = state.countUsersMe(token.userId, options.usersMeLimit.limit, options.usersMeLimit.windowMs)
    reply
      .header('x-rate-limit-limit', String(window.limit))
      .header('x-rate-limit-remaining', String(window.remaining))
      .header('x-rate-limit-reset', String(Math.ceil(window.resetAt / 1000)))
    if (!window.allowed) {
      state.stats.usersMeRateLimited++
      return reply.status(429).send({ title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' })
    }
    const account = state.account(token.username)
    return { data: { id: token.userId, name: account?.name ?? token.username, username: token.username } }
  })
}
