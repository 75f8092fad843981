import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { WindowStateStore, type DisplaySource, type TrackedWindow } from '../../../src/main/electron/window-state'
import { tempDir } from '../../helpers/temp-dir'
import { recordingLogger } from './fake-electron'

const LAPTOP = { x: 0, y: 0, width: 1440, height: 870 }
const MONITOR_RIGHT = { x: 1440, y: 0, width: 2560, height: 1400 }

function displays(...areas: Array<typeof LAPTOP>): DisplaySource {
  return { getAllDisplays: () => areas.map((workArea) => ({ workArea })), getPrimaryDisplay: () => ({ workArea: areas[0] }) }
}

function store(screen: DisplaySource, file = path.join(tempDir(), 'window-state.json')) {
  return { file, state: new WindowStateStore({ file, screen, log: recordingLogger().log, defaultSize: { width: 1280, height: 800 } }) }
}

function fakeWindow(bounds = { x: 1600, y: 100, width: 1800, height: 1100 }, maximized = false) {
  const listeners = new Map<string, Array<() => void>>()
  const win: TrackedWindow & { fire(event: string): void; bounds: typeof bounds; maximized: boolean } = {
    bounds,
    maximized,
    on: (event, listener) => listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    removeListener: (event, listener) => listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener)),
    getNormalBounds: () => win.bounds,
    isMaximized: () => win.maximized,
    isDestroyed: () => false,
    fire: (event) => listeners.get(event)?.forEach((l) => l()),
  }
  return win
}

afterEach(() => vi.useRealTimers())

describe('WindowStateStore', () => {
  it('opens at the default size the first time', () => {
    expect(store(displays(LAPTOP)).state.load()).toEqual({ width: 1280, height: 800, isMaximized: false })
  })

  it('remembers size, position and maximized state across runs (saved on close)', () => {
    const screen = displays(LAPTOP, MONITOR_RIGHT)
    const { file, state } = store(screen)
    const win = fakeWindow({ x: 1600, y: 100, width: 1800, height: 1100 }, true)
    state.track(win)
    win.fire('close')
    expect(store(screen, file).state.load()).toEqual({ x: 1600, y: 100, width: 1800, height: 1100, isMaximized: true })
  })

  it('saves moves and resizes once, after they settle', () => {
    vi.useFakeTimers()
    const { file, state } = store(displays(LAPTOP))
    const win = fakeWindow({ x: 10, y: 10, width: 900, height: 700 })
    state.track(win)
    const writes = vi.spyOn(fs, 'renameSync')
    win.fire('move')
    win.bounds = { x: 20, y: 20, width: 1000, height: 700 }
    win.fire('resize')
    expect(fs.existsSync(file)).toBe(false)
    vi.runAllTimers()
    expect(writes).toHaveBeenCalledTimes(1)
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ x: 20, y: 20, width: 1000 })
    writes.mockRestore()
  })

  it('flush() writes a pending change at once (quitting)', () => {
    vi.useFakeTimers()
    const { file, state } = store(displays(LAPTOP))
    const win = fakeWindow({ x: 30, y: 40, width: 900, height: 700 })
    state.track(win)
    win.fire('move')
    state.flush()
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ x: 30, y: 40 })
  })

  it('drops a position on a monitor that is no longer connected, keeping a size that still fits', () => {
    const { file, state } = store(displays(LAPTOP, MONITOR_RIGHT))
    const win = fakeWindow({ x: 1600, y: 100, width: 1200, height: 800 })
    state.track(win)
    win.fire('close')
    expect(store(displays(LAPTOP), file).state.load()).toEqual({ width: 1200, height: 800, isMaximized: false })
  })

  it('falls back to the default size when the saved one no longer fits any display', () => {
    const { file, state } = store(displays(LAPTOP, MONITOR_RIGHT))
    const win = fakeWindow({ x: 1600, y: 100, width: 2400, height: 1300 }, true)
    state.track(win)
    win.fire('close')
    expect(store(displays(LAPTOP), file).state.load()).toEqual({ width: 1280, height: 800, isMaximized: true })
  })

  it('ignores a damaged or implausible file', () => {
    const { file, state } = store(displays(LAPTOP))
    fs.writeFileSync(file, '{not json')
    expect(state.load()).toEqual({ width: 1280, height: 800, isMaximized: false })
    fs.writeFileSync(file, JSON.stringify({ x: 0, y: 0, width: 5, height: 5 }))
    expect(state.load()).toEqual({ width: 1280, height: 800, isMaximized: false })
  })

  it('stops saving once untracked', () => {
    const { file, state } = store(displays(LAPTOP))
    const win = fakeWindow()
    state.track(win)()
    win.fire('close')
    expect(fs.existsSync(file)).toBe(false)
  })
})
