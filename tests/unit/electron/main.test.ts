import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_INVOKE } from '../../../src/shared/channels'
import { electronSqliteBindingPath } from '../../../src/main/electron/sqlite-binding'
import { NODE_SQLITE_ADDON, placeAddon } from '../../helpers/sqlite-addon'
import { tempDir } from '../../helpers/temp-dir'
import { app, BrowserWindow, dialog, ipcMain, resetFakeElectron } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { startDesktopApp, withTimeout, APP_USER_MODEL_ID } = await import('../../../src/main/electron/main')

/** Resolves once `check` passes (start-up opens a real database); the lifecycle exposes nothing else to await. */
async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

/**
 * An installed app: `…/resources/app.asar` with the Electron copy of the SQLite addon unpacked next to it
 * (here the plain-Node build, the runtime these tests run in).
 */
function installedApp(): string {
  app.appPath = path.join(tempDir(), 'app.asar')
  return placeAddon(electronSqliteBindingPath({ appPath: app.appPath, isPackaged: true }))
}

async function started(): Promise<{ dataDir: string; win: BrowserWindow }> {
  const dataDir = tempDir()
  app.userData = dataDir
  if (!app.appPath) installedApp()
  startDesktopApp()
  await eventually(() => expect(BrowserWindow.created).toHaveLength(1))
  return { dataDir, win: BrowserWindow.created[0] }
}

/** Starts with a start-up that must fail; returns what the error box said. */
async function failedStart(): Promise<{ title: string; body: string }> {
  app.userData = tempDir()
  const stderr = vi.spyOn(console, 'error').mockImplementation(() => {})
  startDesktopApp()
  await eventually(() => expect(app.exit).toHaveBeenCalledWith(1))
  stderr.mockRestore()
  expect(BrowserWindow.created).toHaveLength(0)
  expect(dialog.showErrorBox).toHaveBeenCalledTimes(1)
  const [title, body] = dialog.showErrorBox.mock.calls[0] as [string, string]
  return { title, body }
}

function quit(): { preventDefault: ReturnType<typeof vi.fn> } {
  const event = { preventDefault: vi.fn() }
  app.emit('before-quit', event)
  return event
}

beforeEach(() => resetFakeElectron())

describe('desktop app lifecycle', () => {
  it('starts the core in userData behind the IPC transport and opens one secure window', async () => {
    const { dataDir, win } = await started()
    expect(app.setAppUserModelId).toHaveBeenCalledWith(APP_USER_MODEL_ID)
    expect(app.enableSandbox).toHaveBeenCalled()
    expect(ipcMain.handlers.has(IPC_INVOKE)).toBe(true)
    expect(win.options.webPreferences?.sandbox).toBe(true)
    expect(fs.existsSync(path.join(dataDir, 'logs'))).toBe(true)

    const answer = await ipcMain.handlers.get(IPC_INVOKE)!(
      { sender: win.webContents, senderFrame: win.webContents.mainFrame },
      'system:info',
      undefined,
    )
    expect(answer).toMatchObject({ success: true, data: { mode: 'desktop', appVersion: '9.9.9', dataDir, dataKey: { osKeychain: true } } })

    app.quit()
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(0))
  })

  it('quits when the last window closes, stopping the core before exiting', async () => {
    const { win } = await started()
    win.close()
    app.emit('window-all-closed')
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(0))
    expect(ipcMain.handlers.size).toBe(0)
  })

  it('holds the quit until shutdown is done, and only once', async () => {
    await started()
    const first = quit()
    const second = quit()
    expect(first.preventDefault).toHaveBeenCalled()
    expect(second.preventDefault).toHaveBeenCalled()
    expect(app.exit).not.toHaveBeenCalled()
    await eventually(() => expect(app.exit).toHaveBeenCalledTimes(1))
  })

  it('saves the window position when quitting', async () => {
    const { dataDir, win } = await started()
    win.normalBounds = { x: 50, y: 60, width: 1000, height: 700 }
    win.emit('move')
    quit()
    await eventually(() => expect(app.exit).toHaveBeenCalled())
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'window-state.json'), 'utf8'))).toMatchObject({ x: 50, y: 60 })
  })

  it('brings the existing window forward when the app is launched again', async () => {
    const { win } = await started()
    app.emit('second-instance')
    expect(win.show).toHaveBeenCalled()
    expect(win.focus).toHaveBeenCalled()
    app.quit()
    await eventually(() => expect(app.exit).toHaveBeenCalled())
  })

  it('a second instance hands over and quits without starting anything', () => {
    app.requestSingleInstanceLock.mockReturnValueOnce(false)
    startDesktopApp()
    expect(app.quit).toHaveBeenCalled()
    expect(app.whenReady).not.toHaveBeenCalled()
  })

  it('shows an error box and exits with code 1 when start-up fails', async () => {
    const file = path.join(tempDir(), 'not-a-folder')
    fs.writeFileSync(file, '')
    app.userData = file
    installedApp()
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {})
    startDesktopApp()
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(1))
    expect(stderr).toHaveBeenCalled()
    stderr.mockRestore()
    expect(dialog.showErrorBox).toHaveBeenCalledWith(expect.stringContaining('could not start'), expect.any(String))
    expect(BrowserWindow.created).toHaveLength(0)
  })
})

