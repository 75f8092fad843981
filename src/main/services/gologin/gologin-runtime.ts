import { numberPlaceholders, sidePool, type Database } from '../../db'
import { ProfileEntity } from '../../db/entities'
import type { SettingKey } from '../../../shared/contract/settings'
import { DomainException } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { LogSystem, Logger } from '../../logging/logger'
import type { SettingsService } from '../settings/settings-service'
import { GoLoginApiClient } from './api-client'
import { createProfileLauncher } from './index'
import { ProfileSlots, type ProfileSlotsOptions } from './profile-slots'
import { SharedRequestBudget } from './shared-budget'
import { TokenStops, type SqlRun } from './token-stops'

/** The settings of the one GoLogin account every host of a shared database uses: a change on one host reaches all. */
export const SHARED_GOLOGIN_SETTINGS: readonly SettingKey[] = ['gologinToken', 'gologinApiUrl', 'gologinRequestsPerMinute']

/**
 * The GoLogin API client and the profile slots, configured from the settings and kept in step with
 * them: a changed token, URL, rate, launcher mode or concurrency applies without a restart.
 * On PostgreSQL the client goes through the budget every host shares (shared-budget.ts) and the token
 * stop every host sees (token-stops.ts); every `sharedPollMs` the runtime also looks for a stop or a
 * GoLogin setting another host wrote, so an idle panel shows the revoked token too and uses the new one.
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
  /** This host, as a token stop it records names it. */
  hostId: string
  /** PostgreSQL: how often to look for another host's token stop or GoLogin settings (default 2 s). */
  sharedPollMs?: number
  /** This host's slot limit, overriding the `maxConcurrentProfiles` setting (core option `hostSlots`). */
  hostSlots?: number
}): GoLoginRuntime {
  const { db, settings, logs, events, hostId } = deps
  const log = logs.logger('gologin')
  const shared = db.kind === 'postgres'
  const pool = shared
    ? sidePool(db.dataSource, { max: 2, applicationName: 'gologin-panel/gologin-budget', onError: (error) => log.warn('gologin.budget.connection_lost', { err: error }) })
    : null
  const run: SqlRun = pool ? async (sql, params) => (await pool.query(numberPlaceholders(sql), params)).rows : (sql, params) => db.dataSource.query(sql, params)
  const tokenStops = new TokenStops({ run, hostId, shared, log: log.child('stops') })
  const client = new GoLoginApiClient({
    logger: log.child('api'),
    apiUrl: settings.get('gologinApiUrl'),
    token: settings.get('gologinToken'),
    requestsPerMinute: settings.get('gologinRequestsPerMinute'),
    rateWindowMs: deps.rateWindowMs,
    limiter: pool
      ? new SharedRequestBudget({ pool, requestsPerWindow: settings.get('gologinRequestsPerMinute'), windowMs: deps.rateWindowMs, logger: log.child('budget') })
      : undefined,
    stops: tokenStops,
    hostId,
    secrets: logs.redactor,
    onTokenRevoked: (error) =>
      events.emit('notice', {
        id: `gologin-revoked-${Date.now()}`,
        level: 'error',
        title: 'GoLogin token revoked',
        body: error.message,
        // Every host adopts a stop: one key, so the fleet's alert goes out once.
        alert: { kind: 'gologin_stopped', key: 'gologin-token-stopped' },
      }),
  })
  // A token stopped before this start (by any host, or by this one before a restart) stays stopped.
  const refreshStop = () => client.refreshStop().catch((error: unknown) => log.warn('gologin.token_stop.unreadable', { err: error }))
  void refreshStop()
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
    maxConcurrent: deps.hostSlots ?? settings.get('maxConcurrentProfiles'),
    startTimeoutMs: settings.get('profileStartTimeoutMs'),
    ...deps.stops,
    usage: {
      async markInUse(profileId, inUse) {
        if (inUse && db.kind === 'postgres') await takeProfile(db.dataSource, profileId, hostId)
        // Cleared only where this host holds it: another host's flag is that host's to clear.
        else await profiles.update(inUse || db.kind !== 'postgres' ? { profileId } : { profileId, inUseBy: hostId }, { inUse, inUseBy: inUse ? hostId : null })
        events.emit('profiles', { id: profileId, inUse })
      },
    },
  })
  const stopWatching = settings.onChange((_view, changed) => {
    if (changed.includes('gologinToken')) {
      client.setToken(settings.get('gologinToken'))
      void refreshStop()
    }
    if (changed.includes('gologinApiUrl')) client.setApiUrl(settings.get('gologinApiUrl'))
    if (changed.includes('gologinRequestsPerMinute')) client.setRequestsPerMinute(settings.get('gologinRequestsPerMinute'))
    if (changed.includes('maxConcurrentProfiles') && deps.hostSlots === undefined) slots.setMaxConcurrent(settings.get('maxConcurrentProfiles'))
    if (changed.some((key) => ['launcherMode', 'gologinLocalApiUrl', 'gologinCloudBrowserUrl', 'profileStartTimeoutMs'].includes(key))) {
      slots.setLauncher(launcher())
    }
  })
  const stopPolling = pool ? pollShared({ client, settings, run, log, everyMs: deps.sharedPollMs ?? 2_000 }) : () => undefined
  let ended: Promise<void> | null = null
  const endPool = () => (ended ??= pool ? pool.end().catch((error: unknown) => log.warn('gologin.budget.close_failed', { err: error })) : Promise.resolve())
  return {
    client,
    slots,
    async close() {
      stopWatching()
      stopPolling()
      await slots.close()
      await endPool()
    },
    dispose() {
      slots.dispose()
      stopPolling()
      void endPool()
    },
  }
}

