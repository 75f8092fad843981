/**
 * A stand-in for X on 127.0.0.1: the OAuth 2.0 consent page (x.com) and the token, users/me and revoke
 * endpoints (api.x.com) on one port, with per-account behaviours, so the panel and its tests run the whole
 * authorization without a real account.
 */
import Fastify from 'fastify'
import { registerApiRoutes } from './api-routes'
import { registerConsentRoutes } from './consent-routes'
import { registerOAuth1Routes } from './oauth1-routes'
import { OAuth1State, type ConsumerInput, type IssuedOAuth1Token, type SandboxConsumer } from './oauth1-state'
import {
  XSandboxState,
  type AccountBehaviour,
  type AccountInput,
  type ClientInput,
  type IssuedToken,
  type SandboxAccount,
  type SandboxClient,
  type SandboxStats,
} from './state'

export interface XSandboxOptions {
  /** The sandbox's clock (codes live 30 s, tokens 2 h); tests pass a movable one. */
  now?: () => number
  /** How the consent page approves: a form post answered by a 302 (default), or an XHR then `location.assign`. */
  approveVia?: 'form' | 'xhr'
  /** Metadata delay of an ordinary consent page, in ms (default 50). */
  consentDelayMs?: number
  /** Metadata delay for the `slow` behaviour, in ms (default 3000). */
  slowConsentDelayMs?: number
  usersMeLimit?: { limit: number; windowMs: number }
  /** Cookie users the sandbox does not know become `ok` accounts (default true). */
  autoCreateAccounts?: boolean
  clients?: ClientInput[]
  /** OAuth 1.0a apps: consumer key and secret with their approved callbacks. */
  consumers?: ConsumerInput[]
  accounts?: AccountInput[]
  port?: number
}

export interface XSandbox {
  baseUrl: string
  /** Consent URL, to put in the panel's "X authorize URL" setting. */
  authorizeUrl: string
  /** API base, to put in the panel's "X API URL" setting. */
  apiUrl: string
  /** The OAuth 1.0a legacy consent page, for the "X OAuth 1.0a authorize URL" setting. */
  oauth1AuthorizeUrl: string
  registerClient(input: ClientInput): SandboxClient
  registerConsumer(input: ConsumerInput): SandboxConsumer
  /** Whether an API app with this client id (or 1.0a consumer key) is registered here. */
  knowsClient(clientId: string): boolean
  /** OAuth 1.0a user tokens issued, in order. */
  issuedOAuth1Tokens(): IssuedOAuth1Token[]
  setAccount(input: AccountInput): SandboxAccount
  setBehaviour(username: string, behaviour: AccountBehaviour): SandboxAccount
  issuedTokens(): IssuedToken[]
  stats(): SandboxStats
  close(): Promise<void>
}

export async function startXSandbox(options: XSandboxOptions = {}): Promise<XSandbox> {
  const state = new XSandboxState(options.now ?? Date.now, options.autoCreateAccounts ?? true)
  for (const client of options.clients ?? []) state.registerClient(client)
  for (const account of options.accounts ?? []) state.setAccount(account)
  const oauth1 = new OAuth1State(options.now ?? Date.now)
  for (const consumer of options.consumers ?? []) oauth1.registerConsumer(consumer)

  const closing = new AbortController()
  const app = Fastify({ logger: false, forceCloseConnections: true })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })
  registerConsentRoutes(app, state, {
    approveVia: options.approveVia ?? 'form',
    consentDelayMs: options.consentDelayMs ?? 50,
    slowConsentDelayMs: options.slowConsentDelayMs ?? 3_000,
    closing: closing.signal,
  })
  registerOAuth1Routes(app, state, oauth1, { slowConsentDelayMs: options.slowConsentDelayMs ?? 3_000, closing: closing.signal })
  registerApiRoutes(app, state, { usersMeLimit: options.usersMeLimit ?? { limit: 75, windowMs: 15 * 60_000 }, closing: closing.signal })

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('X sandbox did not get a TCP port')
  const baseUrl = `http://127.0.0.1:${address.port}`

  return {
    baseUrl,
    authorizeUrl: `${baseUrl}/i/oauth2/authorize`,
    apiUrl: baseUrl,
    oauth1AuthorizeUrl: `${baseUrl}/oauth/authorize`,
    registerClient: (input) => state.registerClient(input),
    registerConsumer: (input) => oauth1.registerConsumer(input),
    knowsClient: (clientId) => state.client(clientId) !== undefined || oauth1.consumer(clientId) !== undefined,
    issuedOAuth1Tokens: () => oauth1.issuedTokens(),
    setAccount: (input) => state.setAccount(input),
    setBehaviour: (username, behaviour) => state.setBehaviour(username, behaviour),
    issuedTokens: () => state.issuedTokens(),
    stats: () => ({ ...state.stats, approvalsByAccount: { ...state.stats.approvalsByAccount } }),
    close: async () => {
      closing.abort()
      await app.close()
    },
  }
}
