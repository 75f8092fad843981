import { BrowserWindow, dialog } from 'electron'
import type { FileDialogOptions, FileDialogs } from '../services/platform'

// The interface lives with the core (plain Node); this is Electron's implementation of it.
export { CSV_FILTERS, type FileDialogOptions, type FileDialogs } from '../services/platform'

/** Asks where to save a file (modal to the focused panel window). */
export async function chooseSavePath(options: FileDialogOptions, parent = focusedWindow()): Promise<string | null> {
  const settings = { title: options.title, defaultPath: options.defaultPath, filters: options.filters, properties: ['createDirectory' as const, 'showOverwriteConfirmation' as const] }
  const result = parent ? await dialog.showSaveDialog(parent, settings) : await dialog.showSaveDialog(settings)
  return result.canceled || !result.filePath ? null : result.filePath
}

/** Asks for one existing file to read (modal to the focused panel window). */
export async function chooseOpenFile(options: FileDialogOptions, parent = focusedWindow()): Promise<string | null> {
  const settings = { title: options.title, defaultPath: options.defaultPath, filters: options.filters, properties: ['openFile' as const] }
  const result = parent ? await dialog.showOpenDialog(parent, settings) : await dialog.showOpenDialog(settings)
  return result.canceled ? null : (result.filePaths[0] ?? null)
}

export const electronFileDialogs: FileDialogs = {
  chooseSavePath: (options) => chooseSavePath(options),
  chooseOpenFile: (options) => chooseOpenFile(options),
}

function focusedWindow(): BrowserWindow | undefined {
  const win = BrowserWindow.getFocusedWindow()
  return win && !win.isDestroyed() ? win : undefined
}
