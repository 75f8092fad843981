/** Keys of the local REST API: create (shown once), list, revoke, verify. */
export { ApiKeyService, type ApiKeyRecord, type ApiKeyServiceDeps, type ApiKeyStore } from './api-key-service'
export { API_KEY_PREFIX, generateApiKey, hashApiKey } from './key-material'
