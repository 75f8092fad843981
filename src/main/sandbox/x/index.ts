export { startXSandbox, type XSandbox, type XSandboxOptions } from './x-sandbox'
export { startCallbackServer, type CallbackHit, type CallbackServer } from './callback-server'
export { SANDBOX_USER_COOKIE } from './consent-routes'
export type { ConsumerInput, IssuedOAuth1Token, SandboxConsumer } from './oauth1-state'
export {
  ACCOUNT_BEHAVIOURS,
  CODE_LIFETIME_MS,
  SANDBOX_LOCALES,
  type AccountBehaviour,
  type AccountFaults,
  type AccountInput,
  type ClientInput,
  type IssuedToken,
  type SandboxAccount,
  type SandboxClient,
  type SandboxLocale,
  type SandboxStats,
  type TokenFault,
} from './state'
