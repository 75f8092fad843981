/**
 * GoLogin's cloud browser stand-in: `ws(s)://…/connect?token=…&profile=…` starts the profile's browser and
 * relays the CDP WebSocket to it, like `wss://cloudbrowser.gologin.com/connect`. The connect counts against
 * the same rate limit as the cloud API (a request over the limit answers 429 and revokes the token, a bad or
 * revoked token answers 401), and `DELETE /browser/{id}/web` stops the browser.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import WebSocket, { WebSocketServer, type RawData } from 'ws'
import type { ProfileBrowsers } from './browsers'
import { takeInjectedFailure, type CloudState } from './cloud-api'
import type { SandboxProfileBehaviour } from './profiles'
import type { RequestEntry, RequestLog } from './request-log'

export const CLOUD_CONNECT_PATH = '/connect'

export interface CloudConnectDeps {
  state: CloudState
  requests: RequestLog
  browsers: Pick<ProfileBrowsers, 'start'>
  behaviour(profileId: string): SandboxProfileBehaviour
}

export interface CloudConnect {
  /** Handles the HTTP upgrade of a cloud-browser connect on the cloud API's server. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Cuts the CDP connections to a profile's cloud browser (a network drop); the browser keeps running. */
  drop(profileId: string): number
}

export function cloudConnect(deps: CloudConnectDeps): CloudConnect {
  const server = new WebSocketServer({ noServer: true })
  const clients = new Map<string, Set<WebSocket>>()
  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The client may go (a host killed or stopped) while its browser starts: its reset must not be an uncaught error.
    socket.on('error', () => socket.destroy())
    const url = new URL(request.url ?? '/', 'http://sandbox')
    if (url.pathname !== CLOUD_CONNECT_PATH) return refuse(socket, 404, 'Not Found')
    const { state } = deps
    const entrance = state.entranceOf(request.socket.localPort)
    const { inWindow, entry } = deps.requests.record(`GET ${CLOUD_CONNECT_PATH}`, entrance)
    const log = { requests: deps.requests, entry }
    if (state.revoked) return refuse(socket, 401, 'Unauthorized', log)
    if (inWindow > state.rateLimit.max) {
      state.revoked = true
      return refuse(socket, 429, 'Too Many Requests', log)
    }
    if (url.searchParams.get('token') !== state.token) return refuse(socket, 401, 'Unauthorized', log)
    const injected = takeInjectedFailure(state, entrance)
    if (injected !== null) return refuse(socket, injected, injected === 429 ? 'Too Many Requests' : 'Injected Failure', log)
    const profile = state.profiles.get(url.searchParams.get('profile') ?? '')
    if (!profile) return refuse(socket, 404, 'Not Found', log)
    deps.browsers.start(profile, deps.behaviour(profile.id)).then(
      (wsEndpoint) => {
        deps.requests.recordStatus(101, entry)
        state.hosting.started(profile.id, entrance)
        server.handleUpgrade(request, socket, head, (client) => {
          const open = clients.get(profile.id) ?? new Set<WebSocket>()
          clients.set(profile.id, open.add(client))
          client.on('close', () => open.delete(client))
          relay(client, wsEndpoint)
        })
      },
      () => refuse(socket, 502, 'Bad Gateway', log),
    )
  }
  return {
    upgrade,
    drop(profileId) {
      const open = [...(clients.get(profileId) ?? [])]
      for (const client of open) client.terminate()
      return open.length
    },
  }
}

function refuse(socket: Duplex, status: number, text: string, log?: { requests: RequestLog; entry: RequestEntry }): void {
  log?.requests.recordStatus(status, log.entry)
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}

/** Relays messages both ways until either side closes (client messages sent before the upstream opens wait). */
function relay(client: WebSocket, wsEndpoint: string): void {
  const upstream = new WebSocket(wsEndpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 })
  const waiting: Array<[RawData, boolean]> = []
  client.on('message', (data, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary })
    else waiting.push([data, isBinary])
  })
  upstream.on('open', () => {
    for (const [data, isBinary] of waiting.splice(0)) upstream.send(data, { binary: isBinary })
  })
  upstream.on('message', (data, isBinary) => {
    if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary })
  })
  const closeBoth = () => {
    client.close()
    upstream.close()
  }
  client.on('close', closeBoth)
  upstream.on('close', closeBoth)
  client.on('error', closeBoth)
  upstream.on('error', closeBoth)
}
