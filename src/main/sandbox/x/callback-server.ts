/**
 * Stands in for an API app's own OAuth callback server: it only counts what reaches it, so tests can
 * prove the panel intercepted the redirect and the app received nothing.
 */
import http from 'node:http'

export interface CallbackHit {
  method: string
  url: string
}

export interface CallbackServer {
  /** The redirect URI to register for the API app. */
  url: string
  /** Every request received, in order. */
  hits: CallbackHit[]
  close(): Promise<void>
}

export async function startCallbackServer(path = '/callback'): Promise<CallbackServer> {
  const hits: CallbackHit[] = []
  const server = http.createServer((request, response) => {
    hits.push({ method: request.method ?? 'GET', url: request.url ?? '' })
    response.writeHead(200, { 'content-type': 'text/plain' }).end('The API app received the callback.')
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('callback server did not get a TCP port')
  return {
    url: `http://127.0.0.1:${address.port}${path}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
