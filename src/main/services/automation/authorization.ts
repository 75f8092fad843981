/**
 * The authorization engine as the composition root wires it: OAuth client, session store and
 * queries, the per-account automator and the batch runner, configured from the settings and kept in
 * step with them (X endpoints, time limit and concurrency apply to the next account).
 */
import os from 'node:os'
import path from 'node:path'
import { consentGraces } from '../../../shared/consent-timing'
import { activeSecretBox, sidePool, type Database } from '../../db'
import type { EventHub } from '../../ipc/event-hub'
import type { LogSystem } from '../../logging/logger'
import type { ApiAppService } from '../api-apps/api-app-service'
import { IssuedTokensJournal, revokeLeftoverIssued, type IssuedRecoveryReport } from '../lifecycle/issued-tokens-journal'
import type { ProfileSlots } from '../gologin/profile-slots'
import { OAuth1Client } from '../oauth/oauth1-client'
import { OAuthService } from '../oauth/oauth-service'
import type { SettingsService } from '../settings/settings-service'
import { BatchPlanner } from './batch-planner'
import { readBatchCounts } from './batch-counts'
import { BatchRunner } from './batch-runner'
import { ClaimStore, DEFAULT_CLAIM_LEASE_MS } from './claims'
import { browserConsentRunner } from './consent-runner'
import { AuthorizationPreflight, type PreflightDeps } from './preflight'
import { ProfileAutomator } from './profile-automator'
import { SessionQueries } from './session-queries'
import { SessionStore } from './session-store'
import { LOG_SUMMARY_WINDOW_MS, logSummary, offlineAfterMs } from '../hosts/hosts-overview'
import { DEAD_AFTER_LEASES, DeadHosts } from '../hosts/dead-hosts'
import type { HostHealthState } from '../hosts/host-health'
import { DrainRequests, HostDrain } from '../hosts/host-drain'
import { DrainState } from '../hosts/drain-state'
import type { SystemInfo } from '../../../shared/contract/system'

export interface AuthorizationEngineDeps {
  /** Screenshots go to `<dataDir>/screenshots`. */
  dataDir: string
  db: Database
  settings: Pick<SettingsService, 'get' | 'onChange'>
  apiApps: Pick<ApiAppService, 'get'>
  slots: Pick<ProfileSlots, 'startProfile' | 'figures' | 'subscribe' | 'holds'>
  /** The GoLogin API client's state (a cloud launch needs a usable token). */
  gologin: PreflightDeps['gologin']
  /** Sandbox mode's simulated X, or null. */
  sandbox: PreflightDeps['sandbox']
  events: EventHub
  logs: LogSystem
  /** This host's slot limit, overriding the `maxConcurrentProfiles` setting (core option `hostSlots`). */
  hostSlots?: number
  /** This host, as its claims name it (PostgreSQL). */
  hostId?: string
  /** PostgreSQL: the claim lease (default 60 s). */
  claimLeaseMs?: number
  /** PostgreSQL: how often claims are renewed, requeued and looked for (default min(1 s, lease/4)). */
  claimPollMs?: number
  /** PostgreSQL: how much longer than its lease a session that reached the consent page stays with its host. */
  captureGraceMs?: number
  /** How long a failed write of issued tokens is retried before they are revoked (default 90 s). */
  tokenStoreWindowMs?: number
  /** PostgreSQL: resolves when start-up recovery is done, with the profiles it left unconfirmed (claims wait for it). */
  claimsReady?: Promise<readonly string[]>
  /** PostgreSQL: whether this host can work now (it claims nothing otherwise). */
  health?: () => HostHealthState
  /** PostgreSQL: a host silent this long is declared dead and its profiles released (default 3 claim leases). */
  hostDeadAfterMs?: number
  /** Stops a profile's cloud browser through GoLogin's API (a dead cloud host's profiles are stopped before their release). */
  stopCloudBrowser?: (profileId: string, options: { signal: AbortSignal }) => Promise<void>
  /** This host's drain state (the core's): claims stop while it drains. Absent: a state of its own. */
  drain?: DrainState
  /** What this host is (its heartbeat says so: the Hosts page offers "Drain and stop" for workers only). */
  mode?: SystemInfo['mode']
}

