/**
 * Composition root without Electron: builds the logger, the event hub, the database, the services, the
 * workers and the request router. The desktop app (src/main/electron), browser mode (src/main/host) and
 * the tests all start the panel through `createCore`, so they run the very same code.
 *
 * Sections below: infrastructure → sandbox mode → settings → GoLogin → authorization → workers → local
 * REST API → handlers → close.
 */
import path from 'node:path'
import type { SystemInfo } from '../shared/contract/system'
import { openDatabase, passwordOf, resolveDatabaseChoice, transportWarning, type Database } from './db'
import { DATABASE_FILE_NAME } from './db/data-source'
import { alertsHandlers } from './handlers/alerts'
import { apiKeysHandlers } from './handlers/api-keys'
import { batchesHandlers } from './handlers/batches'
import { dataKeyHandlers } from './handlers/data-key'
import { hostsHandlers } from './handlers/hosts'
import { logsHandlers } from './handlers/logs'
import { profilesHandlers } from './handlers/profiles'
import { settingsHandlers } from './handlers/settings'
import { systemHandlers } from './handlers/system'
import { sessionsHandlers } from './handlers/sessions'
import { monitorHandlers } from './handlers/monitor'
import { tokensHandlers } from './handlers/tokens'
import { triageHandlers } from './handlers/triage'
import { EventHub } from './ipc/event-hub'
import { Router, type HandlerMap } from './ipc/router'
import { LogSystem, type LogLevel } from './logging/logger'
import { RestApiHost } from './host/rest-api'
import { createPanelRestBackend } from './host/rest-api/panel-backend'
import { prepareSandboxData, sandboxModeStored, startSandboxMode, type SandboxMode } from './sandbox'
import { DataKeyService } from './security/data-key-service'
import { startupKey, withKeyImportHint } from './security/data-key-startup'
import { FileKeyStore } from './security/file-key-store'
import { readKeyCheck } from './security/key-check'
import { ensurePrivateDir } from './security/private-files'
import { FILE_PROTECTION, type KeyStore } from './security/key-store'
import { startAlerts, type Alerts } from './services/alerts'
import type { RetryPolicy } from './services/alerts/alert-dispatcher'
import { watchHostHealth } from './services/alerts/health-alerts'
import { ApiAppService } from './services/api-apps/api-app-service'
import { ApiKeyService } from './services/api-keys'
import { createAuthorizationEngine, type AuthorizationEngine } from './services/automation/authorization'
import { createGoLoginRuntime, type GoLoginRuntime } from './services/gologin/gologin-runtime'
import { GoLoginService } from './services/gologin/gologin-service'
import { DatabaseJoinService } from './services/hosts/database-join'
import { keyCandidates, SqliteCopy } from './services/hosts/sqlite-copy'
import { SettingsService } from './services/settings/settings-service'
import { lastLogTime, restartNotice, runShutdown, type RecoveryReport } from './services/lifecycle'
import { DEFAULT_CLAIM_LEASE_MS } from './services/automation/claims'
import { FailureTriage } from './services/automation/failure-triage'
import { followSessionChanges } from './services/automation/session-follower'
import { MAX_CONCURRENT_PROFILES, MIN_CONCURRENT_PROFILES } from './services/gologin/profile-slots'
import { ValidationException } from '../shared/errors'
import { readHostConfig } from './host-config'
import { readOrCreateHostId } from './host-id'
import { takeSecretEnvironment } from './security/secret-environment'
import { hostsOverview } from './services/hosts/hosts-overview'
import { DrainState } from './services/hosts/drain-state'
import { HostHealth } from './services/hosts/host-health'
import { Readiness } from './services/hosts/readiness'
import { CachedDatabaseFigures, readDatabaseFigures } from './services/metrics/database-figures'
import { PanelMetrics } from './services/metrics/panel-metrics'
import type { HostProbes } from './host/probes'
import { RestApiExposureService } from './services/hosts/rest-api-exposure'
import type { PlatformServices } from './services/platform'
import type { TokenExportService } from './services/tokens'
import type { PanelWorkers } from './workers'
import { startPanelBackground } from './workers/panel-background'

