import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from '../logging/logger'
import { UpdateService, type UpdaterLike } from '../services/updates/update-service'

export interface DesktopUpdaterOptions {
  isPackaged: boolean
  currentVersion: string
  /** The resources folder (next to app.asar): app-update.yml sits there when the build names a feed. */
  resourcesPath: string
  busy: () => boolean
  log: Logger
  /** electron-updater's autoUpdater (loaded only when updates are on). */
  loadUpdater?: () => Promise<UpdaterLike>
}

/** Why updates are off for this app, or null when they are on. */
export function updatesOffReason(options: Pick<DesktopUpdaterOptions, 'isPackaged' | 'resourcesPath'>): string | null {
  if (!options.isPackaged) return 'Updates are off in development (npm run dev / npm start).'
  if (!fs.existsSync(path.join(options.resourcesPath, 'app-update.yml'))) {
    return 'This build names no update feed (it was packaged without UPDATE_FEED_URL or UPDATE_GITHUB_REPO): install new versions by hand.'
  }
  return null
}

/** The desktop app's self-update: electron-updater behind the policy, or the policy with updates off and why. */
export async function createDesktopUpdater(options: DesktopUpdaterOptions): Promise<UpdateService> {
  const reason = updatesOffReason(options)
  const common = { currentVersion: options.currentVersion, busy: options.busy, log: options.log }
  if (reason) return new UpdateService({ ...common, updater: null, disabledReason: reason })
  const updater = await (options.loadUpdater ?? loadElectronUpdater)()
  return new UpdateService({ ...common, updater })
}

async function loadElectronUpdater(): Promise<UpdaterLike> {
  // electron-updater is CommonJS: its autoUpdater is a lazily created property of the module.
  const module = (await import('electron-updater')) as unknown as { default?: { autoUpdater: UpdaterLike }; autoUpdater?: UpdaterLike }
  const updater = module.autoUpdater ?? module.default?.autoUpdater
  if (!updater) throw new Error('electron-updater has no autoUpdater')
  return updater
}
