import type { Envelope } from './envelope'
import type { EventBatch, RequestChannel, RequestInput, RequestOutput } from './ipc-contract'

/**
 * What the renderer talks to: `window.api` in the desktop app (exposed by the preload), or the same
 * shape over the browser-mode WebSocket.
 */
export interface PanelBridge {
  invoke<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<Envelope<RequestOutput<C>>>
  /** Receives every pushed batch; returns the function that stops listening. */
  onEvents(listener: (batches: EventBatch[]) => void): () => void
}