/**
 * How long a stopping panel keeps its database open for attempts past the consent page: X's code lives 30 s, so its
 * exchange ends within that, and the tokens' write takes moments. Past it the tokens are lost (logged).
 */
export const CAPTURED_SHUTDOWN_WAIT_MS = 35_000

export interface CoreOptions {
  /** Where the database, the key file (browser mode), screenshots and logs live. */
  dataDir: string
  mode: SystemInfo['mode']
  appVersion?: string
  /** Environment variables that override stored settings (defaults to `process.env`); `DATABASE_URL` chooses PostgreSQL. */
  env?: NodeJS.ProcessEnv
  /** Echo log lines to stderr. */
  logToConsole?: boolean
  /** Overrides the `logLevel` setting (tests, benchmarks). */
  logLevel?: LogLevel
  /** Batch window of pushed events, in ms. */
  eventWindowMs?: number
  /** The better-sqlite3 addon built for this runtime (desktop: the Electron copy); plain Node passes nothing. */
  sqliteNativeBinding?: string
  /** Protects the data key (desktop: Electron safeStorage); defaults to a 0600 key file in `dataDir`. */
  keyStore?: KeyStore
  /** What the platform offers (desktop: native file dialogs); browser mode and tests pass nothing. */
  platform?: PlatformServices
  /** How long `close()` gives workers, batches and profiles before closing the database anyway (default 7 s; the desktop app waits 10 s in all). */
  shutdownTimeoutMs?: number
  /** GoLogin rate-limit window in ms (default 60 s); tests shorten it, with a matching rate, to see the limit in seconds. */
  gologinRateWindowMs?: number
  /** PostgreSQL: how often to look for another host's GoLogin token stop or settings (default 2 s). */
  gologinSharedPollMs?: number
  /** This host's name where hosts of one database are told apart (default: the data folder's `host-id` file, made once). */
  hostId?: string
  /**
   * This host's slot limit (profiles it runs at once), overriding the shared `maxConcurrentProfiles` setting
   * for this host only (hosts of one database share their settings). Absent: the setting.
   */
  hostSlots?: number
  /**
   * PostgreSQL: how long a claimed session stays this host's without a renewal (default `CLAIM_LEASE_SECONDS`
   * from the environment, else 60 s). A host that dies loses its sessions to the other hosts after this.
   */
  claimLeaseMs?: number
  /**
   * PostgreSQL: how much longer than its lease a session that reached X's consent page stays with its host (it may
   * have approved and still be storing the tokens); default `CLAIM_CAPTURE_GRACE_SECONDS`, else 150 s.
   */
  captureGraceMs?: number
  /**
   * PostgreSQL: a host silent this long is declared dead by the live hosts, its profiles released for them
   * (default `HOST_DEAD_AFTER_SECONDS`, else 3 claim leases).
   */
  hostDeadAfterMs?: number
  /** How long a failed write of issued tokens is retried before they are revoked: default `TOKEN_STORE_RETRY_SECONDS`, else 90 s. */
  tokenStoreWindowMs?: number
  /** How long one profile stop may take, and the back-off of stops retried after a failure (tests shorten them). */
  profileStops?: { stopTimeoutMs?: number; stopRetryDelayMs?: { min: number; max: number } }
  /**
   * Sandbox mode: a started sandbox (browser mode `--sandbox`; the caller closes it) whose settings
   * overrides apply and whose API apps and profiles are prepared. Absent: one is started here (and
   * closed with the core) when the stored `sandboxMode` setting is on; null: never.
   */
  sandbox?: SandboxMode | null
  /** Alerts: how often a host tries to become the fleet's sender (PostgreSQL, default 2 s), and the delivery retries (tests shorten them). */
  alerts?: { pollMs?: number; retry?: RetryPolicy; healthEveryMs?: number }
}

