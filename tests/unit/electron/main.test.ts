import fs from 'node:fs'
import path from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_INVOKE } from '../../../src/shared/channels'
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

async function started(): Promise<{ dataDir: string; win: BrowserWindow }> {
  const dataDir = tempDir()
  app.userData = dataDir
  startDesktopApp()
  await eventually(() => expect(BrowserWindow.created).toHaveLength(1))
  return { dataDir, win: BrowserWindow.created[0] }
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
    expect(answer).toMatchObject({ success: true, data: { mode: 'desktop', appVersion: '9.9.9', dataDir } })

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
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {})
    startDesktopApp()
    await eventually(() => expect(app.exit).toHaveBeenCalledWith(1))
    expect(stderr).toHaveBeenCalled()
    stderr.mockRestore()
    expect(dialog.showErrorBox).toHaveBeenCalledWith(expect.stringContaining('could not start'), expect.any(String))
    expect(BrowserWindow.created).toHaveLength(0)
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
