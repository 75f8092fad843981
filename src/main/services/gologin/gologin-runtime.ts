import type { Database } from '../../db'
import { ProfileEntity } from '../../db/entities'
import type { EventHub } from '../../ipc/event-hub'
import type { LogSystem } from '../../logging/logger'
import type { SettingsService } from '../settings/settings-service'
import { GoLoginApiClient } from './api-client'
import { createProfileLauncher } from './index'
import { ProfileSlots, type ProfileSlotsOptions } from './profile-slots'

/**
 * The GoLogin API client and the profile slots, configured from the settings and kept in step with
 * them: a changed token, URL, rate, launcher mode or concurrency applies without a restart.
 */
export interface GoLoginRuntime {
  client: GoLoginApiClient
  slots: ProfileSlots
  /** Stops every profile (bounded by the caller). */
  close(): Promise<void>
  /** After the shutdown: no background stop retries go on (their profiles stay journalled). */
  dispose(): void
}

export function createGoLoginRuntime(deps: {
  db: Database
  settings: SettingsService
  logs: LogSystem
  events: EventHub
  /** Length of the rate window (default 60 s); tests shorten it so the rate limit shows in seconds. */
  rateWindowMs?: number
  stops?: Pick<ProfileSlotsOptions, 'stopTimeoutMs' | 'stopRetryDelayMs'>
}): GoLoginRuntime {
  const { db, settings, logs, events } = deps
  const log = logs.logger('gologin')
  const client = new GoLoginApiClient({
    logger: log.child('api'),
    apiUrl: settings.get('gologinApiUrl'),
    token: settings.get('gologinToken'),
    requestsPerMinute: settings.get('gologinRequestsPerMinute'),
    rateWindowMs: deps.rateWindowMs,
    secrets: logs.redactor,
    onTokenRevoked: (error) =>
      events.emit('notice', { id: `gologin-revoked-${Date.now()}`, level: 'error', title: 'GoLogin token revoked', body: error.message }),
  })
  const launcher = () =>
    createProfileLauncher(
      {
        mode: settings.get('launcherMode'),
        localApiUrl: settings.get('gologinLocalApiUrl'),
        cloudBrowserUrl: settings.get('gologinCloudBrowserUrl'),
        startTimeoutMs: settings.get('profileStartTimeoutMs'),
      },
      { client, logger: log },
    )
  const profiles = db.dataSource.getRepository(ProfileEntity)
  const slots = new ProfileSlots({
    launcher: launcher(),
    logger: log.child('slots'),
    maxConcurrent: settings.get('maxConcurrentProfiles'),
    startTimeoutMs: settings.get('profileStartTimeoutMs'),
    ...deps.stops,
    usage: {
      async markInUse(profileId, inUse) {
        await profiles.update({ profileId }, { inUse })
        events.emit('profiles', { id: profileId, inUse })
      },
    },
  })
  const stopWatching = settings.onChange((_view, changed) => {
    if (changed.includes('gologinToken')) client.setToken(settings.get('gologinToken'))
    if (changed.includes('gologinApiUrl')) client.setApiUrl(settings.get('gologinApiUrl'))
    if (changed.includes('gologinRequestsPerMinute')) client.setRequestsPerMinute(settings.get('gologinRequestsPerMinute'))
    if (changed.includes('maxConcurrentProfiles')) slots.setMaxConcurrent(settings.get('maxConcurrentProfiles'))
    if (changed.some((key) => ['launcherMode', 'gologinLocalApiUrl', 'gologinCloudBrowserUrl', 'profileStartTimeoutMs'].includes(key))) {
      slots.setLauncher(launcher())
    }
  })
  return {
    client,
    slots,
    async close() {
      stopWatching()
      await slots.close()
    },
    dispose() {
      slots.dispose()
    },
  }
}