export interface Core {
  readonly router: Router
  readonly events: EventHub
  readonly logs: LogSystem
  readonly info: SystemInfo
  readonly db: Database
  readonly settings: SettingsService
  readonly apiApps: ApiAppService
  readonly gologin: GoLoginRuntime
  /** Profile sync, account ↔ profile mapping (edit, CSV import), the grid's profile list, token check. */
  readonly gologinService: GoLoginService
  /** Sync, cleanup, monitor and token-refresh workers (started with the core). */
  readonly workers: PanelWorkers
  /** `tokens:export`: CSV to a chosen file (desktop) or a one-time `/download/<ticket>` link (browser mode). */
  readonly tokenExport: TokenExportService
  /** What start-up recovery found after an unclean stop (interrupted sessions, profiles stopped). */
  readonly recovery: RecoveryReport
  /** Batches, retries, single authorizations (`authorization.batches.authorizeAccount`), sessions, the OAuth client. */
  readonly authorization: AuthorizationEngine
  /** The opt-in local REST API (`restApi.url` while it runs). */
  readonly restApi: RestApiHost
  /** The simulated GoLogin and X when sandbox mode is on (its control endpoint: `sandbox.controlUrl`). */
  readonly sandbox: SandboxMode | null
  /** On PostgreSQL: copies a SQLite file (opened with one of `sourceKeys`) into the shared database; see SqliteCopy. */
  sqliteCopy(file: string, sourceKeys: () => Promise<Buffer[]>): SqliteCopy
  /** Whether this host is draining (finishes what it runs, claims nothing more). */
  readonly drain: DrainState
  /** Webhook targets and the alerts sent to them (Settings → Alerts). */
  readonly alerts: Alerts
  /** This host's Prometheus registry (its own: cores in one process never share one). */
  readonly metrics: PanelMetrics
  /** `/health`, `/ready`, `/metrics`: served by the REST API and a worker's `--metrics-port`. */
  readonly probes: HostProbes
  /** Stops workers and batches, stops every started profile, closes the database; bounded in time. */
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  // ---- infrastructure ----
  // Secrets in process.env (DATABASE_URL, DATA_KEY_PASSPHRASE) are read from a copy and leave process.env.
  let env = options.env ?? takeSecretEnvironment()
  const claimLeaseMs = claimLease(options.claimLeaseMs, env)
  const dataDir = path.resolve(options.dataDir)
  // 0700 before anything is written in it (the key store, the database, the logs): see security/private-files.ts.
  ensurePrivateDir(dataDir)
  const startEnv = env
  // The previous run's last log line, read before this run writes its own: when it stopped, if it did not shut down.
  const previousRunLastLogAt = lastLogTime(path.join(dataDir, 'logs', 'panel.log'))
  const logs = new LogSystem({ dir: path.join(dataDir, 'logs'), level: options.logLevel ?? 'info', console: options.logToConsole })
  const log = logs.logger('core')
  // This host's slots: the option (a worker's --slots), else host.json in the data folder, else the shared setting.
  const hostSlots = checkHostSlots(options.hostSlots ?? hostSlotsFromConfig(dataDir, log))
  const events = new EventHub(options.eventWindowMs)
  const stopLogStream = logs.ring.subscribe((entry) => events.emit('logs', entry))
  // What close() undoes, in reverse order of construction: a failed start-up undoes it too.
  const cleanups: Array<{ name: string; run: () => Promise<void> | void }> = [{ name: 'log stream', run: stopLogStream }]
  const onClose = (name: string, run: () => Promise<void> | void) => cleanups.push({ name, run })
  // From the first log line on: counters are fed by the log points where their events happen.
  const metrics = new PanelMetrics({ logs, mode: options.mode, version: options.appVersion ?? '0.0.0' })
  onClose('metrics', () => metrics.close())

