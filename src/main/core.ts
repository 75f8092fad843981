/**
 * Composition root without Electron: builds the logger, the event hub, the services, the workers and
 * the request router. The desktop app (src/main/electron), browser mode (src/main/host) and the tests
 * all start the panel through `createCore`, so they run the very same code.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { SystemInfo } from '../shared/contract/system'
import { EventHub } from './ipc/event-hub'
import { Router, type HandlerMap } from './ipc/router'
import { logsHandlers } from './handlers/logs'
import { systemHandlers } from './handlers/system'
import { LogSystem, type LogLevel } from './logging/logger'

export interface CoreOptions {
  /** Where the database, the key file (browser mode), screenshots and logs live. */
  dataDir: string
  mode: SystemInfo['mode']
  appVersion?: string
  /** Environment variables that override stored settings (defaults to `process.env`). */
  env?: NodeJS.ProcessEnv
  /** Echo log lines to stderr. */
  logToConsole?: boolean
  logLevel?: LogLevel
  /** Batch window of pushed events, in ms. */
  eventWindowMs?: number
  /** Protects the data key (desktop: Electron safeStorage); defaults to a 0600 key file in `dataDir`. */
  keyStore?: import('./security/key-store').KeyStore
}

export interface Core {
  readonly router: Router
  readonly events: EventHub
  readonly logs: LogSystem
  readonly info: SystemInfo
  /** Stops workers and batches, stops every started profile, closes the database; bounded in time. */
  close(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const dataDir = path.resolve(options.dataDir)
  fs.mkdirSync(dataDir, { recursive: true })
  const logsDir = path.join(dataDir, 'logs')
  const logs = new LogSystem({ dir: logsDir, level: options.logLevel ?? 'info', console: options.logToConsole })
  const log = logs.logger('core')
  const events = new EventHub(options.eventWindowMs)
  const stopLogStream = logs.ring.subscribe((entry) => events.emit('logs', entry))

  const info: SystemInfo = {
    appVersion: options.appVersion ?? '0.0.0',
    mode: options.mode,
    dataDir,
    logFile: logs.filePath ?? '',
    platform: `${process.platform}-${process.arch}`,
    startedAt: new Date().toISOString(),
  }

  const handlers: HandlerMap = {
    ...systemHandlers(info, logs.logger('system')),
    ...logsHandlers(logs),
  }
  const router = new Router(handlers, logs.logger('ipc'))
  log.info('core.started', { mode: options.mode, dataDir, version: info.appVersion }, `Panel started (${options.mode} mode)`)

  let closing: Promise<void> | null = null
  return {
    router,
    events,
    logs,
    info,
    close() {
      closing ??= (async () => {
        log.info('core.stopping', {}, 'Panel stopping')
        stopLogStream()
        events.close()
      })()
      return closing
    },
  }
}
