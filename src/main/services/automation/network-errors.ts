/**
 * Chromium's network errors (`net::ERR_…`) in the profile's browser, named for the operator: the
 * profile's proxy failed, or the browser could not reach X through it. Either way the fix is in the
 * profile (its proxy) or the network, never at X.
 */
import { InfrastructureException, type AppException } from '../../../shared/errors'
import type { PageFailure } from './page-classifier'

const PROXY = /^ERR_(?:PROXY_|TUNNEL_|SOCKS_|MANDATORY_PROXY_|HTTPS_PROXY_)/
const NETWORK = /^ERR_(?:NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|TIMED_OUT|CONNECTION_|ADDRESS_UNREACHABLE|ADDRESS_INVALID|INTERNET_DISCONNECTED|NETWORK_CHANGED|NETWORK_ACCESS_DENIED|EMPTY_RESPONSE|SSL_|CERT_)/

/** The `ERR_…` name in a Chromium error text ("net::ERR_PROXY_CONNECTION_FAILED at …"), if any. */
export function chromiumErrorName(text: string): string | null {
  return /\b(?:net::)?(ERR_[A-Z0-9_]+)\b/.exec(text)?.[1] ?? null
}

/** PROFILE_PROXY_FAILED / PROFILE_NETWORK_ERROR and the sentence, for a proxy or network error while `doing` something; null for other errors. */
export function networkFailureFor(errorText: string, doing: string): PageFailure | null {
  const name = chromiumErrorName(errorText)
  if (!name) return null
  if (PROXY.test(name)) return { code: 'PROFILE_PROXY_FAILED', message: `The profile’s proxy failed while ${doing} (${name}). Check the profile’s proxy in GoLogin.` }
  if (NETWORK.test(name)) {
    return { code: 'PROFILE_NETWORK_ERROR', message: `The profile’s browser could not reach X while ${doing} (${name}). Check the profile’s proxy and the network.` }
  }
  return null
}

/** The same as an exception (with the Chromium error in its details), or null. */
export function profileNetworkFailure(errorText: string, doing: string, cause?: unknown): AppException | null {
  const failure = networkFailureFor(errorText, doing)
  return failure ? new InfrastructureException(failure.code, failure.message, { cause, details: { chromiumError: chromiumErrorName(errorText) } }) : null
}
