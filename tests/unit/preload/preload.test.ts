import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { PanelBridge } from '../../../src/shared/bridge'
import { IPC_EVENT, IPC_INVOKE } from '../../../src/shared/channels'
import { contextBridge, ipcRenderer, resetFakeElectron } from '../electron/fake-electron'

vi.mock('electron', () => import('../electron/fake-electron'))

// The preload runs once per page, exposing its bridge as it loads.
await import('../../../src/preload/index')
const exposed = contextBridge.exposeInMainWorld.mock.calls.map(([name, value]) => [name, value] as [string, PanelBridge])

async function loadPreload(): Promise<PanelBridge> {
  expect(exposed.map(([name]) => name)).toEqual(['api'])
  return exposed[0][1]
}

beforeEach(() => resetFakeElectron())

describe('preload', () => {
  it('exposes exactly invoke and onEvents under window.api', async () => {
    const api = await loadPreload()
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onEvents'])
    expect(typeof api.invoke).toBe('function')
    expect(typeof api.onEvents).toBe('function')
  })

  it('forwards invoke over the one request channel', async () => {
    const api = await loadPreload()
    ipcRenderer.invoke.mockResolvedValueOnce({ success: true, data: { pong: 'hi' } })
    await expect(api.invoke('system:ping', { message: 'hi' })).resolves.toEqual({ success: true, data: { pong: 'hi' } })
    expect(ipcRenderer.invoke).toHaveBeenCalledWith(IPC_INVOKE, 'system:ping', { message: 'hi' })
  })

  it('delivers pushed batches without the IPC event object, until unsubscribed', async () => {
    const api = await loadPreload()
    const listener = vi.fn()
    const stop = api.onEvents(listener)
    const batches = [{ channel: 'logs', items: [] }]
    ipcRenderer.emit(IPC_EVENT, { sender: ipcRenderer, ports: [] }, batches)
    expect(listener).toHaveBeenCalledTimes(1)
    expect(listener.mock.calls[0]).toEqual([batches])

    stop()
    ipcRenderer.emit(IPC_EVENT, {}, batches)
    expect(listener).toHaveBeenCalledTimes(1)
    expect(ipcRenderer.listenerCount(IPC_EVENT)).toBe(0)
  })

  it('rejects a listener that is not a function', async () => {
    const api = await loadPreload()
    expect(() => api.onEvents('nope' as never)).toThrow(TypeError)
  })
})
