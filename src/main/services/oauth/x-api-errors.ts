/**
 * Turns X's answers into TwitterAPIException: OAuth errors `{error, error_description}`, v2 problems
 * `{title, detail}` and `{errors:[{message}]}`. Messages never carry a token, code, verifier or secret.
 */
import { TwitterAPIException } from '../../../shared/errors'

export interface RateLimitInfo {
  limit: number | null
  remaining: number | null
  /** When the window resets (from `x-rate-limit-reset`, epoch seconds). */
  resetAt: Date | null
}

/** A 429 from X; `resetAt` says when calling again can succeed. */
export class XRateLimitException extends TwitterAPIException {
  readonly resetAt: Date | null

  constructor(message: string, rateLimit: RateLimitInfo | null, xError?: string) {
    super(429, message, { xError, details: { rateLimitResetAt: rateLimit?.resetAt?.toISOString() ?? null } })
    this.resetAt = rateLimit?.resetAt ?? null
  }
}

type HeaderBag = Record<string, unknown> | { get?(name: string): unknown }

function header(headers: HeaderBag, name: string): string | null {
  const value = typeof (headers as { get?: unknown }).get === 'function' ? (headers as { get(n: string): unknown }).get(name) : (headers as Record<string, unknown>)[name]
  if (value === undefined || value === null) return null
  return Array.isArray(value) ? String(value[0]) : String(value)
}

function intHeader(headers: HeaderBag, name: string): number | null {
  const raw = header(headers, name)
  if (raw === null || !/^\d+$/.test(raw.trim())) return null
  return Number(raw)
}

/** The `x-rate-limit-*` headers, or null when X sent none. */
export function readRateLimit(headers: HeaderBag): RateLimitInfo | null {
  const limit = intHeader(headers, 'x-rate-limit-limit')
  const remaining = intHeader(headers, 'x-rate-limit-remaining')
  const reset = intHeader(headers, 'x-rate-limit-reset')
  if (limit === null && remaining === null && reset === null) return null
  return { limit, remaining, resetAt: reset === null ? null : new Date(reset * 1000) }
}

interface XErrorShape {
  xError?: string
  description: string
}

/** Reads whichever error shape X used; falls back to the status line. */
export function describeXError(status: number, data: unknown): XErrorShape {
  if (data && typeof data === 'object') {
    const body = data as Record<string, unknown>
    if (typeof body.error === 'string') {
      return { xError: body.error, description: typeof body.error_description === 'string' ? body.error_description : body.error }
    }
    if (typeof body.title === 'string' || typeof body.detail === 'string') {
      const title = typeof body.title === 'string' ? body.title : undefined
      return { xError: title, description: typeof body.detail === 'string' ? body.detail : (title ?? `HTTP ${status}`) }
    }
    if (Array.isArray(body.errors) && body.errors.length) {
      const first = body.errors[0] as Record<string, unknown>
      const message = typeof first?.message === 'string' ? first.message : typeof first?.detail === 'string' ? first.detail : `HTTP ${status}`
      return { xError: typeof first?.code === 'number' || typeof first?.code === 'string' ? String(first.code) : undefined, description: message }
    }
  }
  return { description: status ? `HTTP ${status}` : 'no answer' }
}

/** Removes every given secret (and anything shaped like a bearer credential) and caps the length. */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let out = text
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('[REDACTED]')
  out = out.replace(/\b(Bearer|Basic)\s+\S+/gi, '$1 [REDACTED]')
  return out.length > 300 ? `${out.slice(0, 297)}...` : out
}

/** The exception for an X answer with a non-2xx status. */
export function xApiException(status: number, data: unknown, headers: HeaderBag, secrets: ReadonlyArray<string | null | undefined>): TwitterAPIException {
  const { xError, description } = describeXError(status, data)
  const message = scrub(xError && xError !== description ? `${xError}: ${description}` : description, secrets)
  const safeXError = xError === undefined ? undefined : scrub(xError, secrets)
  if (status === 429) return new XRateLimitException(message, readRateLimit(headers), safeXError)
  return new TwitterAPIException(status, message, { xError: safeXError })
}

/** The exception for a request that got no answer: X_API_TIMEOUT, or X_API_NETWORK_ERROR (reset, refused, DNS…). */
export function xTransportException(what: string, err: unknown, secrets: ReadonlyArray<string | null | undefined>): TwitterAPIException {
  const raw = err as { code?: unknown; message?: unknown }
  const timedOut = raw?.code === 'ECONNABORTED' || raw?.code === 'ETIMEDOUT'
  const reason = timedOut ? 'timed out' : typeof raw?.code === 'string' && raw.code !== 'ERR_NETWORK' ? `${raw.code} (${String(raw.message ?? '')})` : String(raw?.message ?? err)
  const message = scrub(`${what} failed: ${reason}`, secrets)
  // The axios error holds the request config (headers, body with secrets): keep only a plain copy for the log.
  const cause = new Error(message)
  if (typeof raw?.code === 'string') (cause as Error & { code?: string }).code = raw.code
  return new TwitterAPIException(0, message, { cause, code: timedOut ? 'X_API_TIMEOUT' : 'X_API_NETWORK_ERROR' })
}