/**
 * Every `everyMs`: adopts a token stop another host recorded (so this panel shows it even while idle), and
 * reloads the shared GoLogin settings when their rows changed (a new token, rate or URL set on another host).
 */
function pollShared(deps: { client: GoLoginApiClient; settings: SettingsService; run: SqlRun; log: Logger; everyMs: number }): () => void {
  const { client, settings, run, log } = deps
  let signature: string | null = null
  let running = false
  let failing = false
  const tick = async () => {
    if (running) return
    running = true
    try {
      await client.refreshStop()
      const keys = SHARED_GOLOGIN_SETTINGS
      const rows = await run(`SELECT "key", "updated_at", "value", "secret_value" FROM "settings" WHERE "key" IN (${keys.map(() => '?').join(', ')}) ORDER BY "key"`, [...keys])
      const next = JSON.stringify(rows)
      if (next !== signature) {
        await settings.reload(keys)
        signature = next
      }
      if (failing) log.info('gologin.shared_poll.recovered', {}, 'The shared GoLogin state can be read again')
      failing = false
    } catch (error) {
      if (!failing) log.warn('gologin.shared_poll.failed', { err: error }, 'The shared GoLogin state (token stop, settings) could not be read; trying again')
      failing = true
    } finally {
      running = false
    }
  }
  const timer = setInterval(() => void tick(), deps.everyMs)
  timer.unref?.()
  return () => clearInterval(timer)
}

/**
 * PostgreSQL: marks the profile in use by this host unless another host holds it (its browser may run there);
 * refused with CONFLICT then, so the start fails instead of running one profile on two machines.
 */
async function takeProfile(dataSource: Database['dataSource'], profileId: string, hostId: string): Promise<void> {
  const taken = (await dataSource.query(
    `UPDATE profiles SET in_use = TRUE, in_use_by = ? WHERE profile_id = ? AND (in_use = FALSE OR in_use_by IS NULL OR in_use_by = ?) RETURNING profile_id`,
    [hostId, profileId, hostId],
  )) as unknown[]
  if (taken.length) return
  const [row] = (await dataSource.query(`SELECT in_use_by FROM profiles WHERE profile_id = ?`, [profileId])) as Array<{ in_use_by: string | null }>
  if (!row) return
  throw new DomainException('CONFLICT', `Profile ${profileId} is in use on host ${row.in_use_by ?? '(unknown)'}; it is not started here as well.`, { details: { profileId, host: row.in_use_by } })
}
