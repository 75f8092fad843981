import { randomUUID } from 'node:crypto'
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron'
import { IPC_EVENT, IPC_INVOKE } from '../../shared/channels'
import type { Envelope } from '../../shared/envelope'
import type { EventHub } from '../ipc/event-hub'
import { fail, type Router } from '../ipc/router'
import type { Logger } from '../logging/logger'
import type { RendererLocation } from './renderer-location'

export interface IpcTransportOptions {
  router: Pick<Router, 'dispatch'>
  events: Pick<EventHub, 'subscribe'>
  renderer: RendererLocation
  log: Logger
}

/**
 * The only user of `ipcMain`. One invoke channel carries every request: the sender must be the main
 * frame of one of our windows showing the app's own page, then the router validates and answers.
 * Pushed event batches go to every live window.
 */
export class IpcTransport {
  private readonly windows = new Map<number, BrowserWindow>()
  private unsubscribe: (() => void) | null = null

  constructor(private readonly options: IpcTransportOptions) {}

  start(): void {
    ipcMain.handle(IPC_INVOKE, (event, channel: unknown, payload: unknown) => this.handle(event, channel, payload))
    this.unsubscribe = this.options.events.subscribe((batches) => this.broadcast(batches))
  }

  /** Lets a window we created talk to the router and receive pushes, until it closes. */
  addWindow(win: BrowserWindow): void {
    const id = win.webContents.id
    this.windows.set(id, win)
    win.once('closed', () => this.windows.delete(id))
  }

  stop(): void {
    ipcMain.removeHandler(IPC_INVOKE)
    this.unsubscribe?.()
    this.unsubscribe = null
    this.windows.clear()
  }

  private async handle(event: IpcMainInvokeEvent, channel: unknown, payload: unknown): Promise<Envelope<unknown>> {
    const refusal = this.checkSender(event)
    if (refusal) {
      this.options.log.warn('ipc.sender_rejected', { reason: refusal, channel: String(channel).slice(0, 100) }, 'Refused a request from a page that is not the panel')
      return fail(randomUUID(), 'UNAUTHORIZED', 'The request did not come from the panel window.')
    }
    try {
      return await this.options.router.dispatch(channel, payload, { transport: 'ipc', origin: `window:${event.sender.id}` })
    } catch (err) {
      // The router never throws; this keeps the promise to the renderer even if that ever changes.
      this.options.log.error('ipc.transport_error', { err })
      return fail(randomUUID(), 'INTERNAL_ERROR', 'Something went wrong inside the panel. The log has the details.')
    }
  }

  /** Why the sender is refused, or null when it is the main frame of our window on our page. */
  private checkSender(event: IpcMainInvokeEvent): string | null {
    const win = this.windows.get(event.sender.id)
    if (!win || win.isDestroyed()) return 'unknown window'
    const frame = event.senderFrame
    if (!frame) return 'frame gone'
    const main = event.sender.mainFrame
    if (frame.parent !== null || frame.processId !== main.processId || frame.routingId !== main.routingId) return 'not the main frame'
    if (!this.options.renderer.isAppUrl(frame.url)) return 'foreign page'
    return null
  }

  private broadcast(batches: unknown): void {
    for (const win of this.windows.values()) {
      if (win.isDestroyed() || win.webContents.isDestroyed()) continue
      try {
        win.webContents.send(IPC_EVENT, batches)
      } catch (err) {
        this.options.log.warn('ipc.push_failed', { err })
      }
    }
  }
}
