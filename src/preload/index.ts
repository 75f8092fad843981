/**
 * The sandboxed preload: exposes `window.api` (PanelBridge) and nothing else. It forwards requests
 * over one IPC channel and never hands the renderer an Electron object.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { PanelBridge } from '../shared/bridge'
import { IPC_EVENT, IPC_INVOKE } from '../shared/channels'

type EventListener = Parameters<PanelBridge['onEvents']>[0]
type EventBatches = Parameters<EventListener>[0]

const bridge: PanelBridge = {
  invoke: (channel, input) => ipcRenderer.invoke(IPC_INVOKE, channel, input),
  onEvents(listener) {
    if (typeof listener !== 'function') throw new TypeError('api.onEvents needs a function')
    // The wrapper drops the IpcRendererEvent: it would give the page a handle on ipcRenderer.
    const forward = (_event: IpcRendererEvent, batches: EventBatches) => listener(batches)
    ipcRenderer.on(IPC_EVENT, forward)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, forward)
    }
  },
}

contextBridge.exposeInMainWorld('api', bridge)
