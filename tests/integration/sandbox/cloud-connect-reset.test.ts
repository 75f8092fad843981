/**
 * GoLogin sandbox, cloud connect: a host that goes (killed, or stopped by a soak's Ctrl-C) while its cloud browser
 * starts resets the connection the sandbox holds; that reset is no uncaught error in the sandbox's process (it killed
 * a full `npm test` run from the soak's Ctrl-C test before the socket had a listener).
 */
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { CLOUD_CONNECT_PATH } from '../../../src/main/sandbox/gologin/cloud-connect'
import { tempDir } from '../../helpers/temp-dir'

let sandbox: GoLoginSandbox | null = null
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => uncaught.push(error)
afterEach(async () => {
  process.off('uncaughtException', onUncaught)
  await sandbox?.close()
  sandbox = null
})

describe('GoLogin sandbox cloud connect', () => {
  it('a client that resets its connection while the browser starts raises nothing uncaught, even when the start then answers it', async () => {
    process.on('uncaughtException', onUncaught)
    sandbox = await startGoLoginSandbox({ profiles: 1, workDir: tempDir('sandbox-reset-') })
    const [profile] = sandbox.profiles()
    // The start fails after its delay without a browser (nothing to launch for this test).
    sandbox.setBehaviour(profile.id, { startDelayMs: 1_000, startFailures: Infinity, startFailureMode: 'before-launch' })
    const entrance = await sandbox.openEntrance('t')
    const { hostname, port } = new URL(entrance.cloudBrowserUrl)
    const socket = net.connect(Number(port), hostname)
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(
      `GET ${CLOUD_CONNECT_PATH}?token=${sandbox.token}&profile=${profile.id} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}\r\n\r\n`,
    )
    const connect = () => sandbox!.cloudRequests().find((entry) => entry.endpoint === `GET ${CLOUD_CONNECT_PATH}`)
    await expect.poll(() => connect() !== undefined).toBe(true)
    socket.resetAndDestroy()
    // The start's delay runs out and the sandbox answers (502: the start failed) a socket that is gone.
    await expect.poll(() => connect()?.status, { timeout: 10_000 }).toBe(502)
    expect(uncaught.map(String)).toEqual([])
  })
})