  const keyStore = options.keyStore ?? new FileKeyStore({ dir: dataDir, log: logs.logger('keystore') })
  // DATA_KEY_FILE + DATA_KEY_PASSPHRASE: a host joining a shared database starts with the key exported elsewhere.
  const dataKey = await startupKey({ env, keyStore, log: logs.logger('data-key'), onSecret: (value) => logs.redactor.addSecret(value) })
  // Before the database opens: DATABASE_URL, else database.json in the data folder, else SQLite (database-config.ts).
  const database = resolveDatabaseChoice(dataDir, env)
  logs.redactor.addSecret(database.url ? passwordOf(database.url) : null)
  if (database.url) log.info('db.choice', { source: database.source }, `PostgreSQL chosen by ${database.source}`)
  const transport = database.url ? transportWarning(database.url) : null
  if (transport) log.warn('db.transport_untrusted', {}, transport)
  const db = await openDatabase({
    dataDir,
    keyStore: dataKey.keyStore,
    log: logs.logger('db'),
    nativeBinding: options.sqliteNativeBinding,
    databaseUrl: database.url,
    queryTimeoutMs: secondsFromEnv(env, 'DATABASE_QUERY_TIMEOUT_SECONDS', 1),
  }).catch((error: unknown) => Promise.reject(withKeyImportHint(error, dataKey)))
  try {
    await dataKey.install()
    const dataKeys = new DataKeyService({
      key: dataKey.key(),
      keyStore,
      readKeyCheck: () => readKeyCheck(db.dataSource),
      dialogs: options.platform?.dialogs,
      log: logs.logger('data-key'),
    })

    // ---- sandbox mode ----
    let sandbox = options.sandbox ?? null
    if (options.sandbox === undefined && (await sandboxModeStored(db.dataSource))) {
      sandbox = await startSandboxMode({ dataDir, headless: true })
      const started = sandbox
      onClose('sandbox', () => started.close())
    }
    // The simulators' endpoints, token and API apps override the stored settings for this run.
    if (sandbox) env = { ...env, ...sandbox.env }

    // ---- settings ----
    const onSecret = (value: string) => logs.redactor.addSecret(value)
    const settings = await SettingsService.open({ database: db, log: logs.logger('settings'), env, onSecret })
    if (!options.logLevel) logs.setLevel(settings.get('logLevel'))
    settings.onChange((view, changed) => {
      events.emit('settings', view)
      if (changed.includes('logLevel') && !options.logLevel) logs.setLevel(settings.get('logLevel'))
    })
    const apiApps = new ApiAppService({ database: db, log: logs.logger('api-apps'), env, onSecret })
    await apiApps.applyEnvironment()
    const apiKeys = new ApiKeyService({ database: db, log: logs.logger('api-keys'), onSecret })
    const hostId = options.hostId ?? readOrCreateHostId(dataDir)

    // ---- alerts: notices that carry an alert go to the webhook targets, sent by one host for the fleet ----
    const alerts = await startAlerts({ db, settings, events, redactor: logs.redactor, hostId, log: logs.logger('alerts'), pollMs: options.alerts?.pollMs, retry: options.alerts?.retry })
    onClose('alerts', () => alerts.close())

    // ---- GoLogin ----
    const gologin = createGoLoginRuntime({
      db,
      settings,
      logs,
      events,
      rateWindowMs: options.gologinRateWindowMs,
      stops: options.profileStops,
      hostId,
      sharedPollMs: options.gologinSharedPollMs,
      hostSlots,
    })
    onClose('GoLogin profiles', () => gologin.close())
    const gologinService = new GoLoginService({
      client: gologin.client,
      database: db,
      settings,
      apiApps,
      events,
      logger: logs.logger('gologin'),
      secrets: logs.redactor,
    })
    onClose('profile sync', () => gologinService.close())

    // ---- authorization ----
    if (sandbox) await prepareSandboxData(sandbox, { dataSource: db.dataSource, apiApps })
    // PostgreSQL: this host claims work only once its start-up recovery is done, and only while it can run it.
    let recovered!: (unconfirmed: readonly string[]) => void
    const claimsReady = new Promise<readonly string[]>((resolve) => (recovered = resolve))
    // Draining: finish what runs, claim nothing more (Hosts page, SIGUSR2 or a worker flag); `/ready` reports it.
    const drain = new DrainState()
    const stopDrainPush = drain.onChange((status) => events.emit('drain', status))
    onClose('drain pushes', stopDrainPush)
    const health = new HostHealth({
      launcherMode: () => settings.get('launcherMode'),
      endpoint: () => (settings.get('launcherMode') === 'cloud' ? settings.get('gologinApiUrl') : settings.get('gologinLocalApiUrl')),
      gologin: () => gologin.client.status(),
      slots: () => ({ maxConcurrent: gologin.slots.figures().maxConcurrent, stuck: gologin.slots.list().filter((entry) => entry.phase === 'stop_failed').length }),
    })
    if (db.kind === 'postgres') {
      await health.start()
      onClose('host health', () => health.stop())
      onClose('host health alerts', watchHostHealth({ state: () => health.state(), hostId, events, everyMs: options.alerts?.healthEveryMs }))
    }
    const authorization = createAuthorizationEngine({
      dataDir,
      db,
      settings,
      apiApps,
      slots: gologin.slots,
      gologin: gologin.client,
      sandbox: sandbox ? { knowsClient: (clientId) => sandbox!.x.knowsClient(clientId) } : null,
      events,
      logs,
      hostSlots,
      hostId,
      claimLeaseMs,
      captureGraceMs: options.captureGraceMs ?? secondsFromEnv(env, 'CLAIM_CAPTURE_GRACE_SECONDS', 0),
      tokenStoreWindowMs: options.tokenStoreWindowMs ?? secondsFromEnv(env, 'TOKEN_STORE_RETRY_SECONDS', 1),
      claimsReady,
      health: () => health.state(),
      hostDeadAfterMs: options.hostDeadAfterMs ?? secondsFromEnv(env, 'HOST_DEAD_AFTER_SECONDS', 1),
      stopCloudBrowser: (profileId, stop) => gologin.client.stopCloudBrowser(profileId, stop),
      drain,
      mode: options.mode,
    })
    onClose('batches', () => authorization.close())
    const triage = new FailureTriage({
      dataSource: db.dataSource,
      slots: gologin.slots,
      launcherMode: () => settings.get('launcherMode'),
      events,
      log: logs.logger('triage'),
      dialogs: options.platform?.dialogs,
      scrub: (text) => logs.redactor.redactString(text),
    })
    onClose('manual fixes', () => triage.close())
    // PostgreSQL: what other hosts do to sessions reaches this host's panels as live patches too.
    if (db.kind === 'postgres') onClose('live sessions', await followSessionChanges({ db, sessions: authorization.sessions, events, log: logs.logger('sessions') }))

    const info: SystemInfo = {
      appVersion: options.appVersion ?? '0.0.0',
      mode: options.mode,
      dataDir,
      logFile: logs.filePath ?? '',
      platform: `${process.platform}-${process.arch}`,
      startedAt: new Date().toISOString(),
      dataKey: { ...(keyStore.protection ?? FILE_PROTECTION), keyId: dataKeys.keyId },
      sandbox: sandbox ? { source: options.sandbox ? 'command_line' : 'setting' } : null,
      // Set once start-up recovery has run (below).
      restart: null,
    }

    // ---- workers ----
    const background = await startPanelBackground({
      dataDir,
      db,
      settings,
      gologin,
      syncSource: gologinService,
      apiApps,
      oauth: authorization.oauth,
      live: authorization.batches,
      platform: options.platform,
      events,
      logs,
      hostId,
    })
    onClose('workers', () => background.stop())
    // Token sets a killed run was issued and never stored: revoked at X before this host claims any work.
    await authorization.revokeLeftoverIssued()
    recovered(background.recovery.profilesNotStopped)
    info.restart = restartNotice(background.recovery, previousRunLastLogAt)
    const { workers, tokenExport } = background

    // ---- metrics and readiness ----
    const figures = new CachedDatabaseFigures({ read: () => readDatabaseFigures(db) })
    metrics.observe({
      databaseFigures: () => figures.get(),
      slots: () => ({ ...gologin.slots.figures(), stopPending: gologin.slots.list().filter((entry) => entry.phase === 'stop_failed').length }),
      gologinTokenStopped: () => gologin.client.status().tokenRevoked,
      health: () => health.state(),
      draining: () => drain.isDraining(),
    })
    const readiness = new Readiness({
      ping: () => db.dataSource.query('SELECT 1'),
      // SQLite hosts do not probe GoLogin on a timer (no claims wait on it): a readiness check starts a probe when the last is stale.
      health: () => {
        if (db.kind !== 'postgres' && (health.probedAt === null || Date.now() - health.probedAt > 10_000)) void health.probe()
        return health.state()
      },
      drain,
      mode: options.mode,
    })
    const probes: HostProbes = {
      liveness: () => readiness.liveness(),
      readiness: () => readiness.readiness(),
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.scrape() }),
    }

    // ---- local REST API (off unless this host's host.json enables it; never a shared setting) ----
    const restApi = new RestApiHost({
      backend: createPanelRestBackend({ db, gologinService, batches: authorization.batches, slots: gologin.slots }),
      apiKeys,
      log: logs.logger('rest'),
      version: info.appVersion,
      probes,
    })
    const restApiExposure = new RestApiExposureService({ dataDir, server: restApi, log: logs.logger('rest') })
    await restApiExposure.start(db.dataSource)
    onClose('local REST API', () => restApi.close())

    // Desktop: the self-update's status reaches every window as it changes.
    const updates = options.platform?.updates
    if (updates) onClose('update status', updates.onChange((status) => events.emit('update', status)))

    // ---- handlers ----
    /** Joining keeps the operator's data: a SQLite file's contents copied into the shared database this host runs on. */
    const sqliteCopy = (file: string, sourceKeys: () => Promise<Buffer[]>): SqliteCopy => {
      if (db.kind !== 'postgres') throw new ValidationException('This host runs on its own SQLite file: join a shared PostgreSQL database first, then copy the file into it.', { reason: 'not_shared' })
      return new SqliteCopy({ file, sourceKeys, target: db, targetKey: dataKey.key(), nativeBinding: options.sqliteNativeBinding, log: logs.logger('hosts') })
    }
    const handlers: HandlerMap = {
      ...systemHandlers(info, logs.logger('system'), options.platform?.updates ?? null),
      ...logsHandlers(logs),
      ...settingsHandlers(settings, apiApps),
      ...alertsHandlers(alerts),
      ...apiKeysHandlers(apiKeys),
      ...profilesHandlers(gologinService),
      ...monitorHandlers(workers, gologin.slots),
      ...tokensHandlers(tokenExport),
      ...sessionsHandlers(authorization.sessions),
      ...batchesHandlers(authorization.batches),
      ...triageHandlers(triage),
      ...dataKeyHandlers(dataKeys),
      // Settings → Database and hosts: database.json, the target database's key, host.json.
      ...hostsHandlers(
        new DatabaseJoinService({
          dataDir,
          env: startEnv,
          current: database,
          keyStore,
          runningKey: dataKey.key(),
          sharedSlots: () => settings.get('maxConcurrentProfiles'),
          relaunch: options.platform?.relaunch,
          sqliteNativeBinding: options.sqliteNativeBinding,
          onSecret,
          log: logs.logger('hosts'),
        }),
        () => hostsOverview({ shared: db.kind === 'postgres', hostId, leaseMs: claimLeaseMs, list: () => authorization.batches.hosts() }),
        () => sqliteCopy(path.join(dataDir, DATABASE_FILE_NAME), () => keyCandidates(keyStore, dataKey.key())),
        restApiExposure,
        async (hostId) => {
          if (!authorization.deadHosts) throw new ValidationException('This host runs on its own SQLite file: there are no other hosts to release.', { reason: 'not_shared' })
          const { released, notStopped, requeued, message } = await authorization.deadHosts.release(hostId)
          return { hostId, released: released.length, notStopped: notStopped.length, requeued, message }
        },
        { set: (target, action) => authorization.hostDrain.set(target, action), status: () => drain.current() },
      ),
    }
    const router = new Router(handlers, logs.logger('ipc'))
    log.info('core.started', { mode: options.mode, dataDir, version: info.appVersion }, `Panel started (${options.mode} mode)`)

    let closing: Promise<void> | null = null
    return {
      router,
      events,
      logs,
      info,
      db,
      settings,
      apiApps,
      gologin,
      gologinService,
      workers,
      tokenExport,
      recovery: background.recovery,
      authorization,
      restApi,
      sandbox,
      sqliteCopy,
      drain,
      alerts,
      metrics,
      probes,
      close() {
        closing ??= (async () => {
          log.info('core.stopping', {}, 'Panel stopping')
          // Newest section first: workers, batches, GoLogin (stops every profile); each within what is left of the bound.
          const report = await runShutdown([...cleanups].reverse(), { deadlineMs: options.shutdownTimeoutMs ?? 7_000, log })
          // An attempt past the consent page outlives the bound above: X is issuing it tokens that only it can store.
          const left = await authorization.settleCaptured(CAPTURED_SHUTDOWN_WAIT_MS)
          if (left) log.error('core.tokens_unsettled', { attempts: left }, `${left} authorization(s) were still storing the tokens X issued when the database closed`)
          gologin.dispose()
          events.close()
          await runShutdown([{ name: 'database', run: () => db.close() }], { deadlineMs: 2_000, log })
          log.info('core.stopped', { ms: report.ms, timedOut: report.timedOut }, 'Panel stopped')
        })()
        return closing
      },
    }
  } catch (error) {
    // Undo what was started (sandbox browsers, profiles) before giving the error to the caller.
    await runShutdown([...cleanups].reverse(), { deadlineMs: options.shutdownTimeoutMs ?? 7_000, log }).catch(() => undefined)
    await db.close().catch(() => undefined)
    throw error
  }
}

