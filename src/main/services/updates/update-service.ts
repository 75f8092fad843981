/**
 * Self-update policy for the installed desktop app (electron-updater does the download and the install; this
 * decides when). Plain Node: the Electron glue (src/main/electron/updater.ts) hands it electron-updater's
 * `autoUpdater`; tests hand it a fake feed.
 *
 * - Off unless the app is packaged and its build names a feed (electron-builder writes app-update.yml from the
 *   `publish` setting): development, browser mode and workers never check.
 * - Checks at start and every few hours; downloads in the background.
 * - "Update available — restart to install": installing now is refused while this host runs work (a batch, or any
 *   attempt holding a slot); otherwise the app restarts into the new version.
 * - Installs on quit, but never when the quit interrupts work: that update waits for a quit with nothing running.
 */
import { DomainException } from '../../../shared/errors'
import type { UpdateStatus } from '../../../shared/contract/system'
import type { Logger } from '../../logging/logger'

/** What the policy uses of electron-updater's AppUpdater. */
export interface UpdaterLike {
  autoDownload: boolean
  autoInstallOnAppQuit: boolean
  checkForUpdates(): Promise<unknown>
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void
  on(event: 'checking-for-update' | 'update-not-available', listener: () => void): unknown
  on(event: 'update-available' | 'update-downloaded', listener: (info: { version: string; releaseDate?: string }) => void): unknown
  on(event: 'download-progress', listener: (progress: { percent: number }) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
}

export interface UpdateServiceOptions {
  /** null: updates are off, for `disabledReason`. */
  updater: UpdaterLike | null
  disabledReason?: string
  currentVersion: string
  /** True while this host runs work: a batch, or an attempt holding a profile slot. */
  busy: () => boolean
  log: Logger
  /** Between checks (default 4 hours). */
  intervalMs?: number
}

export const UPDATE_CHECK_INTERVAL_MS = 4 * 60 * 60 * 1000

export class UpdateService {
  private current: UpdateStatus
  private readonly listeners = new Set<(status: UpdateStatus) => void>()
  private timer: NodeJS.Timeout | null = null
  private checking: Promise<void> | null = null

  constructor(private readonly options: UpdateServiceOptions) {
    this.current = options.updater
      ? { state: 'idle', currentVersion: options.currentVersion, version: null, percent: null, checkedAt: null, message: null }
      : { state: 'disabled', currentVersion: options.currentVersion, version: null, percent: null, checkedAt: null, message: options.disabledReason ?? 'Updates are off.' }
    const updater = options.updater
    if (!updater) return
    updater.autoDownload = true
    // Decided at quit time (`beforeQuit`): never when the quit interrupts work.
    updater.autoInstallOnAppQuit = false
    updater.on('checking-for-update', () => this.set({ state: 'checking', message: null }))
    updater.on('update-not-available', () => this.set({ state: 'idle', checkedAt: new Date().toISOString(), message: null }))
    updater.on('update-available', (info) => {
      this.options.log.info('update.available', { version: info.version }, `Version ${info.version} is available; downloading it`)
      this.set({ state: 'downloading', version: info.version, percent: 0, checkedAt: new Date().toISOString() })
    })
    updater.on('download-progress', (progress) => this.set({ state: 'downloading', percent: Math.round(progress.percent) }))
    updater.on('update-downloaded', (info) => {
      this.options.log.info('update.downloaded', { version: info.version }, `Version ${info.version} is ready: it installs when the panel restarts`)
      this.set({ state: 'ready', version: info.version, percent: 100, message: null })
    })
    updater.on('error', (error) => {
      this.options.log.warn('update.failed', { err: error }, `The update check failed: ${error.message}`)
      // A failed check while an update is ready keeps it ready.
      if (this.current.state !== 'ready') this.set({ state: 'error', percent: null, message: `The update check failed: ${error.message.split('\n')[0].slice(0, 200)}` })
    })
  }

  /** Checks now and then every `intervalMs` (nothing when updates are off). */
  start(): void {
    if (!this.options.updater || this.timer) return
    void this.check()
    this.timer = setInterval(() => void this.check(), this.options.intervalMs ?? UPDATE_CHECK_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  status(): UpdateStatus {
    return { ...this.current }
  }

  onChange(listener: (status: UpdateStatus) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** One check (a running one is shared); errors end up in the status, never thrown. */
  check(): Promise<void> {
    const updater = this.options.updater
    if (!updater) return Promise.resolve()
    this.checking ??= updater
      .checkForUpdates()
      .then(() => undefined)
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error)
        if (this.current.state !== 'ready') this.set({ state: 'error', message: `The update check failed: ${message.split('\n')[0].slice(0, 200)}` })
      })
      .finally(() => (this.checking = null))
    return this.checking
  }

  /** "Restart to install": refused while work runs or before an update is ready. */
  installNow(): void {
    if (this.current.state !== 'ready') throw new DomainException('CONFLICT', 'No update is ready to install yet.')
    if (this.options.busy()) {
      throw new DomainException('CONFLICT', 'Authorizations are running: the update installs once they are done (or when you quit with nothing running).')
    }
    this.options.log.info('update.installing', { version: this.current.version }, `Restarting to install version ${this.current.version}`)
    this.options.updater!.quitAndInstall(false, true)
  }

  /** At quit: install a ready update only if the quit interrupts no work. */
  beforeQuit(): void {
    const updater = this.options.updater
    if (!updater || this.current.state !== 'ready') return
    const busy = this.options.busy()
    updater.autoInstallOnAppQuit = !busy
    if (busy) this.options.log.info('update.deferred', { version: this.current.version }, 'Quitting during work: the update installs at a later quit')
  }

  private set(patch: Partial<UpdateStatus>): void {
    this.current = { ...this.current, ...patch }
    const status = this.status()
    for (const listener of this.listeners) listener(status)
  }
}
