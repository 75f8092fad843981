import type { z } from 'zod'
import type { apiKeysContract } from '../../shared/contract/api-keys'
import type { RequestMeta } from '../ipc/router'
import type { ApiKeyService } from '../services/api-keys/api-key-service'

type ApiKeysChannel = keyof typeof apiKeysContract
type Input<C extends ApiKeysChannel> = z.output<(typeof apiKeysContract)[C]['input']>
type Output<C extends ApiKeysChannel> = (typeof apiKeysContract)[C]['output']

/** Same shape as `PartialHandlerMap<ApiKeysChannel>` once `apiKeysContract` is in the request contract. */
export type ApiKeysHandlerMap = {
  [C in ApiKeysChannel]: (input: Input<C>, meta: RequestMeta) => Promise<Output<C>> | Output<C>
}

export function apiKeysHandlers(apiKeys: Pick<ApiKeyService, 'list' | 'create' | 'revoke'>): ApiKeysHandlerMap {
  return {
    'apiKeys:list': () => apiKeys.list(),
    'apiKeys:create': ({ name, scopes }) => apiKeys.create(name, scopes),
    'apiKeys:revoke': ({ id }) => apiKeys.revoke(id),
  }
}
