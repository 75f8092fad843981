import type { CdpEndpoint } from '../gologin/types'

export type { CdpEndpoint }

/** The endpoint for messages and logs: scheme, host and path only (a query may carry a token). */
export function describeEndpoint(endpoint: CdpEndpoint): string {
  const raw = 'browserWSEndpoint' in endpoint ? endpoint.browserWSEndpoint : endpoint.browserURL
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return 'an invalid endpoint'
  }
}

export function isCdpEndpoint(value: unknown): value is CdpEndpoint {
  if (!value || typeof value !== 'object') return false
  const candidate = value as Record<string, unknown>
  const raw = candidate.browserWSEndpoint ?? candidate.browserURL
  if (typeof raw !== 'string') return false
  try {
    const protocol = new URL(raw).protocol
    return 'browserWSEndpoint' in candidate ? protocol === 'ws:' || protocol === 'wss:' : protocol === 'http:' || protocol === 'https:'
  } catch {
    return false
  }
}
