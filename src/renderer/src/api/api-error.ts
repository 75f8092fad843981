import type { FailedEnvelope } from '../../../shared/envelope'
import type { ErrorCode } from '../../../shared/errors'

/** Failures that happen in the renderer's transport before the panel could answer. */
export type ClientErrorCode = 'CONNECTION_LOST' | 'NOT_CONNECTED' | 'REQUEST_TIMEOUT'
export type ApiErrorCode = ErrorCode | ClientErrorCode

export interface ApiErrorInit {
  code: ApiErrorCode
  message: string
  retryable: boolean
  requestId?: string | null
  details?: Record<string, unknown>
}

/** A request that did not succeed; `message` is a sentence written for the operator. */
export class ApiError extends Error {
  readonly code: ApiErrorCode
  readonly retryable: boolean
  /** The id to look for in the Logs page; null when the request never reached the panel. */
  readonly requestId: string | null
  readonly details?: Record<string, unknown>

  constructor(init: ApiErrorInit) {
    super(init.message)
    this.name = 'ApiError'
    this.code = init.code
    this.retryable = init.retryable
    this.requestId = init.requestId ?? null
    this.details = init.details
  }

  static fromEnvelope(envelope: FailedEnvelope): ApiError {
    return new ApiError({
      code: envelope.errorCode,
      message: envelope.error,
      retryable: envelope.retryable,
      requestId: envelope.requestId,
      details: envelope.details,
    })
  }
}

export const CLIENT_ERROR_SENTENCES: Record<ClientErrorCode, string> = {
  CONNECTION_LOST: 'The connection to the panel was lost before it answered; the request may or may not have run.',
  NOT_CONNECTED: 'Not connected to the panel. Check that it is still running, then use Reconnect in the status bar.',
  REQUEST_TIMEOUT: 'The panel did not answer in time.',
}

export function clientError(code: ClientErrorCode, details?: Record<string, unknown>): ApiError {
  return new ApiError({ code, message: CLIENT_ERROR_SENTENCES[code], retryable: true, details })
}
