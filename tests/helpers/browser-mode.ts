import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { WS_PATH, wsProtocols } from '../../src/shared/ws-protocol'

export interface BrowserModeProcess {
  /** PANEL_URL: the page to open, the access token in its fragment (`#token=…`). */
  url: string
  /** SANDBOX_URL, the sandbox's control endpoint, when started with `--sandbox`. */
  sandboxUrl: string | null
  baseUrl: string
  token: string
  child: ChildProcess
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string
  stop(): Promise<number | null>
}

const ROOT = path.resolve(import.meta.dirname, '../..')
const ENTRY = path.join(ROOT, 'out/main/web.js')

/** Starts `node out/main/web.js` (browser mode) and resolves when it prints its PANEL_URL line. */
export async function startBrowserMode(options: {
  dataDir: string
  env?: NodeJS.ProcessEnv
  args?: string[]
  /** Default 0 (a free port); a fixed one lets a test restart the panel where an open tab expects it. */
  port?: number
  timeoutMs?: number
}): Promise<BrowserModeProcess> {
  if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`)
  const child = spawn(process.execPath, [ENTRY, '--data-dir', options.dataDir, '--port', String(options.port ?? 0), ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk) => (stderr += chunk))
  let stdout = ''
  const url = await new Promise<string>((resolve, reject) => {
    // A bound on an awaited line (files run side by side on a loaded machine); a child that missed it is stopped, not left behind.
    const timer = setTimeout(() => {
      void stopChild(child, 'SIGKILL')
      reject(new Error(`browser mode did not print PANEL_URL in time. stderr:\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      const match = /^PANEL_URL=(\S+)$/m.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`browser mode exited with ${code} before it was ready. stderr:\n${stderr}`))
    })
  })
  const parsed = new URL(url)
  return {
    url,
    // Printed before PANEL_URL.
    sandboxUrl: /^SANDBOX_URL=(\S+)$/m.exec(stdout)?.[1] ?? null,
    baseUrl: `${parsed.origin}/`,
    token: tokenOf(url),
    child,
    stderr: () => stderr,
    stop: () => stopChild(child),
  }
}

/** The access token in a printed PANEL_URL (`http://127.0.0.1:PORT/#token=…`). */
export function tokenOf(panelUrl: string): string {
  return new URLSearchParams(new URL(panelUrl).hash.slice(1)).get('token') ?? ''
}

/**
 * A client of the panel's WebSocket, as the page connects: the token in the subprotocols (null: none), the page's
 * own origin unless `origin` says otherwise. Resolve it with `once('open')`; a refusal ends in `close` or
 * `unexpected-response`.
 */
export function panelSocket(baseUrl: string, token: string | null, options: { origin?: string; host?: string } = {}): WebSocket {
  const base = new URL(baseUrl)
  return new WebSocket(`ws://${base.host}${WS_PATH}`, wsProtocols(token), { origin: options.origin ?? base.origin, ...(options.host ? { headers: { host: options.host } } : {}) })
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
    child.kill(signal)
  })
}
