/**
 * The soak's host processes: host 1 a panel in browser mode (`out/main/web.js`), the others headless workers
 * (`out/main/worker.js`), each on a data folder of its own that survives a SIGKILL and restart. Their log lines
 * (JSON on stderr) are read as they come: error-level ones are counted per event, nothing else is kept but
 * the last lines for a failure message, so a long run holds no more than a screenful per host.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'

export interface HostSpec {
  /** `h1` (the panel), `h2`… (workers): also the sandbox entrance label and the worker's host id. */
  label: string
  kind: 'panel' | 'worker'
  dataDir: string
  env: NodeJS.ProcessEnv
  slots: number
}

export interface ErrorLine {
  level: 'error' | 'warn'
  /** `scope:event`, or `stderr` for a line that is not a log entry. */
  event: string
  host: string
  at: string
  /** The first error line of this event (trimmed), for the report. */
  example: string
}

const TAIL_LINES = 40
const READY_TIMEOUT_MS = 120_000

export class SoakHost {
  child: ChildProcess | null = null
  /** The panel's base URL and WebSocket token (panel only). */
  panelUrl: string | null = null
  metricsUrl: string | null = null
  starts = 0
  kills = 0
  /** Set once the process printed its ready line; cleared by a new start. */
  private ready = false
  private readonly tail: string[] = []

  constructor(
    readonly spec: HostSpec,
    private readonly entries: { web: string; worker: string },
    /** Called with every error- and warning-level line (and, as an error, every stderr line that is not a log entry). */
    private readonly onError: (line: ErrorLine) => void,
  ) {}

  /** The process's pid while it is alive and ready (a process still starting is not sampled). */
  get pid(): number | null {
    return this.alive && this.ready ? (this.child?.pid ?? null) : null
  }

  get alive(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null)
  }

  /** Starts the process and resolves once it is ready (PANEL_URL or WORKER_READY printed). */
  async start(): Promise<void> {
    const { spec } = this
    fs.mkdirSync(spec.dataDir, { recursive: true })
    const args =
      spec.kind === 'panel'
        ? [this.entries.web, '--data-dir', spec.dataDir, '--port', '0']
        : [this.entries.worker, '--data-dir', spec.dataDir, '--host-id', spec.label, '--slots', String(spec.slots), '--metrics-port', '0', '--log-level', 'info']
    const child = spawn(process.execPath, args, { env: { ...process.env, ...spec.env, ...(spec.kind === 'panel' ? { PANEL_LOG_CONSOLE: '1' } : {}) }, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.ready = false
    this.starts++
    this.panelUrl = null
    this.metricsUrl = null
    readline.createInterface({ input: child.stderr! }).on('line', (line) => this.stderrLine(line))
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.label} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${this.lastLines()}`)), READY_TIMEOUT_MS)
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        this.keep(line)
        const panel = /^PANEL_URL=(\S+)$/.exec(line)
        if (panel) this.panelUrl = panel[1]
        const metrics = /^METRICS_URL=(\S+)$/.exec(line)
        if (metrics) this.metricsUrl = metrics[1]
        if (panel || line.startsWith('WORKER_READY ')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${spec.label} exited (${code ?? signal}) before it was ready:\n${this.lastLines()}`))
      })
    })
    await ready
    this.ready = true
  }

  /** SIGKILL, as a machine that loses power: nothing is handed back. */
  async kill(): Promise<void> {
    const child = this.child
    if (!child || !this.alive) return
    this.kills++
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }

  /** SIGTERM (running attempts handed back, profiles stopped); SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<number | null> {
    const child = this.child
    if (!child || !this.alive) return child?.exitCode ?? null
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      child.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
      child.kill('SIGTERM')
    })
  }

  lastLines(): string {
    return this.tail.join('\n')
  }

  private keep(line: string): void {
    this.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line)
    if (this.tail.length > TAIL_LINES) this.tail.shift()
  }

  private stderrLine(line: string): void {
    if (!line.trim()) return
    this.keep(line)
    const entry = parseLogLine(line)
    if (entry) {
      if (entry.level !== 'error' && entry.level !== 'warn') return
      this.onError({ level: entry.level, event: `${String(entry.scope)}:${String(entry.event)}`, host: this.spec.label, at: typeof entry.ts === 'string' ? entry.ts : new Date().toISOString(), example: line.slice(0, 400) })
      return
    }
    this.onError({ level: 'error', event: 'stderr', host: this.spec.label, at: new Date().toISOString(), example: line.slice(0, 400) })
  }
}

/** A JSON log line's fields, or null for anything else. */
function parseLogLine(line: string): { level: string; scope?: unknown; event?: unknown; ts?: unknown } | null {
  try {
    const parsed: unknown = JSON.parse(line)
    if (parsed && typeof parsed === 'object' && typeof (parsed as { level?: unknown }).level === 'string') return parsed as { level: string }
  } catch {
    // Not a log entry.
  }
  return null
}

/** The built entries (`out/main/web.js`, `out/main/worker.js`) beside this file (`out/main/soak.js`). */
export function builtEntries(mainDir: string): { web: string; worker: string } {
  const entries = { web: path.join(mainDir, 'web.js'), worker: path.join(mainDir, 'worker.js') }
  for (const file of Object.values(entries)) if (!fs.existsSync(file)) throw new Error(`${file} is missing: run "npm run build" first`)
  return entries
}
