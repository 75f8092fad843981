import path from 'node:path'
import { app, dialog, safeStorage, screen, type BrowserWindow } from 'electron'
import { AppException } from '../../shared/errors'
import type { EventBatch } from '../../shared/ipc-contract'
import { createCore, type Core } from '../core'
import { LogSystem, type Logger } from '../logging/logger'
import { DeferredLogger } from './deferred-logger'
import { electronPlatform } from './platform'
import { IpcTransport } from './ipc-transport'
import { notify } from './notifications'
import { resolveRendererLocation } from './renderer-location'
import { SafeStorageKeyStore } from './safe-storage-key-store'
import { loadElectronSqliteBinding } from './sqlite-binding'
import { createDesktopUpdater } from './updater'
import type { UpdateService } from '../services/updates/update-service'
import { createMainWindow, WINDOW_TITLE } from './window'
import { WindowStateStore } from './window-state'

export const APP_USER_MODEL_ID = 'com.gologin.automationpanel'
/** How long quitting waits for the core (batches, profiles, database; a code exchange under way) before exiting anyway. */
export const SHUTDOWN_TIMEOUT_MS = 50_000
/** Start-up lines until the core's log system takes over (logs/panel.log): kept small, one rotation. */
export const STARTUP_LOG_FILE = 'startup.log'

/** Starts the desktop app: one instance, one window, the core behind the IPC transport. */
export function startDesktopApp(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  app.setAppUserModelId(APP_USER_MODEL_ID)
  app.enableSandbox()
  new DesktopApp().install()
}

/**
 * App lifecycle. Closing the last window quits on every platform, macOS included: the panel drives
 * browser profiles and workers, and an app that keeps them running with no window is a surprise.
 */
class DesktopApp {
  private readonly startupLog = new DeferredLogger()
  private log: Logger = this.startupLog.logger.child('desktop')
  private core: Core | null = null
  private booting: Promise<void> = Promise.resolve()
  private transport: IpcTransport | null = null
  private windowState: WindowStateStore | null = null
  private window: BrowserWindow | null = null
  private updates: UpdateService | null = null
  private quitting = false

  install(): void {
    app.on('second-instance', () => this.focusWindow())
    app.on('window-all-closed', () => app.quit())
    app.on('before-quit', (event) => {
      // Electron would quit at once; hold it until the core has stopped cleanly (bounded).
      event.preventDefault()
      if (this.quitting) return
      this.quitting = true
      // A ready update installs as the app exits, unless this quit interrupts work.
      this.updates?.beforeQuit()
      void this.shutdown().finally(() => app.exit(0))
    })
    this.booting = app.whenReady().then(
      () => this.boot(),
      (err: unknown) => this.fatal(err),
    )
  }

