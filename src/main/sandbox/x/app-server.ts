/**
 * Stands in for an API app's own server in pass-through mode: `GET /start` begins the sign-in itself (OAuth
 * 1.0a: a request token from X; OAuth 2.0: its own state + PKCE pair) and sends the browser to X's consent;
 * `GET /callback` receives X's redirect, redeems it at X and answers "Connected @name" (or why not). It counts
 * every request to its callback, so tests can prove the panel let exactly one through and redeemed nothing.
 */
import http from 'node:http'
import type { ApiAppConfig } from '../../../shared/api-app'
import { buildAccessTokenRequest, buildOAuth1AuthorizeUrl, buildRequestTokenRequest, type OAuth1Request } from '../../services/oauth/oauth1-requests'
import { codeChallengeS256, createCodeVerifier, createState } from '../../services/oauth/pkce'
import { buildAuthorizeUrl, buildCodeExchangeRequest } from '../../services/oauth/token-requests'

export interface AppServerOptions {
  oauthVersion: '2.0' | '1.0a'
  /** Client ID / consumer key and its secret, as registered with the X sandbox. */
  clientId: string
  clientSecret: string
  scopes?: string[]
  /** Where X lives (the sandbox's URLs). */
  x: { apiUrl: string; authorizeUrl: string; oauth1AuthorizeUrl: string }
}

export interface AppServerHit {
  /** What the callback made of it: the account connected, `denied`, or the failure. */
  outcome: string
}

export interface AppServer {
  startUrl: string
  callbackUrl: string
  /** Requests that reached the callback, in order (other paths are not counted). */
  hits: AppServerHit[]
  /** The callback answers this status without redeeming (null: behave). */
  failWith: number | null
  close(): Promise<void>
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const pending = new Map<string, string>()
  const hits: AppServerHit[] = []
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`)
    const send = (status: number, body: string, headers: Record<string, string> = {}) =>
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(`<!doctype html><title>App</title><body><p>${body}</p></body>`)
    const app: ApiAppConfig = {
      name: 'APP',
      oauthVersion: options.oauthVersion,
      clientType: 'confidential',
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUri: `http://${request.headers.host}/callback`,
      scopes: options.scopes ?? ['tweet.read', 'users.read'],
    }
    const handle = async () => {
      if (url.pathname === '/start') {
        if (options.oauthVersion === '1.0a') {
          const answer = new URLSearchParams(await call(buildRequestTokenRequest(options.x.apiUrl, app)))
          const token = answer.get('oauth_token')
          if (!token) return send(502, 'X refused the request token.')
          pending.set(token, answer.get('oauth_token_secret') ?? '')
          return send(302, 'Redirecting…', { location: buildOAuth1AuthorizeUrl(options.x.oauth1AuthorizeUrl, token) })
        }
        const state = createState()
        const verifier = createCodeVerifier()
        pending.set(state, verifier)
        return send(302, 'Redirecting…', { location: buildAuthorizeUrl(options.x.authorizeUrl, app, { state, codeChallenge: codeChallengeS256(verifier) }) })
      }
      if (url.pathname !== '/callback') return send(404, 'Not found')
      const hit: AppServerHit = { outcome: 'pending' }
      hits.push(hit)
      if (server.failWith) return send(server.failWith, (hit.outcome = `Internal error ${server.failWith}`))
      const params = url.searchParams
      if (params.get('denied') || params.get('error')) return send(200, (hit.outcome = 'denied'))
      try {
        if (options.oauthVersion === '1.0a') {
          const token = params.get('oauth_token') ?? ''
          const secret = pending.get(token)
          if (secret === undefined) return send(400, (hit.outcome = 'Unknown request token.'))
          pending.delete(token)
          const answer = new URLSearchParams(await call(buildAccessTokenRequest(options.x.apiUrl, app, { token, secret }, params.get('oauth_verifier') ?? '')))
          hit.outcome = `@${answer.get('screen_name')}`
        } else {
          const verifier = pending.get(params.get('state') ?? '')
          if (!verifier) return send(400, (hit.outcome = 'Unknown state.'))
          pending.delete(params.get('state')!)
          await call(buildCodeExchangeRequest(options.x.apiUrl, app, params.get('code') ?? '', verifier))
          hit.outcome = 'token'
        }
      } catch (error) {
        return send(502, (hit.outcome = `X refused: ${(error as Error).message}`))
      }
      return send(200, `Connected ${hit.outcome === 'token' ? 'the account' : hit.outcome}. You can close this window.`)
    }
    handle().catch((error: unknown) => send(500, `Error: ${String(error)}`))
  }) as http.Server & { failWith: number | null }
  server.failWith = null
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('app server did not get a TCP port')
  const base = `http://127.0.0.1:${address.port}`
  return {
    startUrl: `${base}/start`,
    callbackUrl: `${base}/callback`,
    hits,
    get failWith() {
      return server.failWith
    },
    set failWith(status: number | null) {
      server.failWith = status
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function call(request: OAuth1Request | { url: string; headers: Record<string, string>; body: string }): Promise<string> {
  const answer = await fetch(request.url, { method: 'POST', headers: request.headers, body: 'body' in request ? request.body : undefined })
  const text = await answer.text()
  if (!answer.ok) throw new Error(`HTTP ${answer.status}: ${text.slice(0, 100)}`)
  return text
}
