/** The GoLogin part of the panel: cloud API client, profile launchers and the profile slots. */
import type { Logger } from '../../logging/logger'
import type { GoLoginApiClient } from './api-client'
import { CloudBrowserLauncher } from './cloud-launcher'
import { DesktopAppLauncher } from './desktop-launcher'
import type { ProfileLauncher } from './types'

export * from './types'
export { GoLoginApiClient, GOLOGIN_API_URL, DEFAULT_REQUESTS_PER_MINUTE } from './api-client'
export type { GoLoginApiClientOptions, GoLoginClientStatus, RequestOptions } from './api-client'
export { RequestRateLimiter, type RequestBudget } from './rate-limiter'
export { SharedRequestBudget } from './shared-budget'
export { TokenStops, tokenFingerprint, type TokenStop, type TokenStopGate } from './token-stops'
export { normalizeCdpEndpoint } from './cdp-endpoint'
export { DesktopAppLauncher, GOLOGIN_LOCAL_API_URL } from './desktop-launcher'
export { CloudBrowserLauncher, GOLOGIN_CLOUD_BROWSER_URL } from './cloud-launcher'
export { ProfileSlots, MAX_CONCURRENT_PROFILES, MIN_CONCURRENT_PROFILES } from './profile-slots'
export type { ProfileHandle, ProfileSlotsOptions, SlotFigures, SlotPhase } from './profile-slots'

export type LaunchMode = 'desktop' | 'cloud'

export interface LauncherSettings {
  mode: LaunchMode
  /** Desktop app local API (default http://127.0.0.1:36912). */
  localApiUrl?: string
  /** Cloud browser connect URL (default wss://cloudbrowser.gologin.com/connect). */
  cloudBrowserUrl?: string
  startTimeoutMs?: number
}

/** The launcher the settings ask for (the settings service calls this again when they change). */
export function createProfileLauncher(settings: LauncherSettings, deps: { client: GoLoginApiClient; logger: Logger }): ProfileLauncher {
  if (settings.mode === 'cloud') {
    return new CloudBrowserLauncher({ api: deps.client, connectUrl: settings.cloudBrowserUrl, logger: deps.logger.child('cloud') })
  }
  return new DesktopAppLauncher({
    localApiUrl: settings.localApiUrl,
    startTimeoutMs: settings.startTimeoutMs,
    logger: deps.logger.child('desktop'),
  })
}