describe('the SQLite addon the desktop app loads', () => {
  it('is the Electron copy unpacked next to app.asar, never the plain-Node build in node_modules', async () => {
    const copy = installedApp()
    await started()
    const loaded = createRequire(import.meta.url).cache
    expect(loaded[copy]).toBeDefined()
    expect(loaded[NODE_SQLITE_ADDON]).toBeUndefined()
    app.quit()
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(0))
  })

  it('missing in development: one error box that names the command to run, no stack trace, no window', async () => {
    app.isPackaged = false
    app.appPath = tempDir()
    const { title, body } = await failedStart()
    expect(title).toBe('GoLogin Automation Panel could not start')
    expect(body).toContain('The SQLite engine for the desktop app is missing')
    expect(body).toContain('npm run native:electron')
    expect(body).not.toMatch(/\n\s+at /)
  })

  it('damaged in an installed app: the error box says to reinstall', async () => {
    app.appPath = path.join(tempDir(), 'app.asar')
    placeAddon(electronSqliteBindingPath({ appPath: app.appPath, isPackaged: true }), Buffer.from('not an addon'))
    const { body } = await failedStart()
    expect(body).toContain('cannot be loaded')
    expect(body).toContain('reinstall GoLogin Automation Panel')
  })

  it('a failed start leaves its first lines and the addon failure in the start-up log before the error box points at that file', async () => {
    app.appPath = path.join(tempDir(), 'app.asar')
    placeAddon(electronSqliteBindingPath({ appPath: app.appPath, isPackaged: true }), Buffer.from('not an addon'))
    const logFile = () => path.join(app.userData, 'logs', 'startup.log')
    let onDiskWhenShown = ''
    dialog.showErrorBox.mockImplementation(() => void (onDiskWhenShown = fs.existsSync(logFile()) ? fs.readFileSync(logFile(), 'utf8') : ''))
    const { body } = await failedStart()
    const lines = onDiskWhenShown.trim().split('\n').map((line) => JSON.parse(line) as { level: string; event: string; msg?: string; fields?: Record<string, unknown> })
    expect(lines[0]).toMatchObject({ level: 'info', event: 'desktop.starting', fields: { version: app.getVersion(), packaged: true } })
    expect(lines.at(-1)).toMatchObject({ level: 'error', event: 'desktop.start_failed', msg: expect.stringContaining('cannot be loaded') })
    expect(body).toContain(`Details are in ${logFile()}`)
  })
})

describe('withTimeout', () => {
  it('reports done, or timeout when the work does not finish in time', async () => {
    expect(await withTimeout(Promise.resolve(), 1_000)).toBe('done')
    vi.useFakeTimers()
    const pending = withTimeout(new Promise(() => {}), 10_000)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(await pending).toBe('timeout')
    vi.useRealTimers()
  })
})
