import type { Envelope } from './envelope'
import type { EventBatch } from './ipc-contract'

/**
 * Browser-mode WebSocket messages (JSON text frames). Path: `/ws`. The per-run token is presented as a
 * subprotocol (`Sec-WebSocket-Protocol: gologin-panel, token.<token>`): never a cookie (cookies ignore ports, so
 * every page on 127.0.0.1 would send it) and never in a URL a log or history could keep.
 */
export const WS_PATH = '/ws'
/** The subprotocol the server answers; the token travels beside it. */
export const WS_PROTOCOL = 'gologin-panel'
export const WS_TOKEN_PROTOCOL_PREFIX = 'token.'
/** Close codes of a socket the server will not serve: the page can tell "restarted" from "down". */
export const WS_CLOSE_TOKEN_REFUSED = 4401
export const WS_CLOSE_NO_TOKEN = 4400

/** The subprotocols a client offers: the panel's, and its token. */
export function wsProtocols(token: string | null): string[] {
  return token ? [WS_PROTOCOL, `${WS_TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL]
}

export type WsClientMessage = { type: 'invoke'; id: number; channel: string; payload: unknown }

export type WsServerMessage =
  /** First message of a socket the server serves (a refused one is closed instead, after its handshake). */
  | { type: 'ready' }
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'events'; batches: EventBatch[] }
