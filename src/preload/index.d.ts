import type { PanelBridge } from '../shared/bridge'

declare global {
  interface Window {
    /** Set by the desktop app's preload; absent in browser mode (the WebSocket client is used there). */
    api?: PanelBridge
  }
}

export {}
