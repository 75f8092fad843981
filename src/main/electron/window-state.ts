import fs from 'node:fs'
import path from 'node:path'
import type { Rectangle } from 'electron'
import type { Logger } from '../logging/logger'
import { ensurePrivateDir, writePrivateFileSync } from '../security/private-files'

/** What is remembered between runs: the normal (un-maximized) bounds and whether it was maximized. */
export interface WindowState {
  x?: number
  y?: number
  width: number
  height: number
  isMaximized: boolean
}

/** The part of Electron's `screen` the store needs (injected so tests pass plain objects). */
export interface DisplaySource {
  getAllDisplays(): Array<{ workArea: Rectangle }>
  getPrimaryDisplay(): { workArea: Rectangle }
}

/** The part of a `BrowserWindow` the store watches. */
export interface TrackedWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown
  removeListener(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown
  getNormalBounds(): Rectangle
  isMaximized(): boolean
  isDestroyed(): boolean
}

export interface WindowStateStoreOptions {
  file: string
  screen: DisplaySource
  log: Logger
  defaultSize?: { width: number; height: number }
  debounceMs?: number
}

const MIN_WIDTH = 480
const MIN_HEIGHT = 360
const WATCHED = ['resize', 'move', 'maximize', 'unmaximize'] as const

/**
 * Remembers the window's size, position and maximized state in a small JSON file. A saved position
 * is used only while it still fits a connected display (a monitor may have been unplugged).
 */
export class WindowStateStore {
  private readonly defaultSize: { width: number; height: number }
  private readonly debounceMs: number
  private timer: NodeJS.Timeout | null = null
  private pending: WindowState | null = null

  constructor(private readonly options: WindowStateStoreOptions) {
    this.defaultSize = options.defaultSize ?? { width: 1280, height: 820 }
    this.debounceMs = options.debounceMs ?? 500
  }

  /** The state to open the window with: the saved one fitted to today's displays, else defaults. */
  load(): WindowState {
    const saved = this.read()
    if (!saved) return { ...this.defaultSize, isMaximized: false }
    const { x, y, width, height, isMaximized } = saved
    const displays = this.options.screen.getAllDisplays()
    if (x !== undefined && y !== undefined && displays.some((d) => contains(d.workArea, { x, y, width, height }))) {
      return { x, y, width, height, isMaximized }
    }
    // Off-screen now: keep the size if the primary display can hold it, and let the OS centre it.
    const primary = this.options.screen.getPrimaryDisplay().workArea
    if (width <= primary.width && height <= primary.height) return { width, height, isMaximized }
    return { ...this.defaultSize, isMaximized }
  }

  /** Saves (debounced) whenever the window is moved, resized or (un)maximized; at once on close. */
  track(win: TrackedWindow): () => void {
    const onChange = () => this.capture(win, false)
    const onClose = () => this.capture(win, true)
    for (const event of WATCHED) win.on(event, onChange)
    win.on('close', onClose)
    return () => {
      for (const event of WATCHED) win.removeListener(event, onChange)
      win.removeListener('close', onClose)
    }
  }

  /** Writes a pending change now (the app is quitting). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.pending) this.write(this.pending)
    this.pending = null
  }

  private capture(win: TrackedWindow, immediately: boolean): void {
    if (win.isDestroyed()) return
    const bounds = win.getNormalBounds()
    this.pending = { x: bounds.x, y: bounds.y, width: bounds.width, height: bounds.height, isMaximized: win.isMaximized() }
    if (immediately) return this.flush()
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.flush(), this.debounceMs)
    this.timer.unref?.()
  }

  private read(): WindowState | null {
    let raw: string
    try {
      raw = fs.readFileSync(this.options.file, 'utf8')
    } catch {
      return null
    }
    try {
      return parseState(JSON.parse(raw))
    } catch (err) {
      this.options.log.warn('window_state.unreadable', { err, file: this.options.file }, 'Saved window size was unreadable; using defaults')
      return null
    }
  }

  private write(state: WindowState): void {
    const tmp = `${this.options.file}.tmp`
    try {
      ensurePrivateDir(path.dirname(this.options.file))
      writePrivateFileSync(tmp, JSON.stringify(state))
      fs.renameSync(tmp, this.options.file)
    } catch (err) {
      this.options.log.warn('window_state.save_failed', { err, file: this.options.file })
    }
  }
}

function parseState(value: unknown): WindowState | null {
  if (!value || typeof value !== 'object') return null
  const v = value as Record<string, unknown>
  const int = (n: unknown) => (typeof n === 'number' && Number.isInteger(n) ? n : undefined)
  const width = int(v.width)
  const height = int(v.height)
  if (width === undefined || height === undefined || width < MIN_WIDTH || height < MIN_HEIGHT) return null
  const x = int(v.x)
  const y = int(v.y)
  const position = x !== undefined && y !== undefined ? { x, y } : {}
  return { ...position, width, height, isMaximized: v.isMaximized === true }
}

/** Windows reports a few invisible border pixels outside the work area for edge-snapped windows. */
const EDGE_TOLERANCE = 16

function contains(area: Rectangle, rect: Rectangle): boolean {
  const t = EDGE_TOLERANCE
  return (
    rect.x >= area.x - t &&
    rect.y >= area.y - t &&
    rect.x + rect.width <= area.x + area.width + t &&
    rect.y + rect.height <= area.y + area.height + t
  )
}
