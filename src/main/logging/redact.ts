/**
 * Removes secrets from anything about to be logged: by key name (tokens, secrets, passwords,
 * Authorization headers, cookies, PKCE verifiers…), by shape (Bearer/Basic credentials, JWTs,
 * secret query parameters, credentials in URLs, Cookie/Authorization/X-API-Key header lines) and by value (every secret the panel knows it holds is registered here,
 * so it is scrubbed even inside an unrelated message).
 */

export const REDACTED = '[REDACTED]'

const SENSITIVE_KEY =
  /(pass(word|wd)?|secret|token|authorization|^auth$|cookie|verifier|api[-_]?key|credential|private[-_]?key|^code$|signature)/i
/** Keys that match the pattern above but hold no secret. */
const SAFE_KEYS = new Set(['token_type', 'tokenType', 'hasToken', 'tokenSet', 'expires_in', 'tokenExpiresAt'])

const SHAPES: Array<[RegExp, string]> = [
  // Header lines whose whole value is a credential: the rest of the line goes, whatever the scheme.
  [/\b((?:Set-)?Cookie|X-API-Key|(?:Proxy-)?Authorization)[ \t]*:[ \t]*[^\r\n]+/gi, `$1: ${REDACTED}`],
  // The same headers as JSON text (a logged request or response body).
  [/("(?:(?:set-)?cookie|x-api-key|(?:proxy-)?authorization)"\s*:\s*")(?:[^"\\]|\\.)*"/gi, `$1${REDACTED}"`],
  // Credentials in a URL (postgres://user:pw@host, http://user:pw@proxy:8080): the whole user-info goes; the
  // class stops at / ? # so only the authority is read, and takes up to its last @ as URL parsers do.
  [/\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#"'<>@]*:[^\s/?#"'<>]*@/gi, `$1${REDACTED}@`],
  // A user name alone is kept (postgres://postgres@host names the role), unless it is token-like (https://<token>@host).
  [/\b([a-z][a-z0-9+.-]{0,31}:\/\/)[A-Za-z0-9_\-.~%]{16,}@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\b/g, REDACTED],
  [
    /([?&#](?:token|access_token|refresh_token|code|code_verifier|client_secret|api_key|apikey|key|password|oauth_token|oauth_verifier)=)[^&#\s"']+/gi,
    `$1${REDACTED}`,
  ],
  // Anywhere in text (form bodies, OAuth 1.0a responses and headers), not only after ? & #.
  [
    /("?(?:access_token|refresh_token|client_secret|password|code_verifier|oauth_token_secret|oauth_token|oauth_verifier|oauth_signature)"?\s*[:=]\s*"?)[^"&,\s}]+/gi,
    `$1${REDACTED}`,
  ],
]

const MAX_DEPTH = 8

export class Redactor {
  private readonly secrets = new Set<string>()

  /** Registers a secret value so that it is removed wherever it appears. Short values are ignored. */
  addSecret(value: string | null | undefined): void {
    if (value && value.length >= 6) this.secrets.add(value)
  }

  redactString(text: string): string {
    let out = text
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    }
    for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement)
    return out
  }

  /** A deep copy of `value` with every secret removed. Handles cycles, Errors, Maps, Buffers. */
  redact<T>(value: T): T {
    return this.walk(value, false, 0, new WeakSet()) as T
  }

  private walk(value: unknown, sensitive: boolean, depth: number, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return sensitive ? (value.length ? REDACTED : value) : this.redactString(value)
    if (value === null || typeof value !== 'object') {
      if (typeof value === 'bigint') return value.toString()
      if (typeof value === 'function' || typeof value === 'symbol') return undefined
      return value
    }
    if (seen.has(value)) return '[Circular]'
    if (depth >= MAX_DEPTH) return '[Truncated]'
    seen.add(value)
    try {
      if (value instanceof Error) return this.walk(serializeError(value), sensitive, depth + 1, seen)
      if (value instanceof Date) return value.toISOString()
      if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return sensitive ? REDACTED : `[${value.byteLength} bytes]`
      if (value instanceof Map) return this.walk(Object.fromEntries(value), sensitive, depth, seen)
      if (value instanceof Set) return this.walk([...value], sensitive, depth, seen)
      if (Array.isArray(value)) return value.map((item) => this.walk(item, sensitive, depth + 1, seen))
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(value)) {
        const keySensitive = sensitive || (SENSITIVE_KEY.test(key) && !SAFE_KEYS.has(key))
        out[key] = this.walk(item, keySensitive, depth + 1, seen)
      }
      return out
    } finally {
      seen.delete(value)
    }
  }
}

/** Plain-object view of an error: name, message, code, status, cause chain and stack. */
export function serializeError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name, message: error.message }
  const extra = error as Error & { code?: unknown; statusCode?: unknown; details?: unknown }
  if (extra.code !== undefined) out.code = extra.code
  if (extra.statusCode !== undefined) out.statusCode = extra.statusCode
  if (extra.details !== undefined) out.details = extra.details
  if (error.stack) out.stack = error.stack.split('\n').slice(0, 12).join('\n')
  if (error.cause !== undefined) out.cause = error.cause instanceof Error ? serializeError(error.cause) : error.cause
  return out
}
