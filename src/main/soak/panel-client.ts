/** The soak starts its batch as the UI does: a request over the browser-mode panel's WebSocket. */
import WebSocket from 'ws'
import type { Envelope } from '../../shared/envelope'
import type { RequestChannel, RequestInput, RequestOutput } from '../../shared/ipc-contract'
import { WS_PATH, wsProtocols, type WsServerMessage } from '../../shared/ws-protocol'

/** Calls one channel on the panel printed as `PANEL_URL=http://127.0.0.1:PORT/#token=…` and closes the socket. */
export async function callPanel<C extends RequestChannel>(panelUrl: string, channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  const url = new URL(panelUrl)
  const token = new URLSearchParams(url.hash.slice(1)).get('token')
  const socket = new WebSocket(`ws://${url.host}${WS_PATH}`, wsProtocols(token), { origin: url.origin })
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve())
      socket.once('error', reject)
      socket.once('close', (code) => reject(new Error(`the panel closed its WebSocket (${code})`)))
    })
    return await new Promise<RequestOutput<C>>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as WsServerMessage
        if (message.type !== 'result' || message.id !== 1) return
        const envelope = message.envelope as Envelope<RequestOutput<C>>
        if (envelope.success) resolve(envelope.data)
        else reject(new Error(`${channel}: ${envelope.errorCode} ${envelope.error}`))
      })
      socket.once('close', (code) => reject(new Error(`the panel closed its WebSocket (${code}) before answering ${channel}`)))
      socket.send(JSON.stringify({ type: 'invoke', id: 1, channel, payload: input }))
    })
  } finally {
    socket.close()
  }
}