export interface AuthorizationEngine {
  /** X OAuth 2.0 client on the configured endpoints (also for token refresh). */
  oauth: OAuthService
  /** Batches, retries and single authorizations (`authorizeAccount` for the REST API). */
  batches: BatchRunner
  /** Read side of the Sessions page. */
  sessions: SessionQueries
  /** PostgreSQL: declares silent hosts dead and releases an offline host's profiles (the Hosts page's action); null on SQLite. */
  deadHosts: DeadHosts | null
  /** The Hosts page's drain and resume: this host at once, another through its `hosts` row (PostgreSQL). */
  hostDrain: HostDrain
  /** Cancels live batches cleanly (profiles stopped, sessions `cancelled`), bounded in time. */
  close(): Promise<void>
  /** Shutdown, before the database closes: waits (bounded) for attempts past the consent page to store or revoke their tokens. */
  settleCaptured(timeoutMs: number): Promise<number>
  /**
   * Start-up, before any work is claimed: revokes at X the token sets an earlier run of this data folder was issued and
   * neither stored nor revoked (it was killed in between); entries whose revoke fails stay for the next start-up.
   */
  revokeLeftoverIssued(): Promise<IssuedRecoveryReport>
}

export function createAuthorizationEngine(deps: AuthorizationEngineDeps): AuthorizationEngine {
  const { db, settings, apiApps, slots, events, logs } = deps
  const log = logs.logger('authorization')
  const screenshotDir = path.join(deps.dataDir, 'screenshots')
  const oauth = new OAuthService({
    logger: logs.logger('oauth'),
    endpoints: () => ({ authorizeUrl: settings.get('xAuthorizeUrl'), apiUrl: settings.get('xApiUrl') }),
  })
  const oauth1 = new OAuth1Client({
    logger: logs.logger('oauth1'),
    endpoints: () => ({ apiUrl: settings.get('xApiUrl'), oauth1AuthorizeUrl: settings.get('xOAuth1AuthorizeUrl') }),
  })
  // PostgreSQL: sessions are claimed by every host of the database (claims.ts); SQLite: the in-process queue.
  const claimPool =
    db.kind === 'postgres'
      ? sidePool(db.dataSource, {
          max: 3,
          applicationName: 'gologin-panel/claims',
          onError: (error) => log.warn('batch.claims.connection_lost', { err: error }),
          // A renewal or claim on a dead connection fails well within the lease (its connection is dropped).
          queryTimeoutMs: Math.max(2_000, Math.min(10_000, Math.floor((deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS) / 3))),
        })
      : null
  const hostId = deps.hostId ?? `${os.hostname()}/${process.pid}`
  const claimStore = claimPool ? new ClaimStore({ pool: claimPool, hostId, leaseMs: deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS, captureGraceMs: deps.captureGraceMs, log: log.child('claims') }) : null
  const handingOver = new Set<string>()
  const ending = new Set<string>()
  const leaseMs = deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS
  const deadHosts = claimPool
    ? new DeadHosts({
        pool: claimPool,
        hostId,
        deadAfterMs: deps.hostDeadAfterMs ?? DEAD_AFTER_LEASES * leaseMs,
        offlineMs: offlineAfterMs(leaseMs),
        stopCloudBrowser: deps.stopCloudBrowser ?? (() => Promise.reject(new Error('No GoLogin API client to stop cloud browsers with'))),
        events,
        log: logs.logger('hosts'),
      })
    : null
  // Drain: asked of this host by any panel through its `hosts` row, taken before each heartbeat.
  const drain = deps.drain ?? new DrainState()
  let running = () => 0
  const hostDrain = new HostDrain({
    drain,
    hostId,
    canExit: deps.mode === 'worker',
    requests: claimPool ? new DrainRequests({ pool: claimPool, hostId, offlineMs: offlineAfterMs(leaseMs) }) : null,
    running: () => running(),
    log: logs.logger('hosts'),
  })
  const store = new SessionStore({ db, events, logger: log, owner: claimStore ? { hostId, handingOver, ending } : null })
  const issuedJournal = new IssuedTokensJournal({ dataDir: deps.dataDir, box: activeSecretBox, log: logs.logger('lifecycle') })
  const automator = new ProfileAutomator({
    store,
    profiles: slots,
    oauth,
    oauth1,
    consent: browserConsentRunner(() => {
      const graces = consentGraces({
        accountTimeoutSeconds: settings.get('accountTimeoutSeconds'),
        consentButtonGraceSeconds: settings.get('consentButtonGraceSeconds'),
        consentDisabledGraceSeconds: settings.get('consentDisabledGraceSeconds'),
        consentClickRetrySeconds: settings.get('consentClickRetrySeconds'),
      })
      return {
        logger: logs.logger('consent'),
        connectTimeoutMs: settings.get('browserTimeoutMs'),
        buttonGraceMs: graces.buttonGraceSeconds * 1_000,
        disabledGraceMs: graces.disabledGraceSeconds * 1_000,
        clickNoEffectMs: graces.clickRetrySeconds * 1_000,
      }
    }),
    apiApps,
    limits: () => ({ accountTimeoutSeconds: settings.get('accountTimeoutSeconds') }),
    ...(deps.tokenStoreWindowMs !== undefined ? { storeRetry: { windowMs: deps.tokenStoreWindowMs } } : {}),
    screenshotDir,
    issuedJournal,
    logger: log,
  })
  const preflight = new AuthorizationPreflight({
    apiApps,
    launcherMode: () => settings.get('launcherMode'),
    gologin: deps.gologin,
    sandbox: deps.sandbox,
    xAuthorizeUrl: () => settings.get('xAuthorizeUrl'),
    oauth1,
  })
  const batches = new BatchRunner({
    planner: new BatchPlanner({ dataSource: db.dataSource, apiApps }),
    store,
    automator,
    preflight,
    slots,
    events,
    logger: logs.logger('batch'),
    concurrency: deps.hostSlots ?? settings.get('maxConcurrentProfiles'),
    claims: claimStore
      ? {
          store: claimStore,
          handingOver,
          ending,
          pollMs: deps.claimPollMs,
          launcher: () => settings.get('launcherMode'),
          ready: deps.claimsReady,
          health: deps.health,
          deadHosts: deadHosts ?? undefined,
          offlineMs: offlineAfterMs(leaseMs),
          drainRequests: hostDrain,
        }
      : null,
    drain,
    hostSummary: () => ({ logs: logSummary(logs.ring.since(Date.now() - LOG_SUMMARY_WINDOW_MS)), kind: deps.mode ?? null, drain: drain.current() }),
    counts: (batchIds) => readBatchCounts(db.dataSource, batchIds),
  })
  running = () => batches.runningHere()
  const stopWatching = settings.onChange((_view, changed) => {
    if (changed.includes('maxConcurrentProfiles') && deps.hostSlots === undefined) batches.setConcurrency(settings.get('maxConcurrentProfiles'))
  })
  // A profile started or stopped: the progress bar's "slots n/10" follows at once.
  const stopSlots = slots.subscribe(() => batches.slotsChanged())
  return {
    oauth,
    batches,
    sessions: new SessionQueries({ dataSource: db.dataSource, screenshotDir }),
    deadHosts,
    hostDrain,
    settleCaptured: (timeoutMs) => automator.settleCaptured(timeoutMs),
    revokeLeftoverIssued: () => revokeLeftoverIssued(issuedJournal, { apiApps, oauth, oauth1 }, logs.logger('lifecycle')),
    async close() {
      stopWatching()
      stopSlots()
      await batches.close(6_000)
      await deadHosts?.settle()
      await claimStore?.close().catch((error: unknown) => log.warn('batch.claims.close_failed', { err: error }))
    },
  }
}
