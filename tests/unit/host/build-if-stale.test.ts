/** `npm run worker` / `start:web` build only when out/ is missing or older than the sources, one build at a time. */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildStaleness, LOCK, STAMP, takeBuildLock } from '../../../scripts/build-if-stale.mjs'
import { tempDir } from '../../helpers/temp-dir'

const past = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000)

/** A checkout with sources written 60 s ago and, unless `built` is false, a build stamped 30 s ago. */
function checkout(built = true): string {
  const root = tempDir('build-stale-')
  for (const file of ['src/main/core.ts', 'src/renderer/index.html', 'package.json', 'electron.vite.config.ts']) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
    fs.writeFileSync(path.join(root, file), 'x')
  }
  const touchAll = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const file = path.join(dir, name)
      if (fs.statSync(file).isDirectory()) touchAll(file)
      fs.utimesSync(file, past(60), past(60))
    }
  }
  touchAll(root)
  if (built) {
    for (const name of ['main', 'preload', 'renderer']) fs.mkdirSync(path.join(root, 'out', name), { recursive: true })
    fs.writeFileSync(path.join(root, 'out', STAMP), '')
    fs.utimesSync(path.join(root, 'out', STAMP), past(30), past(30))
  }
  return root
}

describe('build-if-stale', () => {
  it('builds when out/ has no build, or no stamp', () => {
    expect(buildStaleness(checkout(false))).toEqual({ stale: true, reason: 'out/main is missing' })
    const root = checkout()
    fs.rmSync(path.join(root, 'out', STAMP))
    expect(buildStaleness(root).stale).toBe(true)
  })

  it('does not build when every source is older than the stamp', () => {
    expect(buildStaleness(checkout())).toEqual({ stale: false, reason: 'out/ is up to date' })
  })

  it('builds when a source, the vite config or package.json changed since, naming it', () => {
    for (const file of ['src/main/core.ts', 'electron.vite.config.ts', 'package.json']) {
      const root = checkout()
      fs.utimesSync(path.join(root, file), past(1), past(1))
      expect(buildStaleness(root)).toEqual({ stale: true, reason: `${file} changed since the last build` })
    }
  })

  it('builds when a source file was added or deleted (its folder changed)', () => {
    const root = checkout()
    fs.rmSync(path.join(root, 'src/renderer/index.html'))
    expect(buildStaleness(root)).toMatchObject({ stale: true, reason: `${path.join('src', 'renderer')} changed since the last build` })
  })

  it('ignores files outside the inputs (logs, data folders, out/ itself)', () => {
    const root = checkout()
    fs.writeFileSync(path.join(root, 'notes.txt'), 'y')
    fs.writeFileSync(path.join(root, 'out', 'main', 'web.js'), 'z')
    expect(buildStaleness(root).stale).toBe(false)
  })

  it('lets one start build at a time: a second waits for the lock, and takes over a lock whose process is gone', async () => {
    const out = path.join(tempDir('build-lock-'), 'out')
    const said: string[] = []
    const release = await takeBuildLock(out, (line) => said.push(line))
    let second = false
    const waiting = takeBuildLock(out, (line) => said.push(line)).then((release2) => {
      second = true
      return release2
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(second).toBe(false)
    expect(said).toEqual([`Waiting for another build of this checkout (process ${process.pid}) to finish…`])
    release()
    ;(await waiting)()
    expect(fs.existsSync(path.join(out, LOCK))).toBe(false)

    // A build killed while it held the lock: its process is gone, so the next start takes the lock over.
    const dead = spawn(process.execPath, ['-e', ''])
    const deadPid = dead.pid
    await new Promise((resolve) => dead.once('exit', resolve))
    fs.writeFileSync(path.join(out, LOCK), JSON.stringify({ pid: deadPid, at: new Date().toISOString() }))
    const taken = await takeBuildLock(out, () => undefined)
    expect(JSON.parse(fs.readFileSync(path.join(out, LOCK), 'utf8')).pid).toBe(process.pid)
    taken()
  })
})
