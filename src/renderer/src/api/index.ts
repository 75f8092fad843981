import { getBridge } from './bridge'
import { createApiClient, type ApiClient } from './client'

export { ApiError } from './api-error'
export type { ApiClient } from './client'
export { getBridge, getWsBridge } from './bridge'
export type { ConnectionStatus } from './ws-bridge'

let client: ApiClient | null = null

/** The renderer's one way to call the panel: `await api.call('logs:recent', { limit: 500 })`. */
export const api: ApiClient = {
  call: (channel, input) => (client ??= createApiClient(getBridge())).call(channel, input),
}