/** `hostSlots`: a whole number of profiles from 1 to 50, or absent (the shared setting applies). */
function checkHostSlots(value: number | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || value < MIN_CONCURRENT_PROFILES || value > MAX_CONCURRENT_PROFILES) {
    throw new ValidationException(`hostSlots must be a whole number from ${MIN_CONCURRENT_PROFILES} to ${MAX_CONCURRENT_PROFILES} (got ${String(value)}).`, { field: 'hostSlots' })
  }
  return value
}

/** The claim lease: the option, else `CLAIM_LEASE_SECONDS`, else 60 s; at least 1 s. */
function claimLease(optionMs: number | undefined, env: NodeJS.ProcessEnv): number {
  if (optionMs !== undefined) {
    if (!Number.isFinite(optionMs) || optionMs < 1_000) throw new ValidationException(`claimLeaseMs must be at least 1000 ms (got ${String(optionMs)}).`, { field: 'claimLeaseMs' })
    return optionMs
  }
  const raw = env.CLAIM_LEASE_SECONDS?.trim()
  if (!raw) return DEFAULT_CLAIM_LEASE_MS
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < 1) throw new ValidationException(`CLAIM_LEASE_SECONDS must be a number of seconds, at least 1 (got "${raw}").`, { field: 'CLAIM_LEASE_SECONDS' })
  return Math.round(seconds * 1_000)
}

/** A duration in seconds from the environment, in ms (absent: undefined, the default applies); refused below `min`. */
function secondsFromEnv(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const raw = env[name]?.trim()
  if (!raw) return undefined
  const seconds = Number(raw)
  if (!Number.isFinite(seconds) || seconds < min) throw new ValidationException(`${name} must be a number of seconds, at least ${min} (got "${raw}").`, { field: name })
  return Math.round(seconds * 1_000)
}

/** `host.json`'s slots (Settings → Database and hosts); a file that cannot be read leaves the shared setting in force. */
function hostSlotsFromConfig(dataDir: string, log: ReturnType<LogSystem['logger']>): number | undefined {
  try {
    return readHostConfig(dataDir).slots ?? undefined
  } catch (error) {
    log.error('core.host_config_unreadable', { err: error }, 'host.json could not be read; this host follows the shared slot setting')
    return undefined
  }
}
