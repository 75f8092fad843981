import { BrowserWindow, nativeTheme, type WebContents } from 'electron'
import type { Logger } from '../logging/logger'
import { PRELOAD_PATH, type RendererLocation } from './renderer-location'
import { safeOpenExternal } from './safe-open-external'
import type { WindowStateStore } from './window-state'

export const WINDOW_TITLE = 'GoLogin Automation Panel'
const BACKGROUND = { dark: '#15171c', light: '#f5f6f8' } as const

export interface MainWindowOptions {
  renderer: RendererLocation
  state: WindowStateStore
  log: Logger
  preloadPath?: string
}

/**
 * The panel's window: isolated, sandboxed renderer with no Node, the preload as its only bridge,
 * no navigation away from the app, no pop-ups, no permissions.
 */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const { renderer, state, log } = options
  const saved = state.load()
  const win = new BrowserWindow({
    x: saved.x,
    y: saved.y,
    width: saved.width,
    height: saved.height,
    minWidth: 900,
    minHeight: 600,
    title: WINDOW_TITLE,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: nativeTheme.shouldUseDarkColors ? BACKGROUND.dark : BACKGROUND.light,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: options.preloadPath ?? PRELOAD_PATH,
    },
  })
  state.track(win)
  hardenWebContents(win.webContents, renderer, log)

  win.once('ready-to-show', () => {
    if (saved.isMaximized) win.maximize()
    win.show()
  })
  win.loadURL(renderer.url).catch((err: unknown) => {
    log.error('window.load_failed', { err, kind: renderer.kind }, 'The panel page could not be loaded')
  })
  return win
}

/** Navigation, pop-up and permission rules for a window showing the app's page. */
const ALLOWED_PERMISSIONS = new Set<string>(['clipboard-sanitized-write'])

export function hardenWebContents(contents: WebContents, renderer: RendererLocation, log: Logger): void {
  contents.on('will-navigate', (event) => {
    const url = event.url
    // The dev server reloads the page after an edit; that is the only navigation we let through.
    if (renderer.kind === 'dev' && url === contents.getURL() && renderer.isAppUrl(url)) return
    event.preventDefault()
    log.warn('window.navigation_blocked', { scheme: schemeOf(url) }, 'Blocked the panel window from leaving the app')
    if (/^https?:/i.test(url)) void safeOpenExternal(url, log)
  })

  contents.setWindowOpenHandler(({ url }) => {
    void safeOpenExternal(url, log)
    return { action: 'deny' }
  })

  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
    log.warn('window.webview_blocked', {})
  })

  // Everything is denied but writing to the clipboard, which the Logs page's Copy button needs.
  contents.session.setPermissionRequestHandler((_contents, permission, callback) => {
    if (ALLOWED_PERMISSIONS.has(permission)) return callback(true)
    log.warn('window.permission_denied', { permission })
    callback(false)
  })
  contents.session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission))

  contents.on('render-process-gone', (_event, details) => {
    log.error('window.renderer_gone', { reason: details.reason, exitCode: details.exitCode }, 'The panel page crashed')
  })
}

function schemeOf(url: string): string {
  return /^([a-z][a-z0-9+.-]{0,30}):/i.exec(url)?.[1]?.toLowerCase() ?? '(none)'
}
