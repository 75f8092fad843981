/** A loopback port nothing listens on (a connection to it is refused at once): "unreachable" without leaving loopback. */
import net from 'node:net'

export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
