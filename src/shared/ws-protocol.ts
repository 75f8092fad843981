import type { Envelope } from './envelope'
import type { EventBatch } from './ipc-contract'

/** Browser-mode WebSocket messages (JSON text frames). Path: `/ws`; auth: the per-run token. */
export const WS_PATH = '/ws'

export type WsClientMessage = { type: 'invoke'; id: number; channel: string; payload: unknown }

export type WsServerMessage =
  | { type: 'result'; id: number; envelope: Envelope<unknown> }
  | { type: 'events'; batches: EventBatch[] }
