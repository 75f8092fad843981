/** The panel in a child process (browser mode, `out/main/web.js`), driven over its WebSocket like the UI. */
import type { Envelope } from '../../../src/shared/envelope'
import type { RequestChannel, RequestInput, RequestOutput } from '../../../src/shared/ipc-contract'
import type { WsServerMessage } from '../../../src/shared/ws-protocol'
import { panelSocket, type BrowserModeProcess } from '../../helpers/browser-mode'

export interface PanelClient {
  call<C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>>
  close(): void
}

export async function connectPanel(panel: BrowserModeProcess): Promise<PanelClient> {
  const socket = panelSocket(panel.baseUrl, panel.token)
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  let nextId = 1
  const waiting = new Map<number, (envelope: Envelope<unknown>) => void>()
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as WsServerMessage
    if (message.type === 'result') waiting.get(message.id)?.(message.envelope)
  })
  return {
    call(channel, input) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        waiting.set(id, (envelope) => {
          waiting.delete(id)
          if (envelope.success) resolve(envelope.data as never)
          else reject(new Error(`${channel}: ${envelope.errorCode} ${envelope.error}`))
        })
        socket.send(JSON.stringify({ type: 'invoke', id, channel, payload: input }))
      })
    },
    close: () => socket.close(),
  }
}

/** Checks `condition` every 100 ms until it holds; fails with `what` at the deadline. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
