import { WS_PATH } from '../../../shared/ws-protocol'

/** Where the page keeps the browser-mode token (this tab and this panel's origin only) so a reload still connects. */
export const TOKEN_STORAGE_KEY = 'panel.accessToken'

export interface TokenStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** The token in the address browser mode printed: its fragment `#token=…` (never sent to the server), else null. */
function tokenInHash(hash: string): string | null {
  if (!hash.startsWith('#token=')) return null
  return new URLSearchParams(hash.slice(1)).get('token') || null
}

/** The access token from the page's fragment (remembered in `storage`), else the remembered one. */
export function resolveAccessToken(hash: string, storage: TokenStorage | null): string | null {
  const fromUrl = tokenInHash(hash)
  if (fromUrl) {
    try {
      storage?.setItem(TOKEN_STORAGE_KEY, fromUrl)
    } catch {
      // Storage can be disabled: this page still connects; a reload then needs the printed address again.
    }
    return fromUrl
  }
  try {
    return storage?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

/** `ws(s)://<host>/ws`: the token goes in the subprotocols (`wsProtocols`), never in the URL. */
export function webSocketUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}${WS_PATH}`
}

/** The page URL without its `#token=` fragment (so it does not linger in the address bar, history or screenshots). */
export function withoutToken(href: string): string | null {
  const url = new URL(href)
  if (!tokenInHash(url.hash)) return null
  url.hash = ''
  return url.toString()
}
