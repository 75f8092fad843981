/**
 * The sandbox's OAuth 1.0a side, as X documents it: `POST /oauth/request_token` (signed, approved
 * `oauth_callback`, answers `oauth_callback_confirmed=true`), the legacy consent page `GET /oauth/authorize`
 * with its form post (approve `#allow`, or cancel → `denied=…`), `POST /oauth/access_token` (signed with the
 * request token's secret, single-use token, matching verifier) and `POST /1.1/oauth/invalidate_token`.
 * A bad signature, timestamp or replayed nonce is refused like X refuses it (401, code 32/135).
 */
import { randomBytes } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { callbackUrl, cookieUser, signedInAs } from './consent-routes'
import { delay } from './delay'
import { legacyConsentPage, legacyInvalidTokenPage, legacyRedirectPage } from './legacy-pages'
import { suspendedPage } from './pages'
import { collectParams, signatureValid, type OAuthRequestParts } from './oauth1-signature'
import type { OAuth1State, RequestTokenGrant, SandboxConsumer } from './oauth1-state'
import type { XSandboxState } from './state'

export interface OAuth1RouteOptions {
  /** How long the legacy page takes to answer for the `slow` behaviour. */
  slowConsentDelayMs: number
  closing: AbortSignal
}

type Form = Record<string, string | undefined>

function errors(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.status(status).send({ errors: [{ code, message }] })
}

function page(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body)
}

function partsOf(request: FastifyRequest): OAuthRequestParts {
  const body = request.body && typeof request.body === 'object' ? new URLSearchParams(request.body as Record<string, string>).toString() : null
  return { method: request.method, url: `http://${request.headers.host}${request.url}`, authorization: request.headers.authorization, formBody: body }
}

type Checked = { consumer: SandboxConsumer; params: Map<string, string>; header: Record<string, string> }

/**
 * Checks a signed request: a known consumer, a fresh timestamp, an unused nonce and the signature under
 * the consumer secret and `tokenSecret(oauth_token)`. Answers X's refusal itself and returns null on failure.
 */
function verify(
  state: XSandboxState,
  oauth1: OAuth1State,
  request: FastifyRequest,
  reply: FastifyReply,
  tokenSecret: (token: string | undefined) => string | null,
): Checked | null {
  const parts = partsOf(request)
  const parsed = collectParams(parts)
  const refuse = () => {
    state.stats.signatureFailures++
    errors(reply, 401, 32, 'Could not authenticate you.')
    return null
  }
  if (!parsed) return refuse()
  const header = parsed.header
  const consumer = oauth1.consumer(header.oauth_consumer_key ?? '')
  if (!consumer || header.oauth_version && header.oauth_version !== '1.0') return refuse()
  if (!oauth1.timestampOk(header.oauth_timestamp ?? '')) {
    state.stats.signatureFailures++
    errors(reply, 401, 135, 'Timestamp out of bounds.')
    return null
  }
  const secret = tokenSecret(header.oauth_token)
  if (secret === null || !signatureValid(parts, parsed, consumer.consumerSecret, secret)) return refuse()
  if (!oauth1.useNonce(consumer.consumerKey, header.oauth_nonce ?? '', header.oauth_timestamp ?? '')) return refuse()
  return { consumer, params: new Map(parsed.params), header }
}

