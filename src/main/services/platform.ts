import type { UpdateStatus } from '../../shared/contract/system'

/**
 * What the core may ask of the platform it runs on. The desktop app passes Electron's file pickers;
 * browser mode and tests pass nothing (features then fall back, e.g. the CSV export offers a download).
 */

export interface FileFilter {
  name: string
  /** Without the dot: `csv`, or `*` for all files. */
  extensions: string[]
}

export interface FileDialogOptions {
  title?: string
  /** Suggested file name or folder. */
  defaultPath?: string
  filters?: FileFilter[]
}

/** What features (CSV export/import) need from the OS file pickers; `null` means the operator cancelled. */
export interface FileDialogs {
  chooseSavePath(options: FileDialogOptions): Promise<string | null>
  chooseOpenFile(options: FileDialogOptions): Promise<string | null>
}

/** The installed app's self-update (desktop only): see services/updates/update-service.ts. */
export interface UpdatesPort {
  status(): UpdateStatus
  installNow(): void
  onChange(listener: (status: UpdateStatus) => void): () => void
}

export interface PlatformServices {
  /** OS file pickers (desktop app only). */
  dialogs?: FileDialogs | null
  /** Restarts the app (desktop: Electron's app.relaunch() and a clean quit); absent in browser mode. */
  relaunch?: (() => void) | null
  /** Self-update of the installed desktop app; absent in browser mode, workers and tests. */
  updates?: UpdatesPort | null
}

export const CSV_FILTERS: FileFilter[] = [
  { name: 'CSV files', extensions: ['csv'] },
  { name: 'All files', extensions: ['*'] },
]
