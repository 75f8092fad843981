import { beforeEach, describe, expect, it, vi } from 'vitest'
import { app, resetFakeElectron } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { electronPlatform, relaunchDesktopApp } = await import('../../../src/main/electron/platform')

beforeEach(() => resetFakeElectron())

describe('desktop platform services', () => {
  it('restart: asks Electron to start the app again, then quits through before-quit (where the core stops cleanly)', () => {
    const beforeQuit = vi.fn()
    app.on('before-quit', beforeQuit)
    relaunchDesktopApp()
    expect(app.relaunch).toHaveBeenCalledOnce()
    expect(beforeQuit).toHaveBeenCalledOnce()
    expect(app.relaunch.mock.invocationCallOrder[0]).toBeLessThan(app.quit.mock.invocationCallOrder[0]!)
    expect(electronPlatform.relaunch).toBe(relaunchDesktopApp)
    expect(electronPlatform.dialogs).toBeTruthy()
  })
})
