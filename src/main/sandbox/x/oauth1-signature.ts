/**
 * The sandbox's own check of an OAuth 1.0a request, written from RFC 5849 §3.4 independently of the
 * panel's signing library: parameters from the Authorization header, the query and a form body, each
 * percent-encoded, sorted by name then value, joined; HMAC-SHA1 keyed by consumer secret & token secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export interface OAuthRequestParts {
  method: string
  /** The URL as the client addressed it (scheme, host, path, query). */
  url: string
  authorization: string | undefined
  /** The raw `application/x-www-form-urlencoded` body, or null. */
  formBody: string | null
}

export interface ParsedOAuth {
  /** `oauth_*` parameters of the header, decoded (without realm). */
  header: Record<string, string>
  /** Every signed parameter: header (no signature), query and body. */
  params: Array<[string, string]>
}

function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** `OAuth a="b", c="d"` → its parameters, or null when the header is not an OAuth one. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null
  const out: Record<string, string> = {}
  const pattern = /([A-Za-z0-9_%.-]+)="([^"]*)"/g
  for (let match = pattern.exec(header); match; match = pattern.exec(header)) {
    try {
      out[decodeURIComponent(match[1])] = decodeURIComponent(match[2])
    } catch {
      return null
    }
  }
  return out
}

function formPairs(text: string): Array<[string, string]> {
  return [...new URLSearchParams(text)]
}

export function collectParams(parts: OAuthRequestParts): ParsedOAuth | null {
  const header = parseOAuthHeader(parts.authorization)
  if (!header) return null
  const { realm: _realm, ...oauth } = header
  const url = new URL(parts.url)
  const params: Array<[string, string]> = Object.entries(oauth).filter(([key]) => key !== 'oauth_signature')
  params.push(...formPairs(url.search.slice(1)))
  if (parts.formBody) params.push(...formPairs(parts.formBody))
  return { header: oauth, params }
}

export function baseString(method: string, url: string, params: Array<[string, string]>): string {
  const parsed = new URL(url)
  const base = `${parsed.protocol}//${parsed.host.toLowerCase()}${parsed.pathname}`
  const normalized = params
    .map(([key, value]) => [rfc3986(key), rfc3986(value)] as const)
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  return [method.toUpperCase(), rfc3986(base), rfc3986(normalized)].join('&')
}

/** Whether the header's signature is the HMAC-SHA1 of the request under these secrets. */
export function signatureValid(parts: OAuthRequestParts, parsed: ParsedOAuth, consumerSecret: string, tokenSecret: string): boolean {
  if (parsed.header.oauth_signature_method !== 'HMAC-SHA1') return false
  const expected = createHmac('sha1', `${rfc3986(consumerSecret)}&${rfc3986(tokenSecret)}`).update(baseString(parts.method, parts.url, parsed.params)).digest()
  let given: Buffer
  try {
    given = Buffer.from(parsed.header.oauth_signature ?? '', 'base64')
  } catch {
    return false
  }
  return given.length === expected.length && timingSafeEqual(given, expected)
}
