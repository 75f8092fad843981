import { app } from 'electron'
import type { PlatformServices } from '../services/platform'
import { electronFileDialogs } from './dialogs'

/**
 * Restarts the desktop app: Electron starts a new instance once this one exits, and `app.quit()` goes through the
 * app's `before-quit` handler, which stops the core cleanly (batches, profiles, database) before `app.exit()`.
 */
export function relaunchDesktopApp(): void {
  app.relaunch()
  app.quit()
}

/** What the desktop app offers the core: native file pickers and a restart (Settings → Database and hosts). */
export const electronPlatform: PlatformServices = {
  dialogs: electronFileDialogs,
  relaunch: relaunchDesktopApp,
}