  private async boot(): Promise<void> {
    try {
      const dataDir = app.getPath('userData')
      const logsDir = path.join(dataDir, 'logs')
      app.setAppLogsPath(logsDir)
      try {
        this.startupLog.writeThrough(new LogSystem({ dir: logsDir, fileName: STARTUP_LOG_FILE, maxFileBytes: 1024 ** 2, maxFiles: 1, level: 'debug' }))
      } catch (err) {
        // No log folder (the data folder is unusable): the start fails below with the reason; stderr keeps the lines.
        console.error(`Cannot write ${path.join(logsDir, STARTUP_LOG_FILE)}: ${err instanceof Error ? err.message : String(err)}`)
      }
      this.log.info(
        'desktop.starting',
        { version: app.getVersion(), electron: process.versions.electron, platform: process.platform, arch: process.arch, packaged: app.isPackaged },
        `Starting ${WINDOW_TITLE} ${app.getVersion()}`,
      )
      // node_modules holds the plain-Node build (tests, browser mode); Electron loads its own copy.
      const sqliteNativeBinding = loadElectronSqliteBinding({ appPath: app.getAppPath(), isPackaged: app.isPackaged })
      const keyStore = new SafeStorageKeyStore({ dir: dataDir, safeStorage, log: this.startupLog.logger.child('key_store') })
      // Off in development and in builds without a feed (`system:update` answers why).
      const updates = await createDesktopUpdater({
        isPackaged: app.isPackaged,
        currentVersion: app.getVersion(),
        resourcesPath: path.dirname(app.getAppPath()),
        busy: () => this.busy(),
        log: this.startupLog.logger.child('update'),
      })
      this.updates = updates
      const core = await createCore({
        dataDir,
        mode: 'desktop',
        appVersion: app.getVersion(),
        keyStore,
        sqliteNativeBinding,
        logToConsole: !app.isPackaged,
        // Native file pickers, and the restart Settings → Database and hosts offers after a change.
        platform: { ...electronPlatform, updates },
      })
      this.core = core
      core.events.subscribe((batches) => this.notifyNotices(batches))
      this.startupLog.attach(core.logs.logger('desktop'))
      this.log = core.logs.logger('desktop')
      if (this.quitting) return

      const renderer = resolveRendererLocation({ isPackaged: app.isPackaged })
      this.windowState = new WindowStateStore({ file: path.join(dataDir, 'window-state.json'), screen, log: this.log.child('window') })
      this.transport = new IpcTransport({ router: core.router, events: core.events, renderer, log: this.log.child('ipc') })
      this.transport.start()
      this.window = createMainWindow({ renderer, state: this.windowState, log: this.log.child('window') })
      this.transport.addWindow(this.window)
      this.window.on('closed', () => (this.window = null))
      this.log.info('desktop.ready', { renderer: renderer.kind, keyStore: keyStore.description })
      updates.start()
    } catch (err) {
      this.fatal(err)
    }
  }

  /** Alerts and other notices (also shown as toasts) as OS notifications; a click brings the panel forward. */
  private notifyNotices(batches: EventBatch[]): void {
    if (this.quitting) return
    for (const batch of batches) {
      if (batch.channel !== 'notice') continue
      for (const notice of (batch as EventBatch<'notice'>).items) notify(notice.title, notice.body, { onClick: () => this.focusWindow() })
    }
  }

  /** Work on this host that an update must not interrupt: a batch, or an attempt holding a profile slot. */
  private busy(): boolean {
    const core = this.core
    if (!core) return false
    return core.authorization.batches.active().length > 0 || core.gologin.slots.figures().slotsInUse > 0
  }

  private focusWindow(): void {
    const win = this.window
    if (!win || win.isDestroyed()) return
    if (win.isMinimized()) win.restore()
    win.show()
    win.focus()
  }

  private async shutdown(): Promise<void> {
    this.updates?.stop()
    this.windowState?.flush()
    if (this.window && !this.window.isDestroyed()) this.window.hide()
    const stopped = (async () => {
      await this.booting
      this.transport?.stop()
      await this.core?.close()
    })().catch((err: unknown) => this.log.error('desktop.shutdown_failed', { err }, 'The panel did not stop cleanly'))
    if ((await withTimeout(stopped, SHUTDOWN_TIMEOUT_MS)) === 'timeout') {
      this.log.warn('desktop.shutdown_timeout', { timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'The panel did not stop in time; exiting anyway')
    }
  }

  private fatal(err: unknown): void {
    const reason =
      err instanceof AppException ? err.message : `The panel could not start: ${err instanceof Error ? err.message.slice(0, 300) : String(err)}`
    this.log.error('desktop.start_failed', { err }, reason)
    // Before the log system exists, stderr is the only record.
    for (const line of this.startupLog.pending()) console.error(`[${line.level}] ${line.event}${line.msg ? `: ${line.msg}` : ''}`)
    console.error(err)
    // The line above is on disk by now: in the core's log, or else in the start-up log.
    const logs = this.core?.info.logFile || this.startupLog.filePath() || path.join(app.getPath('userData'), 'logs')
    dialog.showErrorBox(`${WINDOW_TITLE} could not start`, `${reason}\n\nDetails are in ${logs}`)
    this.quitting = true
    this.transport?.stop()
    const closing = this.core ? this.core.close().catch(() => undefined) : Promise.resolve()
    void withTimeout(closing, SHUTDOWN_TIMEOUT_MS).finally(() => app.exit(1))
  }
}

/** Waits for `work` (which must not reject), at most `ms` milliseconds. */
export async function withTimeout(work: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms)
  })
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}
