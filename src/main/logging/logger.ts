import fs from 'node:fs'
import path from 'node:path'
import electronLog from 'electron-log/node'
import type { LogEntry, LogLevel } from '../../shared/contract/logs'
import { ensurePrivateDir, makePrivate, PRIVATE_FILE_MODE } from '../security/private-files'
import { currentLogContext } from './context'
import { Redactor } from './redact'
import { LogRing } from './ring-buffer'

export type { LogLevel }

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Structured logger: an event name, optional fields and an optional sentence. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>, msg?: string): void
  info(event: string, fields?: Record<string, unknown>, msg?: string): void
  warn(event: string, fields?: Record<string, unknown>, msg?: string): void
  error(event: string, fields?: Record<string, unknown>, msg?: string): void
  /** A logger for a narrower part of the panel (`gologin`, `batch`, …). */
  child(scope: string): Logger
}

/** Told of each log point: its event name and fields (not redacted: read only bounded values from them). */
export type LogTap = (event: string, fields: Record<string, unknown> | undefined, level: LogLevel) => void

export interface LogSystemOptions {
  /** Folder of the log files; `null` keeps lines in memory only (short-lived tools). */
  dir: string | null
  level?: LogLevel
  fileName?: string
  /** Rotate when the file grows past this many bytes. */
  maxFileBytes?: number
  /** How many rotated files to keep besides the current one. */
  maxFiles?: number
  ringCapacity?: number
  /** Echo lines to stderr (browser mode, development). */
  console?: boolean
}

/**
 * Owns the log pipeline: redaction → JSON line in a rotating file (electron-log's file transport)
 * → in-memory ring buffer that the UI streams from.
 */
export class LogSystem {
  readonly redactor = new Redactor()
  readonly ring: LogRing
  readonly filePath: string | null
  private level: LogLevel
  private seq = 0
  private readonly out: ReturnType<typeof electronLog.create> | null
  private readonly echo: boolean
  private readonly taps = new Set<LogTap>()

  constructor(options: LogSystemOptions) {
    this.level = options.level ?? 'info'
    this.ring = new LogRing(options.ringCapacity ?? 5_000)
    this.echo = options.console ?? false
    this.filePath = options.dir ? path.join(options.dir, options.fileName ?? 'panel.log') : null
    this.out = this.filePath ? createFileWriter(this.filePath, options.maxFileBytes ?? 5 * 1024 ** 2, options.maxFiles ?? 5) : null
  }

  setLevel(level: LogLevel): void {
    this.level = level
  }

  getLevel(): LogLevel {
    return this.level
  }

  logger(scope: string): Logger {
    const write = (level: LogLevel) => (event: string, fields?: Record<string, unknown>, msg?: string) =>
      this.write(level, scope, event, fields, msg)
    return {
      debug: write('debug'),
      info: write('info'),
      warn: write('warn'),
      error: write('error'),
      child: (child: string) => this.logger(`${scope}.${child}`),
    }
  }

  /**
   * Hears every log point, whatever the level in force and before redaction (metrics count events this way, so no
   * counting code sits beside the log lines). A tap must read only what it needs and never keep or pass on values.
   */
  tap(listener: LogTap): () => void {
    this.taps.add(listener)
    return () => this.taps.delete(listener)
  }

  write(level: LogLevel, scope: string, event: string, fields?: Record<string, unknown>, msg?: string): void {
    for (const listener of this.taps) {
      try {
        listener(event, fields, level)
      } catch {
        // A broken tap never costs a log line.
      }
    }
    if (LEVEL_RANK[level] < LEVEL_RANK[this.level]) return
    const context = currentLogContext()
    const entry: LogEntry = this.redactor.redact({
      seq: ++this.seq,
      ts: new Date().toISOString(),
      level,
      scope,
      event,
      ...(msg ? { msg } : {}),
      ...context,
      ...(fields && Object.keys(fields).length ? { fields } : {}),
    })
    const line = JSON.stringify(entry)
    if (this.out) this.out[level](line)
    if (this.echo) process.stderr.write(`${line}\n`)
    this.ring.push(entry)
  }
}

function createFileWriter(filePath: string, maxSize: number, maxFiles: number) {
  ensurePrivateDir(path.dirname(filePath))
  // Files an older version wrote 0644; new ones (and each one rotation starts) are created 0600 below.
  for (let n = 0; n <= maxFiles; n++) makePrivate(n ? numberedLog(filePath, n) : filePath)
  const out = electronLog.create({ logId: `panel-${filePath}` })
  out.transports.console.level = false
  const file = out.transports.file
  file.writeOptions = { flag: 'a', mode: PRIVATE_FILE_MODE, encoding: 'utf8' }
  file.level = 'silly'
  file.sync = true
  file.maxSize = maxSize
  file.resolvePathFn = () => filePath
  // The line is already a redacted JSON string: write it as it is.
  file.transforms = [({ data }: { data: unknown[] }) => String(data[0])]
  file.archiveLogFn = (current) => rotate(current.toString(), maxFiles)
  return out
}

/** panel.log → panel.1.log → … → panel.N.log; the oldest falls off. */
export function rotate(filePath: string, keep: number): void {
  const numbered = (n: number) => numberedLog(filePath, n)
  fs.rmSync(numbered(keep), { force: true })
  for (let n = keep - 1; n >= 1; n--) {
    if (fs.existsSync(numbered(n))) fs.renameSync(numbered(n), numbered(n + 1))
  }
  fs.renameSync(filePath, numbered(1))
}

function numberedLog(filePath: string, n: number): string {
  const { dir, name, ext } = path.parse(filePath)
  return path.join(dir, `${name}.${n}${ext}`)
}
