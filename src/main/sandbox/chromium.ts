/**
 * Launches a real Chromium for the sandboxes and the tests, and guarantees it goes away again:
 * each browser runs in its own process group, `close()` kills the group and waits for the exit, and
 * every browser still alive when this Node process exits is killed on the way out (no orphans).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'

/** Flags every sandbox browser gets (quiet, offline-friendly, no first-run UI). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-quic',
  '--password-store=basic',
  '--use-mock-keychain',
  // Chromium 14x+ preloads the omnibox popup as WebUI (chrome://omnibox-popup.top-chrome) for every window,
  // a renderer that costs several hundred ms of CPU per browser context and keeps working while it is
  // open: about 2/3 of what a profile browser costs here. Headless profile browsers never show it.
  '--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
]

export interface LaunchChromiumOptions {
  userDataDir: string
  headless?: boolean
  extraArgs?: string[]
  /** Overrides `CHROME_PATH` and the per-OS defaults. */
  executablePath?: string
  /** How long to wait for the DevTools endpoint. */
  timeoutMs?: number
}

export interface LaunchedChromium {
  wsEndpoint: string
  port: number
  pid: number
  /** Kills the browser (and its helper processes) and resolves once it has exited. Idempotent. */
  close(): Promise<void>
  /** Whether the browser process has exited. */
  readonly exited: boolean
}

export class ChromiumNotFoundError extends Error {
  constructor(readonly tried: string[]) {
    super(`Chromium was not found (tried: ${tried.join(', ')}). Install Chromium or set CHROME_PATH to its executable.`)
    this.name = 'ChromiumNotFoundError'
  }
}

/** `CHROME_PATH` if set (it must exist), else `/usr/bin/chromium`, else the usual per-OS locations. */
export function resolveChromiumPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const pinned = explicit ?? env.CHROME_PATH
  if (pinned) {
    if (fs.existsSync(pinned)) return pinned
    throw new ChromiumNotFoundError([pinned])
  }
  const candidates = ['/usr/bin/chromium', ...platformDefaults(env)]
  const found = candidates.find((candidate) => fs.existsSync(candidate))
  if (!found) throw new ChromiumNotFoundError(candidates)
  return found
}

function platformDefaults(env: NodeJS.ProcessEnv): string[] {
  if (process.platform === 'darwin') {
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ]
  }
  if (process.platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(Boolean) as string[]
    return roots.flatMap((root) => [
      path.join(root, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      path.join(root, 'Chromium', 'Application', 'chrome.exe'),
    ])
  }
  return ['/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium']
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // Synchronous last resort: if the test runner or the sandbox dies, its browsers die with it.
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL')
  })
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    if (process.platform === 'win32') child.kill(signal)
    else process.kill(-child.pid, signal)
  } catch {
    // Already gone.
  }
}

const DEVTOOLS_LINE = /DevTools listening on (ws:\/\/\S+)/

export async function launchChromium(options: LaunchChromiumOptions): Promise<LaunchedChromium> {
  const executable = resolveChromiumPath(options.executablePath)
  const args = [
    ...(options.headless === false ? [] : ['--headless=new']),
    ...CHROMIUM_FLAGS,
    '--remote-debugging-port=0',
    '--remote-debugging-address=127.0.0.1',
    `--user-data-dir=${options.userDataDir}`,
    ...(options.extraArgs ?? []),
    'about:blank',
  ]
  installExitHook()
  const child = spawn(executable, args, { detached: process.platform !== 'win32', stdio: ['ignore', 'ignore', 'pipe'] })
  live.add(child)
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child)
      resolve()
    })
  })
  let exited = false
  void exitedPromise.then(() => (exited = true))

  const close = once(async () => {
    if (exited) return
    killGroup(child, 'SIGTERM')
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000)
    await exitedPromise
    clearTimeout(timer)
    // Helpers that outlived the main process share its group: make sure none is left.
    killGroup(child, 'SIGKILL')
  })

  try {
    const wsEndpoint = await readDevToolsEndpoint(child, exitedPromise, options.timeoutMs ?? SLOW_MACHINE_MS, executable)
    return {
      wsEndpoint,
      port: Number(new URL(wsEndpoint).port),
      pid: child.pid!,
      close,
      get exited() {
        return exited
      },
    }
  } catch (error) {
    await close()
    throw error
  }
}

function readDevToolsEndpoint(child: ChildProcess, exited: Promise<void>, timeoutMs: number, executable: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = ''
    let settled = false
    const tail: string[] = []
    const finish = (error: Error | null, endpoint?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      child.stderr!.off('data', onData)
      // Keep draining stderr so a chatty browser never blocks on a full pipe.
      child.stderr!.resume()
      if (error) reject(error)
      else resolve(endpoint!)
    }
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) {
        const match = DEVTOOLS_LINE.exec(line)
        if (match) return finish(null, match[1])
        tail.push(line)
        if (tail.length > 10) tail.shift()
      }
    }
    const timer = setTimeout(
      () => finish(new Error(`Chromium (${executable}) did not open its DevTools endpoint within ${timeoutMs} ms`)),
      timeoutMs,
    )
    child.stderr!.on('data', onData)
    child.once('error', (error) => finish(new Error(`Chromium (${executable}) could not be started: ${error.message}`)))
    void exited.then(() =>
      finish(new Error(`Chromium (${executable}) exited before opening DevTools: ${tail.join(' | ').slice(-800)}`)),
    )
  })
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  return () => (running ??= fn())
}

export interface CdpCookie {
  name: string
  value: string
  domain: string
  path?: string
  secure?: boolean
  httpOnly?: boolean
  sameSite?: 'Strict' | 'Lax' | 'None'
  expires?: number
  /** -1: any port (legacy cookie scope), so the cookie reaches every port of the host. */
  sourcePort?: number
  sourceScheme?: 'Unset' | 'NonSecure' | 'Secure'
}

/**
 * Sets cookies in the browser's default context over a short-lived CDP connection. The wait is long on
 * purpose: ten browsers starting at once on a busy machine answer slowly, and a profile that starts slowly
 * has not failed (a short limit here made the sandbox report healthy profiles as failed starts).
 */
export async function setBrowserCookies(wsEndpoint: string, cookies: CdpCookie[]): Promise<void> {
  await cdpCall(wsEndpoint, 'Storage.setCookies', { cookies: cookies.map((c) => ({ path: '/', ...c })) }, SLOW_MACHINE_MS)
}

/** How long the sandbox waits on a starting Chromium before calling the start failed. */
const SLOW_MACHINE_MS = 60_000

/** One CDP command on the browser target; resolves with its result. */
export function cdpCall(wsEndpoint: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsEndpoint, { perMessageDeflate: false })
    const timer = setTimeout(() => done(new Error(`CDP ${method} timed out`)), timeoutMs)
    const done = (error: Error | null, result?: unknown) => {
      clearTimeout(timer)
      socket.removeAllListeners()
      socket.on('error', () => {})
      socket.terminate()
      if (error) reject(error)
      else resolve(result)
    }
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, method, params })))
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } }
      if (message.id !== 1) return
      if (message.error) done(new Error(`CDP ${method} failed: ${message.error.message}`))
      else done(null, message.result)
    })
    socket.once('error', (error) => done(error))
    socket.once('close', () => done(new Error(`CDP connection closed before ${method} answered`)))
  })
}
