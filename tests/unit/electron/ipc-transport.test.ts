import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_EVENT, IPC_INVOKE } from '../../../src/shared/channels'
import { tempDir } from '../../helpers/temp-dir'
import { BrowserWindow, ipcMain, recordingLogger, resetFakeElectron, type FakeFrame } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const { IpcTransport } = await import('../../../src/main/electron/ipc-transport')
const { resolveRendererLocation } = await import('../../../src/main/electron/renderer-location')
const { createCore } = await import('../../../src/main/core')
type Core = Awaited<ReturnType<typeof createCore>>

const HTML = path.resolve('/opt/panel/out/renderer/index.html')
const APP_URL = resolveRendererLocation({ isPackaged: true, htmlPath: HTML }).url

let core: Core
let transport: InstanceType<typeof IpcTransport>
let lines: ReturnType<typeof recordingLogger>['lines']

beforeEach(async () => {
  resetFakeElectron()
  core = await createCore({ dataDir: tempDir(), mode: 'desktop', eventWindowMs: 60_000 })
  const recorder = recordingLogger()
  lines = recorder.lines
  transport = new IpcTransport({
    router: core.router,
    events: core.events,
    renderer: resolveRendererLocation({ isPackaged: true, htmlPath: HTML }),
    log: recorder.log,
  })
  transport.start()
})

afterEach(async () => {
  transport.stop()
  await core.close()
})

function appWindow(url = `${APP_URL}#/profiles`): BrowserWindow {
  const win = new BrowserWindow({})
  win.webContents.mainFrame.url = url
  transport.addWindow(win as never)
  return win
}

/** What Electron hands the handler when `frame` of `win` calls `ipcRenderer.invoke`. */
function invoke(win: BrowserWindow, channel: unknown, payload: unknown, frame: FakeFrame | null = win.webContents.mainFrame) {
  const handler = ipcMain.handlers.get(IPC_INVOKE)!
  return handler({ sender: win.webContents, senderFrame: frame, frameId: 1, processId: 7 }, channel, payload)
}

describe('IpcTransport requests', () => {
  it('registers one invoke handler and removes it on stop', () => {
    expect([...ipcMain.handlers.keys()]).toEqual([IPC_INVOKE])
    transport.stop()
    expect(ipcMain.handlers.size).toBe(0)
    transport.start()
  })

  it('passes a request from the panel window to the router and returns its envelope', async () => {
    const win = appWindow()
    const answer = await invoke(win, 'system:ping', { message: 'hello' })
    expect(answer).toMatchObject({ success: true, data: { pong: expect.any(String) }, errorCode: null })
    expect(answer.requestId).toEqual(expect.any(String))
  })

  it('answers a bad payload with a VALIDATION_ERROR envelope naming the field', async () => {
    const answer = await invoke(appWindow(), 'system:ping', { message: 5 })
    expect(answer).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', details: { field: 'message' } })
    expect(answer.error).toContain('message')
  })

  it('answers an unknown channel with a VALIDATION_ERROR envelope', async () => {
    const answer = await invoke(appWindow(), 'system:format-disk', {})
    expect(answer).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
  })

  describe('refuses senders that are not the panel page, without reaching the router', () => {
    const cases: Array<[string, (win: BrowserWindow) => FakeFrame | null]> = [
      ['a foreign page in our window', (win) => ({ ...win.webContents.mainFrame, url: 'https://evil.example/' })],
      ['another local file', (win) => ({ ...win.webContents.mainFrame, url: 'file:///tmp/evil.html' })],
      ['a subframe with the app URL', (win) => ({ url: APP_URL, parent: win.webContents.mainFrame, processId: 7, routingId: 999 })],
      ['a frame that is gone', () => null],
    ]
    for (const [name, frameOf] of cases) {
      it(name, async () => {
        const dispatch = vi.spyOn(core.router, 'dispatch')
        const win = appWindow()
        const answer = await invoke(win, 'system:ping', { message: 'hi' }, frameOf(win))
        expect(answer).toMatchObject({ success: false, errorCode: 'UNAUTHORIZED', data: null, retryable: false })
        expect(dispatch).not.toHaveBeenCalled()
        expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'ipc.sender_rejected' }))
      })
    }

    it('a window the panel did not create', async () => {
      const dispatch = vi.spyOn(core.router, 'dispatch')
      const stranger = new BrowserWindow({})
      stranger.webContents.mainFrame.url = APP_URL
      const answer = await invoke(stranger, 'system:ping', { message: 'hi' })
      expect(answer).toMatchObject({ success: false, errorCode: 'UNAUTHORIZED' })
      expect(dispatch).not.toHaveBeenCalled()
    })

    it('a window after it closed', async () => {
      const win = appWindow()
      win.close()
      expect(await invoke(win, 'system:ping', { message: 'hi' })).toMatchObject({ success: false, errorCode: 'UNAUTHORIZED' })
    })
  })

  it('accepts the dev server page in development only', async () => {
    transport.stop()
    const devRenderer = resolveRendererLocation({ isPackaged: false, env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } })
    const dev = new IpcTransport({ router: core.router, events: core.events, renderer: devRenderer, log: recordingLogger().log })
    dev.start()
    try {
      const win = new BrowserWindow({})
      win.webContents.mainFrame.url = 'http://localhost:5173/#/logs'
      dev.addWindow(win as never)
      expect(await invoke(win, 'system:ping', { message: 'hi' })).toMatchObject({ success: true })
      win.webContents.mainFrame.url = 'http://localhost:6666/'
      expect(await invoke(win, 'system:ping', { message: 'hi' })).toMatchObject({ success: false, errorCode: 'UNAUTHORIZED' })
    } finally {
      dev.stop()
      transport.start()
    }
  })
})

