import { ValidationException } from '../../../shared/errors'
import type { CdpEndpoint } from './types'

export interface NormalizeCdpOptions {
  /** Host for answers that carry no host (a bare port, a ws path). */
  host?: string
  /** Port for answers that are only a ws path (`/devtools/browser/…`). */
  port?: number
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})(\/.*)?$/

/**
 * Turns whatever a launcher answered into one CDP endpoint: a ws(s) URL is used as it is, an http
 * URL / `host:port` / bare port becomes a `browserURL` (puppeteer asks it for the ws URL), and a
 * path (`/devtools/browser/<id>`, alone or after `host:port`) becomes a ws URL.
 */
export function normalizeCdpEndpoint(answer: unknown, options: NormalizeCdpOptions = {}): CdpEndpoint {
  const host = options.host ?? '127.0.0.1'
  if (typeof answer === 'number') return { browserURL: `http://${host}:${checkPort(answer, answer)}` }
  if (typeof answer !== 'string' || !answer.trim()) throw invalid(answer, 'expected a ws URL, host:port, a port or a ws path')
  const text = answer.trim()

  if (/^\d+$/.test(text)) return { browserURL: `http://${host}:${checkPort(Number(text), text)}` }
  if (/^wss?:\/\//i.test(text)) return { browserWSEndpoint: parseUrl(text).href }
  if (/^https?:\/\//i.test(text)) {
    const url = parseUrl(text)
    if (isWsPath(url.pathname)) return { browserWSEndpoint: `ws://${url.host}${url.pathname}` }
    return { browserURL: `${url.protocol}//${url.host}` }
  }
  if (text.startsWith('/')) {
    if (!isWsPath(text)) throw invalid(text, 'a path must be a DevTools path like /devtools/browser/<id>')
    if (options.port === undefined) throw invalid(text, 'a ws path needs the browser’s debugging port')
    return { browserWSEndpoint: `ws://${host}:${checkPort(options.port, text)}${text}` }
  }
  const match = HOST_PORT.exec(text)
  if (match) {
    const [, matchedHost, port, rest] = match
    checkPort(Number(port), text)
    if (rest && rest !== '/') {
      if (!isWsPath(rest)) throw invalid(text, 'a path must be a DevTools path like /devtools/browser/<id>')
      return { browserWSEndpoint: `ws://${matchedHost}:${Number(port)}${rest}` }
    }
    return { browserURL: `http://${matchedHost}:${Number(port)}` }
  }
  throw invalid(text, 'expected a ws URL, host:port, a port or a ws path')
}

function isWsPath(pathname: string): boolean {
  return /^\/devtools\/(browser|page)\/[^/\s]+$/.test(pathname)
}

function checkPort(port: number, shown: unknown): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw invalid(shown, 'the port must be 1–65535')
  return port
}

function parseUrl(text: string): URL {
  try {
    return new URL(text)
  } catch {
    throw invalid(text, 'not a valid URL')
  }
}

function invalid(answer: unknown, why: string): ValidationException {
  return new ValidationException(`The profile launcher answered an unusable CDP endpoint (${printable(answer)}): ${why}.`, {
    field: 'cdpEndpoint',
  })
}

/** Shows the answer without any query string (it may hold a token). */
function printable(answer: unknown): string {
  if (typeof answer === 'number') return String(answer)
  if (typeof answer !== 'string') return typeof answer
  const withoutQuery = answer.split(/[?#]/)[0]
  return JSON.stringify(withoutQuery.length > 120 ? `${withoutQuery.slice(0, 120)}…` : withoutQuery)
}
