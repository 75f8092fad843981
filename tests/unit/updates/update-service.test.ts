import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import type { UpdateStatus } from '../../../src/shared/contract/system'
import { systemHandlers } from '../../../src/main/handlers/system'
import { UPDATE_CHECK_INTERVAL_MS, UpdateService, type UpdaterLike } from '../../../src/main/services/updates/update-service'
import { captureLogger } from '../gologin/capture-logger'
import { tempDir } from '../../helpers/temp-dir'

vi.mock('electron-updater', () => ({ autoUpdater: null }))
const { createDesktopUpdater, updatesOffReason } = await import('../../../src/main/electron/updater')

/** A feed with one newer version: checking finds it, downloads it and reports it ready, as electron-updater does. */
class FakeFeed extends EventEmitter implements UpdaterLike {
  autoDownload = false
  autoInstallOnAppQuit = true
  checks = 0
  installs: Array<[boolean | undefined, boolean | undefined]> = []
  constructor(private readonly next: string | null = '1.1.0') {
    super()
  }
  async checkForUpdates() {
    this.checks++
    this.emit('checking-for-update')
    if (!this.next) return void this.emit('update-not-available')
    this.emit('update-available', { version: this.next })
    this.emit('download-progress', { percent: 42.4 })
    this.emit('update-downloaded', { version: this.next })
  }
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean) {
    this.installs.push([isSilent, isForceRunAfter])
  }
}

function service(feed: UpdaterLike | null, busy = { now: false }) {
  const log = captureLogger()
  const updates = new UpdateService({ updater: feed, disabledReason: 'off for the test', currentVersion: '1.0.0', busy: () => busy.now, log })
  const seen: UpdateStatus[] = []
  updates.onChange((status) => seen.push(status))
  return { updates, seen, busy }
}

describe('self-update policy', () => {
  it('checks at start and every 4 hours, downloads in the background and says "ready" with the version', async () => {
    vi.useFakeTimers()
    try {
      const feed = new FakeFeed()
      const { updates, seen } = service(feed)
      expect(feed.autoDownload).toBe(true)
      expect(feed.autoInstallOnAppQuit).toBe(false)
      updates.start()
      await vi.advanceTimersByTimeAsync(0)
      expect(feed.checks).toBe(1)
      expect(seen.map((s) => s.state)).toEqual(['checking', 'downloading', 'downloading', 'ready'])
      expect(updates.status()).toMatchObject({ state: 'ready', version: '1.1.0', currentVersion: '1.0.0', percent: 100 })
      await vi.advanceTimersByTimeAsync(UPDATE_CHECK_INTERVAL_MS)
      expect(feed.checks).toBe(2)
      updates.stop()
      await vi.advanceTimersByTimeAsync(UPDATE_CHECK_INTERVAL_MS * 3)
      expect(feed.checks).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('"restart to install" is refused while work runs, and restarts into the update when nothing runs', async () => {
    const feed = new FakeFeed()
    const { updates, busy } = service(feed, { now: true })
    expect(() => updates.installNow()).toThrow(/No update is ready/)
    await updates.check()
    expect(() => updates.installNow()).toThrow(/Authorizations are running: the update installs once they are done/)
    expect(feed.installs).toEqual([])
    busy.now = false
    updates.installNow()
    expect(feed.installs).toEqual([[false, true]])
  })

  it('installs on quit only when the quit interrupts no work', async () => {
    const feed = new FakeFeed()
    const { updates, busy } = service(feed, { now: true })
    updates.beforeQuit()
    expect(feed.autoInstallOnAppQuit).toBe(false) // nothing ready yet
    await updates.check()
    updates.beforeQuit()
    expect(feed.autoInstallOnAppQuit).toBe(false) // ready, but a batch runs
    busy.now = false
    updates.beforeQuit()
    expect(feed.autoInstallOnAppQuit).toBe(true)
  })

  it('a failed check says why in the status, and keeps an update that is already ready', async () => {
    const feed = new FakeFeed()
    const { updates } = service(feed)
    feed.checkForUpdates = async () => {
      throw new Error('net::ERR_NAME_NOT_RESOLVED\n    at stack')
    }
    await updates.check()
    expect(updates.status()).toMatchObject({ state: 'error', message: 'The update check failed: net::ERR_NAME_NOT_RESOLVED' })
    const ready = new FakeFeed()
    const second = service(ready).updates
    await second.check()
    ready.emit('error', new Error('later check failed'))
    expect(second.status().state).toBe('ready')
  })

  it('with no updater it is off, says why, never checks, and refuses to install', async () => {
    const { updates } = service(null)
    updates.start()
    await updates.check()
    expect(updates.status()).toMatchObject({ state: 'disabled', message: 'off for the test' })
    expect(() => updates.installNow()).toThrow(/No update is ready/)
  })
})

describe('where updates are on', () => {
  it('off in development and in a packaged build without a feed; on with app-update.yml', async () => {
    const resources = tempDir()
    expect(updatesOffReason({ isPackaged: false, resourcesPath: resources })).toMatch(/off in development/)
    expect(updatesOffReason({ isPackaged: true, resourcesPath: resources })).toMatch(/names no update feed/)
    fs.writeFileSync(path.join(resources, 'app-update.yml'), 'provider: generic\nurl: https://updates.example.invalid/\n')
    expect(updatesOffReason({ isPackaged: true, resourcesPath: resources })).toBeNull()

    const feed = new FakeFeed(null)
    const loadUpdater = vi.fn(async () => feed)
    const on = await createDesktopUpdater({ isPackaged: true, currentVersion: '1.0.0', resourcesPath: resources, busy: () => false, log: captureLogger(), loadUpdater })
    await on.check()
    expect(on.status().state).toBe('idle')
    const off = await createDesktopUpdater({ isPackaged: false, currentVersion: '1.0.0', resourcesPath: resources, busy: () => false, log: captureLogger(), loadUpdater })
    expect(off.status().state).toBe('disabled')
    expect(loadUpdater).toHaveBeenCalledTimes(1)
  })

  it('browser mode and workers answer "disabled" with the reason, and refuse to install', () => {
    const info = { appVersion: '1.0.0', mode: 'browser' as const, dataDir: '', logFile: '', platform: 'linux-x64', startedAt: '', dataKey: { osKeychain: false, protectedBy: 'file', keyId: 'k' }, sandbox: null, restart: null }
    const handlers = systemHandlers(info, captureLogger())
    expect(handlers['system:update']!(undefined, {} as never)).toMatchObject({ state: 'disabled', message: expect.stringMatching(/Browser mode updates with the machine that serves it/) })
    expect(() => handlers['system:installUpdate']!(undefined, {} as never)).toThrow(/Browser mode updates/)
  })
})
