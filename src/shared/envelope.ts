import type { ErrorCode } from './errors'

/** The answer to every request, over IPC, the browser-mode WebSocket and (snake_cased) the REST API. */
export type Envelope<T> =
  | { success: true; data: T; error: null; errorCode: null; requestId: string; timestamp: string }
  | {
      success: false
      data: null
      /** A sentence for the operator; never a stack trace or a secret. */
      error: string
      errorCode: ErrorCode
      requestId: string
      timestamp: string
      retryable: boolean
      /** Non-secret facts, e.g. `{ field: 'apiApp' }` for a validation error. */
      details?: Record<string, unknown>
    }

export type FailedEnvelope = Extract<Envelope<unknown>, { success: false }>
