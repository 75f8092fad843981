/**
 * The composition root's "workers" section in one call: start-up recovery (interrupted sessions, profiles
 * a crashed run left started), the journal of started profiles, the four workers, and the token export.
 */
import path from 'node:path'
import type { Database } from '../db'
import type { EventHub } from '../ipc/event-hub'
import type { LogSystem } from '../logging/logger'
import { createProfileLauncher, type GoLoginApiClient, type ProfileSlots } from '../services/gologin'
import { recoverAfterCrash, type RecoveryReport } from '../services/lifecycle/crash-recovery'
import type { LiveSessions } from '../services/lifecycle/session-cleanup'
import { StartedProfilesJournal } from '../services/lifecycle/started-profiles-journal'
import { OAuthService } from '../services/oauth'
import type { PlatformServices } from '../services/platform'
import type { SettingsService } from '../services/settings/settings-service'
import { TokenExportService } from '../services/tokens/token-export-service'
import type { ApiAppSource, TokenRefreshClient } from '../services/tokens/token-refresher'
import type { UnverifiedCheckClient } from '../services/tokens/unverified-check'
import { createPanelWorkers, type PanelWorkers } from './index'
import type { ProfileSyncSource } from './profile-sync-worker'

export interface PanelBackgroundDeps {
  dataDir: string
  db: Database
  settings: SettingsService
  gologin: { client: GoLoginApiClient; slots: ProfileSlots }
  syncSource: ProfileSyncSource
  apiApps: ApiAppSource
  /** The authorization's OAuth service; one is made from the X settings when absent. */
  oauth?: (TokenRefreshClient & Partial<UnverifiedCheckClient>) | null
  /** Sessions the batch runner still holds (the cleanup never times them out). */
  live?: LiveSessions | null
  platform?: PlatformServices
  events: EventHub
  logs: LogSystem
  /** Start the workers now (default true). */
  startWorkers?: boolean
  /** This host (PostgreSQL: recovery and cleanup touch only its own work). */
  hostId?: string
}

export interface PanelBackground {
  workers: PanelWorkers
  tokenExport: TokenExportService
  recovery: RecoveryReport
  /** Stops the workers, waiting for running iterations. The journal keeps following the slots while they close. */
  stop(): Promise<void>
}

export async function startPanelBackground(deps: PanelBackgroundDeps): Promise<PanelBackground> {
  const { settings, logs, gologin } = deps
  const log = logs.logger('lifecycle')
  const journal = new StartedProfilesJournal({ dataDir: deps.dataDir, log })
  const launcher = createProfileLauncher(
    {
      mode: settings.get('launcherMode'),
      localApiUrl: settings.get('gologinLocalApiUrl'),
      cloudBrowserUrl: settings.get('gologinCloudBrowserUrl'),
      startTimeoutMs: settings.get('profileStartTimeoutMs'),
    },
    { client: gologin.client, logger: logs.logger('gologin') },
  )
  const shared = deps.db.kind === 'postgres' && deps.hostId ? { hostId: deps.hostId } : null
  const recovery = await recoverAfterCrash({ db: deps.db, journal, launcher, log, shared })
  // Followed from here on (through the shutdown's stop-all): ids are on disk before each start, gone once stopped.
  journal.follow(gologin.slots)

  const oauth =
    deps.oauth ??
    new OAuthService({ logger: logs.logger('oauth'), endpoints: () => ({ authorizeUrl: settings.get('xAuthorizeUrl'), apiUrl: settings.get('xApiUrl') }) })
  const workers = createPanelWorkers({
    dataDir: deps.dataDir,
    screenshotDir: path.join(deps.dataDir, 'screenshots'),
    db: deps.db,
    settings,
    slots: gologin.slots,
    gologin: gologin.client,
    syncSource: deps.syncSource,
    hostId: shared?.hostId,
    oauth,
    apiApps: deps.apiApps,
    live: deps.live,
    events: deps.events,
    logs,
  })
  const tokenExport = new TokenExportService({ dataSource: deps.db.dataSource, dialogs: deps.platform?.dialogs ?? null, log: logs.logger('tokens') })
  if (deps.startWorkers !== false) workers.start()

  return {
    workers,
    tokenExport,
    recovery,
    stop: async () => {
      tokenExport.close()
      await workers.stop()
    },
  }
}