export function registerOAuth1Routes(app: FastifyInstance, state: XSandboxState, oauth1: OAuth1State, options: OAuth1RouteOptions): void {
  app.post('/oauth/request_token', async (request, reply) => {
    state.stats.requestTokens++
    const checked = verify(state, oauth1, request, reply, (token) => (token ? null : ''))
    if (!checked) return reply
    const callback = checked.params.get('oauth_callback')
    if (!callback) return errors(reply, 400, 417, 'Desktop applications only support the oauth_callback value \'oob\'')
    if (!checked.consumer.callbacks.includes(callback)) {
      return errors(reply, 403, 415, 'Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings')
    }
    const grant = oauth1.createRequestToken(checked.consumer, callback)
    // X answers form-encoded text (with an HTML content type).
    return reply.type('text/html; charset=utf-8').send(new URLSearchParams({ oauth_token: grant.token, oauth_token_secret: grant.secret, oauth_callback_confirmed: 'true' }).toString())
  })

  app.get('/oauth/authorize', async (request, reply) => {
    state.stats.authorizePages++
    const grant = oauth1.pendingRequestToken((request.query as Form).oauth_token ?? '')
    if (!grant) return page(reply, legacyInvalidTokenPage(), 403)
    const consumer = oauth1.consumer(grant.consumerKey)!
    const username = cookieUser(request)
    const account = username ? state.account(username) : undefined
    const model = { requestToken: grant.token, authenticityToken: randomBytes(16).toString('hex'), appName: consumer.name, withoutButton: false }
    if (!account || account.behaviour === 'logged_out') return page(reply, legacyConsentPage({ ...model, username: null }))
    signedInAs(reply, account)
    switch (account.behaviour) {
      case 'locked':
        return reply.redirect('/account/access', 302)
      case 'suspended':
        return page(reply, suspendedPage(randomBytes(12).toString('base64'), account.locale))
      case 'error':
        return page(reply, legacyInvalidTokenPage(), 403)
      case 'slow':
        await delay(account.consentDelayMs ?? options.slowConsentDelayMs, options.closing)
        break
      default:
        break
    }
    return page(reply, legacyConsentPage({ ...model, username: account.username, withoutButton: account.behaviour === 'no_button' }))
  })

  // The form post of #allow / #cancel: one decision per request token, as on X.
  app.post('/oauth/authorize', async (request, reply) => {
    state.stats.approvalRequests++
    const body = (request.body ?? {}) as Form
    const grant = oauth1.pendingRequestToken(body.oauth_token ?? '')
    const account = state.account(cookieUser(request) ?? '')
    if (!grant || !body.authenticity_token) {
      state.stats.approvalsRefused++
      return page(reply, legacyInvalidTokenPage(), 403)
    }
    const consumer = oauth1.consumer(grant.consumerKey)!
    if (!account) return page(reply, legacyConsentPage({ requestToken: grant.token, authenticityToken: body.authenticity_token, appName: consumer.name, username: null, withoutButton: false }))
    await delay(account.approveDelayMs ?? 0, options.closing)
    if (body.cancel !== undefined || account.behaviour === 'denies') {
      state.stats.denials++
      oauth1.deny(grant)
      return page(reply, legacyRedirectPage(callbackUrl(grant.callback, { denied: grant.token }), consumer.name, true))
    }
    state.countApproval(account.username)
    const verifier = oauth1.approve(grant, account.username)
    const returned = account.behaviour === 'bad_state' ? randomBytes(16).toString('base64url') : grant.token
    return page(reply, legacyRedirectPage(callbackUrl(grant.callback, { oauth_token: returned, oauth_verifier: verifier }), consumer.name, false))
  })

  app.post('/oauth/access_token', async (request, reply) => {
    state.stats.tokenRequests++
    let grant: RequestTokenGrant | undefined
    const checked = verify(state, oauth1, request, reply, (token) => {
      grant = token ? oauth1.requestToken(token) : undefined
      return grant ? grant.secret : null
    })
    if (!checked || !grant) return reply
    const account = grant.username ? state.account(grant.username) : undefined
    if (account?.tokenDelayMs) await delay(account.tokenDelayMs, options.closing)
    const fault = state.takeTokenFault(account)
    if (fault === '500') return reply.status(500).send({ errors: [{ code: 131, message: 'Internal error' }] })
    if (fault === 'reset') return resetConnection(request, reply)
    const unusable = grant.spent || !grant.verifier || grant.consumerKey !== checked.consumer.consumerKey || !account
    if (unusable) {
      state.stats.tokenErrors++
      return reply.status(401).type('text/plain; charset=utf-8').send('Invalid request token.')
    }
    if (checked.params.get('oauth_verifier') !== grant.verifier) {
      state.stats.tokenErrors++
      oauth1.deny(grant)
      return reply.status(401).type('text/plain; charset=utf-8').send('Error processing your OAuth request: Invalid oauth_verifier parameter')
    }
    const token = oauth1.redeem(grant, account)
    state.stats.accessTokens++
    if (fault === 'reset_after_issue') return resetConnection(request, reply)
    return reply
      .type('text/html; charset=utf-8')
      .send(new URLSearchParams({ oauth_token: token.token, oauth_token_secret: token.secret, user_id: token.userId, screen_name: token.screenName }).toString())
  })

  app.post('/1.1/oauth/invalidate_token', async (request, reply) => {
    let token: ReturnType<OAuth1State['accessToken']>
    const checked = verify(state, oauth1, request, reply, (value) => {
      token = value ? oauth1.accessToken(value) : undefined
      return token && !token.revoked ? token.secret : null
    })
    if (!checked || !token) return reply
    token.revoked = true
    state.stats.invalidations++
    return { access_token: token.token }
  })
}

function resetConnection(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack()
  request.raw.socket.destroy()
  return reply
}
