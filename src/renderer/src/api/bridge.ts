import type { PanelBridge } from '../../../shared/bridge'
import { wsProtocols } from '../../../shared/ws-protocol'
import { createWsBridge, type WsBridge } from './ws-bridge'
import { resolveAccessToken, webSocketUrl, withoutToken } from './ws-url'

let bridge: PanelBridge | null = null
let wsBridge: WsBridge | null = null

/** `window.api` in the desktop app (exposed by the preload); otherwise the browser-mode WebSocket bridge. */
export function getBridge(): PanelBridge {
  if (bridge) return bridge
  const exposed = (window as unknown as { api?: PanelBridge }).api
  if (exposed) return (bridge = exposed)
  wsBridge = createBrowserModeBridge()
  return (bridge = wsBridge)
}

/** The WebSocket bridge when the page runs in browser mode (it has a connection status), else null. */
export function getWsBridge(): WsBridge | null {
  getBridge()
  return wsBridge
}

function createBrowserModeBridge(): WsBridge {
  const storage = safeSessionStorage()
  const token = resolveAccessToken(window.location.hash, storage)
  const clean = withoutToken(window.location.href)
  if (clean) window.history.replaceState(window.history.state, '', clean)
  // A new address pasted into this tab differs only in its fragment, which does not reload the page: start afresh.
  window.addEventListener('hashchange', () => {
    const clean = withoutToken(window.location.href)
    if (!clean) return
    // The reload reads (and remembers, then hides) the new token like a first visit.
    if (resolveAccessToken(window.location.hash, null) !== token) return window.location.reload()
    window.history.replaceState(window.history.state, '', clean)
  })
  return createWsBridge({
    url: () => webSocketUrl(window.location),
    connect: (url, handlers) => {
      // The token rides in the handshake's subprotocols: no cookie, nothing another page on 127.0.0.1 could send.
      const socket = new WebSocket(url, wsProtocols(token))
      socket.onopen = () => handlers.onOpen()
      socket.onmessage = (event) => handlers.onMessage(event.data)
      socket.onclose = (event) => handlers.onClose(event.code, event.reason)
      return socket
    },
  })
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}
