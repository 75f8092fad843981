import type { PanelBridge } from '../../../shared/bridge'
import type { RequestChannel, RequestInput, RequestOutput } from '../../../shared/ipc-contract'
import { ApiError } from './api-error'

export interface ApiClient {
  /** Sends one request and returns its data; throws `ApiError` when the panel answers `success: false`. */
  call<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>>
}

export function createApiClient(bridge: PanelBridge): ApiClient {
  return {
    async call(channel, input) {
      let envelope
      try {
        envelope = await bridge.invoke(channel, input)
      } catch (error) {
        if (error instanceof ApiError) throw error
        // A transport that throws instead of answering an envelope (should not happen): keep the UI's one error shape.
        throw new ApiError({
          code: 'INTERNAL_ERROR',
          message: `The request ${channel} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
          retryable: true,
        })
      }
      if (!envelope.success) throw ApiError.fromEnvelope(envelope)
      return envelope.data
    },
  }
}
