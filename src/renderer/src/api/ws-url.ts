import { WS_PATH } from '../../../shared/ws-protocol'

/** Where the page keeps the browser-mode token so a reload without `?token=` still connects. */
export const TOKEN_STORAGE_KEY = 'panel.accessToken'

export interface TokenStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** The access token from the page's query string (remembered in `storage`), else the remembered one. */
export function resolveAccessToken(search: string, storage: TokenStorage | null): string | null {
  const fromUrl = new URLSearchParams(search).get('token')
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromUrl)
    } catch {
      // Storage can be disabled; the cookie set by the server still authenticates the socket.
    }
    return fromUrl
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

/** `ws(s)://<host>/ws`, with `?token=` when we have one (the cookie covers the case we do not). */
export function webSocketUrl(location: { protocol: string; host: string }, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const query = token ? `?token=${encodeURIComponent(token)}` : ''
  return `${scheme}//${location.host}${WS_PATH}${query}`
}

/** The page URL without its `token` parameter (so it does not linger in the address bar or screenshots). */
export function withoutToken(href: string): string | null {
  const url = new URL(href)
  if (!url.searchParams.has('token')) return null
  url.searchParams.delete('token')
  return url.toString()
}
