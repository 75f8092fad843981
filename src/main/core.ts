/**
 * Composition root without Electron: builds the logger, the event hub, the database, the services, the
 * workers and the request router. The desktop app (src/main/electron), browser mode (src/main/host) and
 * the tests all start the panel through `createCore`, so they run the very same code.
 *
 * Sections below: infrastructure → settings → GoLogin → authorization → workers → handlers → close.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { SystemInfo } from '../shared/contract/system'
import { openDatabase, type Database } from './db'
import { apiKeysHandlers } from './handlers/api-keys'
import { logsHandlers } from './handlers/logs'
import { settingsHandlers } from './handlers/settings'
import { systemHandlers } from './handlers/system'
import { pendingHandlers } from './handlers/pending'
import { EventHub } from './ipc/event-hub'
import { Router, type HandlerMap } from './ipc/router'
import { LogSystem, type LogLevel } from './logging/logger'
import { FileKeyStore } from './security/file-key-store'
import type { KeyStore } from './security/key-store'
import { ApiAppService } from './services/api-apps/api-app-service'
import { ApiKeyService } from './services/api-keys'
import { createGoLoginRuntime, type GoLoginRuntime } from './services/gologin/gologin-runtime'
import { SettingsService } from './services/settings/settings-service'

export interface CoreOptions {
  /** Where the database, the key file (browser mode), screenshots and logs live. */
  dataDir: string
  mode: SystemInfo['mode']
  appVersion?: string
  /** Environment variables that override stored settings (defaults to `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Echo log lines to stderr. */
  logToConsole?: boolean
  /** Overrides the `logLevel` setting (tests, benchmarks). */
  logLevel?: LogLevel
  /** Batch window of pushed events, in ms. */
  eventWindowMs?: number
  /** Protects the data key (desktop: Electron safeStorage); defaults to a 0600 key file in `dataDir`. */
  keyStore?: KeyStore
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
  /** Stops workers and batches, stops every started profile, closes the database; bounded in time. */
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  // ---- infrastructure ----
  const dataDir = path.resolve(options.dataDir)
  fs.mkdirSync(dataDir, { recursive: true })
  const env = options.env ?? process.env
  const logs = new LogSystem({ dir: path.join(dataDir, 'logs'), level: options.logLevel ?? 'info', console: options.logToConsole })
  const log = logs.logger('core')
  const events = new EventHub(options.eventWindowMs)
  const stopLogStream = logs.ring.subscribe((entry) => events.emit('logs', entry))
  const cleanups: Array<() => Promise<void> | void> = [stopLogStream]

  const db = await openDatabase({
    dataDir,
    keyStore: options.keyStore ?? new FileKeyStore({ dir: dataDir, log: logs.logger('keystore') }),
    log: logs.logger('db'),
  })
  try {
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

    // ---- GoLogin ----
    const gologin = createGoLoginRuntime({ db, settings, logs, events })
    cleanups.push(() => gologin.close())

    const info: SystemInfo = {
      appVersion: options.appVersion ?? '0.0.0',
      mode: options.mode,
      dataDir,
      logFile: logs.filePath ?? '',
      platform: `${process.platform}-${process.arch}`,
      startedAt: new Date().toISOString(),
    }

    // ---- handlers ----
    const handlers: HandlerMap = {
      ...pendingHandlers(),
      ...systemHandlers(info, logs.logger('system')),
      ...logsHandlers(logs),
      ...settingsHandlers(settings, apiApps),
      ...apiKeysHandlers(apiKeys),
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
      close() {
        closing ??= (async () => {
          log.info('core.stopping', {}, 'Panel stopping')
          for (const cleanup of cleanups.reverse()) {
            try {
              await cleanup()
            } catch (error) {
              log.error('core.cleanup_failed', { err: error })
            }
          }
          events.close()
          await db.close()
          log.info('core.stopped', {}, 'Panel stopped')
        })()
        return closing
      },
    }
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}