describe('IpcTransport from a Windows network share', () => {
  const SHARE_HTML = '\\\\FileServer\\Tools\\GoLogin Automation Panel\\resources\\app.asar\\out\\renderer\\index.html'

  it('accepts the page at file://server/share/…, whatever the case of the server name and path', async () => {
    transport.stop()
    const renderer = resolveRendererLocation({ isPackaged: true, htmlPath: SHARE_HTML, platform: 'win32' })
    expect(renderer.url).toBe('file://fileserver/Tools/GoLogin%20Automation%20Panel/resources/app.asar/out/renderer/index.html')
    const share = new IpcTransport({ router: core.router, events: core.events, renderer, log: recordingLogger().log })
    share.start()
    try {
      const win = new BrowserWindow({})
      share.addWindow(win as never)
      const ask = async (url: string) => {
        win.webContents.mainFrame.url = url
        return invoke(win, 'system:ping', { message: 'hi' })
      }
      expect(await ask(`${renderer.url}#/profiles`)).toMatchObject({ success: true })
      expect(await ask('file://FILESERVER/tools/gologin%20automation%20panel/resources/app.asar/out/renderer/index.html')).toMatchObject({ success: true })
      // Same path on another server, or on the local disk: not the app's page.
      expect(await ask('file://otherserver/Tools/GoLogin%20Automation%20Panel/resources/app.asar/out/renderer/index.html')).toMatchObject({ errorCode: 'UNAUTHORIZED' })
      expect(await ask('file:///Tools/GoLogin%20Automation%20Panel/resources/app.asar/out/renderer/index.html')).toMatchObject({ errorCode: 'UNAUTHORIZED' })
    } finally {
      share.stop()
      transport.start()
    }
  })
})

describe('IpcTransport pushes', () => {
  it('sends each batch window of events once to every live window', () => {
    const first = appWindow()
    const second = appWindow()
    const closed = appWindow()
    closed.close()
    const log = core.logs.logger('test')
    log.info('one')
    log.info('two')
    log.info('three')
    core.events.flush()

    for (const win of [first, second]) {
      expect(win.webContents.send).toHaveBeenCalledTimes(1)
      const [channel, batches] = win.webContents.send.mock.calls[0]
      expect(channel).toBe(IPC_EVENT)
      const logs = batches.find((b: { channel: string }) => b.channel === 'logs')
      expect(logs.items.map((item: { event: string }) => item.event)).toEqual(expect.arrayContaining(['one', 'two', 'three']))
    }
    expect(closed.webContents.send).not.toHaveBeenCalled()
  })

  it('stops pushing after stop()', () => {
    const win = appWindow()
    transport.stop()
    core.logs.logger('test').info('after')
    core.events.flush()
    expect(win.webContents.send).not.toHaveBeenCalled()
    transport.start()
  })
})
