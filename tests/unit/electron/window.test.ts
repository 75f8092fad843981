import path from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { tempDir } from '../../helpers/temp-dir'
import { nativeTheme, recordingLogger, resetFakeElectron, screen, shell, type BrowserWindow } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { createMainWindow } = await import('../../../src/main/electron/window')
const { resolveRendererLocation } = await import('../../../src/main/electron/renderer-location')
const { WindowStateStore } = await import('../../../src/main/electron/window-state')

const HTML = path.resolve('/opt/panel/out/renderer/index.html')

function openWindow(options: { dev?: boolean } = {}) {
  const { log, lines } = recordingLogger()
  const renderer = resolveRendererLocation(
    options.dev ? { isPackaged: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } } : { isPackaged: true, htmlPath: HTML },
  )
  const state = new WindowStateStore({ file: path.join(tempDir(), 'window-state.json'), screen, log })
  const win = createMainWindow({ renderer, state, log }) as unknown as BrowserWindow
  return { win, lines, renderer }
}

function navigate(win: BrowserWindow, url: string) {
  const event = { url, defaultPrevented: false, preventDefault: vi.fn(() => (event.defaultPrevented = true)) }
  win.webContents.emit('will-navigate', event, url)
  return event
}

/** Lets the fire-and-forget `safeOpenExternal` calls finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve))

beforeEach(() => resetFakeElectron())

describe('createMainWindow', () => {
  it('uses exactly the secure web preferences and the built preload', () => {
    const { win } = openWindow()
    const prefs = win.options.webPreferences!
    expect(Object.keys(prefs).sort()).toEqual(['contextIsolation', 'nodeIntegration', 'preload', 'sandbox', 'webSecurity'])
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true })
    expect(prefs.preload!.replaceAll('\\', '/')).toMatch(/\/preload\/index\.cjs$/)
    expect(path.isAbsolute(prefs.preload!)).toBe(true)
  })

  it('stays hidden until the page is ready, then shows', () => {
    const { win } = openWindow()
    expect(win.options.show).toBe(false)
    expect(win.show).not.toHaveBeenCalled()
    win.emit('ready-to-show')
    expect(win.show).toHaveBeenCalledTimes(1)
  })

  it('loads the built page, or the dev server in development', () => {
    expect(openWindow().win.loadURL).toHaveBeenCalledWith(expect.stringMatching(/^file:\/\/.*\/out\/renderer\/index\.html$/))
    expect(openWindow({ dev: true }).win.loadURL).toHaveBeenCalledWith('http://localhost:5173/')
  })

  it('picks the background colour from the OS theme', () => {
    const light = openWindow().win.options.backgroundColor
    nativeTheme.shouldUseDarkColors = true
    const dark = openWindow().win.options.backgroundColor
    expect(light).not.toEqual(dark)
  })

  it('blocks navigation away from the app and sends web links to the system browser', async () => {
    const { win, lines } = openWindow()
    expect(navigate(win, 'https://evil.example/phish').preventDefault).toHaveBeenCalled()
    expect(navigate(win, 'file:///etc/passwd').preventDefault).toHaveBeenCalled()
    await settle()
    expect(shell.openExternal).toHaveBeenCalledTimes(1)
    expect(shell.openExternal).toHaveBeenCalledWith('https://evil.example/phish')
    expect(lines.filter((l) => l.event === 'window.navigation_blocked')).toHaveLength(2)
  })

  it('blocks even a reload of the page in production, and allows only the same-URL reload in dev', () => {
    const prod = openWindow().win
    prod.emit('ready-to-show')
    expect(navigate(prod, prod.webContents.getURL()).preventDefault).toHaveBeenCalled()

    const dev = openWindow({ dev: true }).win
    expect(navigate(dev, 'http://localhost:5173/').preventDefault).not.toHaveBeenCalled()
    expect(navigate(dev, 'http://localhost:5173/other').preventDefault).toHaveBeenCalled()
    expect(navigate(dev, 'http://localhost:9999/').preventDefault).toHaveBeenCalled()
  })

  it('denies every new window and opens only safe web links externally', async () => {
    const { win, lines } = openWindow()
    const handler = win.webContents.windowOpenHandler!
    const urls = [
      'https://developer.x.com/en/portal/dashboard',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      'https://user:pass@example.com/',
      'http://example.com/',
      'not a url',
    ]
    for (const url of urls) expect(handler({ url })).toEqual({ action: 'deny' })
    await settle()
    expect(shell.openExternal.mock.calls).toEqual([['https://developer.x.com/en/portal/dashboard']])
    expect(lines.filter((l) => l.event === 'external_link.refused')).toHaveLength(6)
  })

  it('denies every permission request and check but clipboard writing (the Copy buttons)', () => {
    const { win } = openWindow()
    const session = win.webContents.session
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn()
      session.permissionRequestHandler!(win.webContents, permission, callback, {})
      expect(callback).toHaveBeenCalledWith(false)
      expect(session.permissionCheckHandler!(win.webContents, permission, 'file://', {})).toBe(false)
    }
    const clipboard = vi.fn()
    session.permissionRequestHandler!(win.webContents, 'clipboard-sanitized-write', clipboard, {})
    expect(clipboard).toHaveBeenCalledWith(true)
  })

  it('refuses to attach a <webview>', () => {
    const { win } = openWindow()
    const event = { preventDefault: vi.fn() }
    win.webContents.emit('will-attach-webview', event, {}, {})
    expect(event.preventDefault).toHaveBeenCalled()
  })
})
