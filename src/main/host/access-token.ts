import { randomBytes, timingSafeEqual } from 'node:crypto'

export const TOKEN_COOKIE = 'panel_token'

export function createAccessToken(): string {
  return randomBytes(24).toString('base64url')
}

/** Constant-time comparison of a presented token with the run's token. */
export function tokenMatches(expected: string, presented: string | null | undefined): boolean {
  if (!presented) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(presented)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim())
  }
  return null
}

/** The token a request presents: `?token=` in the URL, else the cookie set when the page was first opened. */
export function presentedToken(url: string | undefined, cookieHeader: string | undefined): string | null {
  const query = new URL(url ?? '/', 'http://127.0.0.1').searchParams.get('token')
  return query ?? readCookie(cookieHeader, TOKEN_COOKIE)
}
