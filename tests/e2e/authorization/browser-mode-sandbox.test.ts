/**
 * `npm run start:web -- --sandbox`: browser mode on the built-in simulators, as a newcomer runs it —
 * the built entry point, the WebSocket the UI speaks, and the sandbox's control endpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { WsServerMessage } from '../../../src/shared/ws-protocol'
import { panelSocket, stopChild, tokenOf } from '../../helpers/browser-mode'
import { tempDir } from '../../helpers/temp-dir'
import { chromiumUnder } from '../../integration/authorization/panel-world'

const ENTRY = path.resolve(import.meta.dirname, '../../../out/main/web.js')
let child: ChildProcess | null = null

afterEach(async () => {
  if (child) await stopChild(child)
  child = null
})

/** Starts browser mode and resolves with the lines it printed once both URLs are out. */
function startWeb(dataDir: string, args: string[]): Promise<{ panelUrl: string; sandboxUrl: string }> {
  if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`)
  const started = spawn(process.execPath, [ENTRY, '--data-dir', dataDir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  child = started
  let stdout = ''
  let stderr = ''
  started.stderr!.on('data', (chunk) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser mode did not start in time:\n${stderr}`)), 60_000)
    started.stdout!.on('data', (chunk) => {
      stdout += chunk
      const panel = /^PANEL_URL=(\S+)$/m.exec(stdout)
      const sandbox = /^SANDBOX_URL=(\S+)$/m.exec(stdout)
      if (panel && sandbox) {
        clearTimeout(timer)
        resolve({ panelUrl: panel[1], sandboxUrl: sandbox[1] })
      }
    })
    started.once('exit', (code) => reject(new Error(`browser mode exited with ${code}:\n${stderr}`)))
  })
}

describe('browser mode with --sandbox', () => {
  it('runs the whole flow on the simulators and leaves nothing behind when stopped', { timeout: 180_000 }, async () => {
    const dataDir = tempDir('web-sandbox-')
    const { panelUrl, sandboxUrl } = await startWeb(dataDir, ['--sandbox', '--sandbox-profiles', '6'])
    const accounts = (await (await fetch(`${sandboxUrl}/__sandbox/accounts`)).json()) as Array<{ profileId: string; username: string }>
    expect(accounts).toHaveLength(6)

    const socket = panelSocket(panelUrl, tokenOf(panelUrl))
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
    const messages: WsServerMessage[] = []
    const waiters: Array<() => void> = []
    socket.on('message', (data) => {
      messages.push(JSON.parse(String(data)) as WsServerMessage)
      for (const wake of waiters.splice(0)) wake()
    })
    const until = async <T>(find: () => T | undefined): Promise<T> => {
      for (;;) {
        const found = find()
        if (found !== undefined) return found
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
    }
    socket.send(JSON.stringify({ type: 'invoke', id: 1, channel: 'batch:start', payload: { profileIds: accounts.slice(0, 2).map((a) => a.profileId), apiApp: 'SANDBOX2' } }))
    const answer = await until(() => messages.find((m) => m.type === 'result' && m.id === 1))
    if (answer.type !== 'result' || !answer.envelope.success) throw new Error(`batch:start failed: ${JSON.stringify(answer)}`)
    const { batchId } = answer.envelope.data as { batchId: string }
    const done = await until(() =>
      messages
        .flatMap((m) => (m.type === 'events' ? m.batches : []))
        .filter((b) => b.channel === 'progress')
        .flatMap((b) => b.items as BatchProgress[])
        .find((p) => p.id === batchId && p.state === 'finished'),
    )
    expect(done).toMatchObject({ succeeded: 2, failed: 0 })
    expect(await (await fetch(`${sandboxUrl}/__sandbox/stats`)).json()).toMatchObject({ tokens: { issued: 2, revoked: 0 }, callbackHits: { total: 0 }, runningBrowsers: 0 })
    socket.close()

    expect(await stopChild(child!)).toBe(0)
    child = null
    await expect(fetch(`${sandboxUrl}/__sandbox/stats`)).rejects.toThrow()
    expect(chromiumUnder(dataDir)).toEqual([])
  })
})
