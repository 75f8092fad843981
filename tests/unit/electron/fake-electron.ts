/**
 * A stand-in for the `electron` module (the binary is not installed in CI): just enough of each
 * API for the desktop glue, with hooks the tests read. Use with
 * `vi.mock('electron', () => import('./fake-electron'))` and call `resetFakeElectron()` per test.
 */
import { EventEmitter } from 'node:events'
import type { BrowserWindowConstructorOptions } from 'electron'
import { vi } from 'vitest'
import type { Logger } from '../../../src/main/logging/logger'

// Fakes accept whatever Electron would pass; the tests call them with Electron-shaped arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => any

export class FakeSession {
  permissionRequestHandler: Handler | null = null
  permissionCheckHandler: Handler | null = null
  setPermissionRequestHandler(handler: Handler | null) {
    this.permissionRequestHandler = handler
  }
  setPermissionCheckHandler(handler: Handler | null) {
    this.permissionCheckHandler = handler
  }
}

export interface FakeFrame {
  url: string
  parent: FakeFrame | null
  processId: number
  routingId: number
}

let nextContentsId = 1

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++
  readonly session = new FakeSession()
  readonly mainFrame: FakeFrame = { url: '', parent: null, processId: 7, routingId: this.id }
  readonly send = vi.fn()
  windowOpenHandler: Handler | null = null
  destroyed = false
  setWindowOpenHandler(handler: Handler) {
    this.windowOpenHandler = handler
  }
  getURL() {
    return this.mainFrame.url
  }
  isDestroyed() {
    return this.destroyed
  }
}

export class BrowserWindow extends EventEmitter {
  static created: BrowserWindow[] = []
  static getFocusedWindow = vi.fn((): BrowserWindow | null => null)
  readonly webContents = new FakeWebContents()
  readonly loadURL = vi.fn(async (url: string) => {
    this.webContents.mainFrame.url = url
  })
  readonly show = vi.fn()
  readonly hide = vi.fn()
  readonly focus = vi.fn()
  readonly restore = vi.fn()
  readonly maximize = vi.fn()
  destroyed = false
  normalBounds = { x: 0, y: 0, width: 1280, height: 820 }
  maximized = false

  constructor(readonly options: BrowserWindowConstructorOptions) {
    super()
    BrowserWindow.created.push(this)
  }
  isDestroyed() {
    return this.destroyed
  }
  isMinimized() {
    return false
  }
  isMaximized() {
    return this.maximized
  }
  getNormalBounds() {
    return { ...this.normalBounds }
  }
  /** What closing the window does in Electron: `close`, then `closed`, then it is destroyed. */
  close() {
    this.emit('close')
    this.destroyed = true
    this.webContents.destroyed = true
    this.emit('closed')
  }
}

export const ipcMain = {
  handlers: new Map<string, Handler>(),
  handle: vi.fn((channel: string, handler: Handler) => {
    if (ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    ipcMain.handlers.set(channel, handler)
  }),
  removeHandler: vi.fn((channel: string) => ipcMain.handlers.delete(channel)),
}

export const ipcRenderer = Object.assign(new EventEmitter(), { invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ success: true })) })
export const contextBridge = { exposeInMainWorld: vi.fn() }
export const shell = { openExternal: vi.fn(async (_url: string) => {}) }
export const nativeTheme = { shouldUseDarkColors: false }
export const dialog = {
  showSaveDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePath: '/tmp/out.csv' })),
  showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: false, filePaths: ['/tmp/in.csv'] })),
  showErrorBox: vi.fn(),
}
export const screen = {
  getAllDisplays: vi.fn(() => [{ workArea: { x: 0, y: 0, width: 1920, height: 1040 } }]),
  getPrimaryDisplay: vi.fn(() => ({ workArea: { x: 0, y: 0, width: 1920, height: 1040 } })),
}
export const safeStorage = {
  isEncryptionAvailable: vi.fn(() => true),
  getSelectedStorageBackend: vi.fn(() => 'gnome_libsecret'),
  encryptString: vi.fn((text: string) => Buffer.from(`enc:${text}`)),
  decryptString: vi.fn((data: Buffer) => data.toString().replace(/^enc:/, '')),
}

export class Notification extends EventEmitter {
  static supported = true
  static shown: Array<{ title: string; body: string }> = []
  static isSupported() {
    return Notification.supported
  }
  constructor(readonly options: { title: string; body: string }) {
    super()
  }
  show() {
    Notification.shown.push({ title: this.options.title, body: this.options.body })
  }
}

export const app = Object.assign(new EventEmitter(), {
  userData: '',
  /** What `getAppPath()` answers: a packaged app's `…/resources/app.asar`, or the project folder in development. */
  appPath: '',
  isPackaged: true,
  requestSingleInstanceLock: vi.fn(() => true),
  setAppUserModelId: vi.fn(),
  enableSandbox: vi.fn(),
  setAppLogsPath: vi.fn(),
  whenReady: vi.fn(() => Promise.resolve()),
  getPath: vi.fn((_name: string) => app.userData),
  getAppPath: vi.fn(() => app.appPath),
  getVersion: vi.fn(() => '9.9.9'),
  quit: vi.fn(() => {
    const event = { defaultPrevented: false, preventDefault: () => (event.defaultPrevented = true) }
    app.emit('before-quit', event)
    if (!event.defaultPrevented) app.exit(0)
  }),
  exit: vi.fn((_code?: number) => {}),
  relaunch: vi.fn(),
})

export function resetFakeElectron(): void {
  vi.clearAllMocks()
  BrowserWindow.created = []
  ipcMain.handlers.clear()
  ipcRenderer.removeAllListeners()
  app.removeAllListeners()
  app.isPackaged = true
  app.appPath = ''
  nativeTheme.shouldUseDarkColors = false
  Notification.supported = true
  Notification.shown = []
}

/** A logger that remembers its lines, for asserting what the operator would find in the log. */
export function recordingLogger(): { log: Logger; lines: Array<{ level: string; event: string; fields?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; event: string; fields?: Record<string, unknown> }> = []
  const make = (): Logger => ({
    debug: (event, fields) => lines.push({ level: 'debug', event, fields }),
    info: (event, fields) => lines.push({ level: 'info', event, fields }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields) => lines.push({ level: 'error', event, fields }),
    child: () => make(),
  })
  return { log: make(), lines }
}

export default { app, BrowserWindow, ipcMain, ipcRenderer, contextBridge, shell, nativeTheme, dialog, screen, safeStorage, Notification }
