/** The local REST API (the origin service's `/api/v1`), opt-in from Settings. */
export type { AuthorizeInput, AuthorizeResult, HealthFigures, RestApiBackend, RestSession, SessionTokens } from './backend'
export { DbRestApiReads } from './db-reads'
export { RestApiHost, type RestApiConfig } from './rest-api-host'
export { isLoopback, startRestApi, type RestApi, type RestApiOptions } from './server'
