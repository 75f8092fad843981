import { shell } from 'electron'
import type { Logger } from '../logging/logger'

const MAX_URL_LENGTH = 2_048
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

export type ExternalUrlVerdict = { ok: true; url: string } | { ok: false; reason: string }

/**
 * Which links may leave the app for the system browser: `https:` anywhere, `http:` only on this
 * machine (the sandbox and the local REST API run on 127.0.0.1; plain http elsewhere could be
 * swapped in transit). No credentials in the URL, nothing that is not a web page.
 */
export function checkExternalUrl(raw: unknown): ExternalUrlVerdict {
  if (typeof raw !== 'string' || raw.length === 0) return { ok: false, reason: 'not a URL' }
  if (raw.length > MAX_URL_LENGTH) return { ok: false, reason: 'URL too long' }
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return { ok: false, reason: 'not a valid URL' }
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: `scheme ${url.protocol} not allowed` }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return { ok: false, reason: 'plain http only on this machine' }
  if (url.username || url.password) return { ok: false, reason: 'credentials in URL' }
  if (!url.hostname) return { ok: false, reason: 'no host' }
  return { ok: true, url: url.href }
}

/** The one way the app opens a link in the system browser; anything else is refused and logged. */
export async function safeOpenExternal(raw: unknown, log: Logger): Promise<boolean> {
  const verdict = checkExternalUrl(raw)
  if (!verdict.ok) {
    // Log the scheme only: a refused URL may carry a token in its query.
    log.warn('external_link.refused', { reason: verdict.reason, scheme: schemeOf(raw) }, 'A link was not opened: it is not a safe web address')
    return false
  }
  try {
    await shell.openExternal(verdict.url)
    log.info('external_link.opened', { host: new URL(verdict.url).host })
    return true
  } catch (err) {
    log.warn('external_link.failed', { err, host: new URL(verdict.url).host }, 'The system browser could not open the link')
    return false
  }
}

function schemeOf(raw: unknown): string {
  if (typeof raw !== 'string') return typeof raw
  const match = /^([a-z][a-z0-9+.-]{0,30}):/i.exec(raw)
  return match ? match[1].toLowerCase() : '(none)'
}
