// @ts-check
/**
 * `npm run worker` / `npm run start:web` run what was built: `electron-vite build` runs only when out/ has no build
 * or a source (anything under src/, the vite config, package.json, the lock file, a tsconfig) is newer than the
 * build stamp `out/.build-stamp`. Hosts started at once from one checkout do not race: one builds under a lock
 * file made with O_EXCL (`out/.build.lock`), the others wait for it and then find the build fresh. The build goes
 * to a folder of its own inside out/ and replaces main/, preload/ and renderer/ only once it succeeded.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** What a build is made from (paths relative to the project). */
export const BUILD_INPUTS = ['src', 'electron.vite.config.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json', 'tsconfig.web.json']
/** What a build makes, inside out/. */
export const BUILD_OUTPUTS = ['main', 'preload', 'renderer']
export const STAMP = '.build-stamp'
export const LOCK = '.build.lock'
/** A lock older than this is left over from a build that died without removing it. */
const LOCK_MAX_AGE_MS = 15 * 60_000

/**
 * The newest modification among the inputs (folders count too: a deleted or renamed file changes its folder's time).
 * @param {string} root
 * @returns {{ mtimeMs: number, file: string | null }}
 */
export function newestInput(root) {
  /** @type {{ mtimeMs: number, file: string | null }} */
  const newest = { mtimeMs: 0, file: null }
  /** @param {string} file */
  const visit = (file) => {
    let stat
    try {
      stat = fs.statSync(file)
    } catch {
      return
    }
    if (stat.mtimeMs > newest.mtimeMs) Object.assign(newest, { mtimeMs: stat.mtimeMs, file: path.relative(root, file) })
    if (stat.isDirectory()) for (const name of fs.readdirSync(file)) visit(path.join(file, name))
  }
  for (const input of BUILD_INPUTS) visit(path.join(root, input))
  return newest
}

/**
 * Whether out/ must be built again, and why (for the line printed before building).
 * @param {string} root
 * @returns {{ stale: boolean, reason: string }}
 */
export function buildStaleness(root) {
  const out = path.join(root, 'out')
  const missing = BUILD_OUTPUTS.find((name) => !fs.existsSync(path.join(out, name)))
  if (missing) return { stale: true, reason: `out/${missing} is missing` }
  let stampMs
  try {
    stampMs = fs.statSync(path.join(out, STAMP)).mtimeMs
  } catch {
    return { stale: true, reason: `out/ has no build stamp (${STAMP})` }
  }
  const newest = newestInput(root)
  if (newest.mtimeMs > stampMs) return { stale: true, reason: `${newest.file} changed since the last build` }
  return { stale: false, reason: 'out/ is up to date' }
}

/**
 * Takes `out/.build.lock` (O_EXCL), waiting while a live process holds it; answers its release.
 * @param {string} out
 * @param {(line: string) => void} say
 */
export async function takeBuildLock(out, say) {
  const file = path.join(out, LOCK)
  fs.mkdirSync(out, { recursive: true })
  let told = false
  for (;;) {
    try {
      const fd = fs.openSync(file, 'wx')
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }))
      fs.closeSync(fd)
      return () => fs.rmSync(file, { force: true })
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error
    }
    const holder = readLock(file)
    if (holder && (!isAlive(holder.pid) || Date.now() - holder.mtimeMs > LOCK_MAX_AGE_MS)) {
      fs.rmSync(file, { force: true })
      continue
    }
    if (!told) say(`Waiting for another build of this checkout (process ${holder?.pid ?? '?'}) to finish…`)
    told = true
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** @param {string} file @returns {{ pid: number, mtimeMs: number } | null} */
function readLock(file) {
  try {
    const { pid } = JSON.parse(fs.readFileSync(file, 'utf8'))
    return { pid: Number(pid), mtimeMs: fs.statSync(file).mtimeMs }
  } catch {
    // Just made and not yet written, or just removed: look again shortly.
    return null
  }
}

/** @param {number} pid */
function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code === 'EPERM'
  }
}

/**
 * Builds into out/.build-<pid>, then puts main/, preload/ and renderer/ in place and stamps the build with its start.
 * @param {string} root
 */
function build(root) {
  const out = path.join(root, 'out')
  const staging = path.join(out, `.build-${process.pid}`)
  const startedAt = new Date()
  fs.rmSync(staging, { recursive: true, force: true })
  const bin = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const result = spawnSync(process.execPath, [bin, 'build', '--outDir', staging, '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] })
  if (result.status !== 0) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw new Error(`electron-vite build failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`}); out/ was left as it was.`)
  }
  for (const name of BUILD_OUTPUTS) {
    const target = path.join(out, name)
    const old = path.join(staging, `${name}.old`)
    if (fs.existsSync(target)) fs.renameSync(target, old)
    fs.renameSync(path.join(staging, name), target)
  }
  fs.rmSync(staging, { recursive: true, force: true })
  // The stamp carries the build's start: a source saved while it ran is newer, so the next start builds again.
  const stamp = path.join(out, STAMP)
  fs.writeFileSync(stamp, `${startedAt.toISOString()}\n`)
  fs.utimesSync(stamp, startedAt, startedAt)
}

/**
 * Builds when stale; a build of another process in progress is waited for.
 * @param {string} root
 * @param {(line: string) => void} [say]
 * @returns {Promise<{ built: boolean, reason: string }>}
 */
export async function buildIfStale(root, say = (line) => process.stderr.write(`${line}\n`)) {
  const first = buildStaleness(root)
  if (!first.stale) return { built: false, reason: first.reason }
  const release = await takeBuildLock(path.join(root, 'out'), say)
  try {
    // Another start may have built it while this one waited.
    const now = buildStaleness(root)
    if (!now.stale) return { built: false, reason: now.reason }
    say(`Building out/: ${now.reason}…`)
    build(root)
    return { built: true, reason: now.reason }
  } finally {
    release()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    await buildIfStale(root)
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
}
