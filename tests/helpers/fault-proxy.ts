/**
 * A TCP proxy on 127.0.0.1 between one host and its database (or any loopback server), that can cut the host off
 * the way a real network does:
 * - `blackhole()`: nothing more crosses, in either direction, and new connections are accepted but never reach the
 *   server — connections hang as they do in a partition (they are not refused); bytes already sent wait, as TCP
 *   retransmissions would, and cross once `heal()` is called;
 * - `reset()`: every open connection is reset at once (a server restart, a failover);
 * - `delay(ms)`: every chunk waits that long before it crosses.
 * Only loopback: the target is a port on 127.0.0.1. Closed after the test (`close()`), with every socket.
 */
import net from 'node:net'

export interface FaultProxy {
  readonly port: number
  /** `url` (a postgres:// URL of the target) pointed at this proxy instead. */
  through(url: string): string
  blackhole(): void
  heal(): void
  reset(): void
  delay(ms: number): void
  /** Connections open right now. */
  connections(): number
  close(): Promise<void>
}

interface Pair {
  client: net.Socket
  upstream: net.Socket | null
  /** Chunks waiting to cross while the link is cut, per direction. */
  held: Array<{ to: 'client' | 'upstream'; chunk: Buffer }>
}

export async function startFaultProxy(target: { port: number; host?: string }): Promise<FaultProxy> {
  const host = target.host ?? '127.0.0.1'
  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') throw new Error('The fault proxy only forwards to loopback')
  const pairs = new Set<Pair>()
  let cut = false
  let delayMs = 0

  const send = (pair: Pair, to: 'client' | 'upstream', chunk: Buffer) => {
    const write = () => {
      const socket = to === 'client' ? pair.client : pair.upstream
      if (cut || !socket) pair.held.push({ to, chunk })
      else if (!socket.destroyed) socket.write(chunk)
    }
    if (delayMs > 0) setTimeout(write, delayMs)
    else write()
  }
  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect({ host, port: target.port })
    pair.upstream = upstream
    upstream.on('data', (chunk) => send(pair, 'client', chunk))
    upstream.on('error', () => pair.client.destroy())
    upstream.on('close', () => pair.client.destroy())
    flush(pair)
  }
  const flush = (pair: Pair) => {
    for (const { to, chunk } of pair.held.splice(0)) send(pair, to, chunk)
  }

  const server = net.createServer((client) => {
    const pair: Pair = { client, upstream: null, held: [] }
    pairs.add(pair)
    client.on('data', (chunk) => send(pair, 'upstream', chunk))
    client.on('error', () => pair.upstream?.destroy())
    client.on('close', () => {
      pair.upstream?.destroy()
      pairs.delete(pair)
    })
    // In a partition the server is never reached: the connection waits for the link to come back.
    if (!cut) connectUpstream(pair)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    through(url) {
      const parsed = new URL(url)
      parsed.hostname = '127.0.0.1'
      parsed.port = String(port)
      return parsed.toString()
    },
    blackhole() {
      cut = true
    },
    heal() {
      cut = false
      for (const pair of pairs) {
        if (!pair.upstream) connectUpstream(pair)
        else flush(pair)
      }
    },
    reset() {
      for (const pair of pairs) {
        pair.client.resetAndDestroy()
        pair.upstream?.resetAndDestroy()
      }
    },
    delay(ms) {
      delayMs = ms
    },
    connections: () => pairs.size,
    async close() {
      for (const pair of pairs) {
        pair.client.destroy()
        pair.upstream?.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
