/**
 * Browser mode's per-run access token: printed once in PANEL_URL's fragment (`#token=…`, never sent to the server
 * by the browser), kept by the page in sessionStorage, presented as a WebSocket subprotocol. No cookie.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { WS_TOKEN_PROTOCOL_PREFIX } from '../../shared/ws-protocol'

export function createAccessToken(): string {
  // base64url: valid in a subprotocol name (an HTTP token).
  return randomBytes(24).toString('base64url')
}

/** Constant-time comparison of a presented token with the run's token. */
export function tokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (!presented) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(presented)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** The token a WebSocket upgrade offers in `Sec-WebSocket-Protocol`, or null. */
export function presentedToken(protocolHeader: string | string[] | undefined): string | null {
  const header = Array.isArray(protocolHeader) ? protocolHeader.join(',') : (protocolHeader ?? '')
  for (const part of header.split(',')) {
    const protocol = part.trim()
    if (protocol.startsWith(WS_TOKEN_PROTOCOL_PREFIX)) return protocol.slice(WS_TOKEN_PROTOCOL_PREFIX.length)
  }
  return null
}

/** The `Host` values this panel answers to: its own loopback address and port (a DNS-rebound name is refused). */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`])
}

/** Whether an `Origin` header, when there is one, is this panel's own page. */
export function sameOrigin(origin: string | undefined, port: number): boolean {
  return origin === undefined || (origin.startsWith('http://') && allowedHosts(port).has(origin.slice('http://'.length)))
}
