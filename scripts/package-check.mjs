// @ts-check
/**
 * `npm run package:check` (CI): packs the Linux app folder (`electron-builder --linux dir`) the way
 * `npm run dist` does, on a machine that cannot download Electron, and checks the result with
 * scripts/package-checks.mjs (the same checks its unit tests run on fixtures):
 * - app.asar.unpacked holds the Electron copy of better-sqlite3, a real ELF x86-64 binary (its header
 *   is read), and no other native addon; the archive holds better-sqlite3's JavaScript but not its
 *   plain-Node build;
 * - every fuse the configuration sets is flipped, where it applies on Linux;
 * - no sources, tests, maps or renderer-only packages are packed; every production dependency is;
 * - the archived package.json names the product (the data folder follows it);
 * - node_modules' better-sqlite3 is byte-for-byte the same and still opens a database in this Node.
 *
 * Electron is a stand-in folder (packaging copies it and flips fuse bytes; it never runs it). The
 * Electron copy of the addon cannot be built here (Electron's headers and prebuilt binaries are on
 * the internet), so the stand-in is the plain-Node build of better-sqlite3: a real ELF x86-64 shared
 * object (a different Node ABI, which only running it inside Electron would notice). Packaging runs
 * with NATIVE_ELECTRON_OFFLINE=1: the hook must accept that copy by its stamp and header, never
 * download. Works in .tmp/package-check/, a scratch copy of the project whose node_modules is
 * hard-linked to the real one.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildTarget, electronBindingFiles } from './native-electron.mjs'
import { checkPackedApp } from './package-checks.mjs'

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = path.join(projectDir, '.tmp', 'package-check')
const project = path.join(work, 'project')
const electronDist = path.join(work, 'electron-dist')
const output = path.join(work, 'release')
// @electron/fuses keeps it to itself: the marker before the fuse wire.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const nodeAddon = path.join(projectDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

const CONFIG_FILE = 'electron-builder.config.mjs'
const say = (/** @type {string} */ line) => process.stdout.write(`${line}\n`)
/** @type {string[]} */
const failures = []
function check(/** @type {boolean} */ ok, /** @type {string} */ what) {
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failures.push(what)
}
const sha256 = (/** @type {string} */ file) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

/** An "Electron" folder: an executable carrying a V1 fuse wire with Electron's defaults, and its licence. */
function fakeElectron() {
  fs.mkdirSync(path.join(electronDist, 'resources'), { recursive: true })
  const wire = Buffer.from([1, 8, ...'10110001'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0))))
  fs.writeFileSync(path.join(electronDist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho stand-in\n'), Buffer.from(SENTINEL), wire]), { mode: 0o755 })
  fs.writeFileSync(path.join(electronDist, 'chrome-sandbox'), 'stand-in', { mode: 0o755 })
  fs.writeFileSync(path.join(electronDist, 'LICENSE'), 'stand-in')
}

/** The scratch project: what `npm run dist` reads, a real ELF addon as the Electron copy with a matching stamp. */
function scratchProject() {
  const outDir = path.join(projectDir, 'out', 'main', 'index.js')
  if (!fs.existsSync(outDir)) throw new Error('out/ is missing: run npm run build first.')
  fs.mkdirSync(project, { recursive: true })
  for (const entry of ['package.json', CONFIG_FILE, 'scripts', 'resources', 'out']) {
    fs.cpSync(path.join(projectDir, entry), path.join(project, entry), { recursive: true })
  }
  // Hard links: a copy in no time and no space. (A symlink is resolved outside the project, and
  // electron-builder then leaves most dependencies out.) Nothing here writes into node_modules.
  const linked = spawnSync('cp', ['-al', path.join(projectDir, 'node_modules'), path.join(project, 'node_modules')], { encoding: 'utf8' })
  if (linked.status !== 0) throw new Error(`Could not link node_modules into ${project}: ${linked.stderr.trim()}`)
  const files = electronBindingFiles(project)
  const standIn = fs.readFileSync(nodeAddon)
  fs.mkdirSync(files.dir, { recursive: true })
  fs.writeFileSync(files.addon, standIn)
  // A stamp for this exact target, so the beforePack hook reuses the copy instead of building one.
  fs.writeFileSync(files.stamp, JSON.stringify(buildTarget({ projectDir: project, platform: 'linux', arch: 'x64' })))
  return standIn
}

/** The configuration as electron-builder itself loads it. */
async function loadConfig() {
  const load = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
  const { getConfig } = load('app-builder-lib/out/util/config/config')
  /** @type {import('electron-builder').Configuration} */
  const config = await getConfig(projectDir, CONFIG_FILE, null)
  return config
}

/**
 * The deb is not built here (it needs dpkg, fakeroot and a downloaded fpm): check what its build would
 * refuse or need, on the configuration as electron-builder itself loads it.
 */
async function checkLinuxInstallerConfig() {
  const config = await loadConfig()
  const targets = (/** @type {Array<{ target: string }>} */ (config.linux?.target ?? [])).map((t) => t.target)
  check(targets.includes('deb') && targets.includes('AppImage'), `Linux installers: deb and AppImage (configured: ${targets.join(', ')})`)
  const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'package.json'), 'utf8'))
  check(/<[^@\s]+@[^>\s]+>/.test(config.deb?.maintainer ?? config.linux?.maintainer ?? '') && Boolean(manifest.homepage), 'the deb has a maintainer with an email and a homepage (its build refuses to start without them)')
  check(Array.isArray(config.deb?.depends) && config.deb.depends.includes('libsecret-1-0'), 'the deb depends on libsecret (the data key in the desktop keyring)')
}

/** Every package `npm ls --omit dev` lists, transitive ones included, except type definitions (never packed). */
function productionDependencies() {
  const listed = spawnSync('npm', ['ls', '--omit', 'dev', '--all', '--json'], { cwd: projectDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  /** @typedef {{ version?: string, missing?: boolean, dependencies?: Record<string, Tree> }} Tree */
  const names = new Set()
  const visit = (/** @type {Tree} */ tree) => {
    for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
      // Optional peers that are not installed have no version.
      if (name.startsWith('@types/') || !child.version || child.missing || names.has(name)) continue
      names.add(name)
      visit(child)
    }
  }
  visit(JSON.parse(listed.stdout))
  return [...names]
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('The package check packs for linux-x64 and runs there only.')
  fs.rmSync(work, { recursive: true, force: true })
  const before = sha256(nodeAddon)
  fakeElectron()
  const standIn = scratchProject()

  const started = Date.now()
  const builder = path.join(projectDir, 'node_modules', '.bin', 'electron-builder')
  const args = ['--linux', 'dir', '--x64', '--config', CONFIG_FILE, `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`]
  const run = spawnSync(builder, args, { cwd: project, stdio: 'inherit', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false', NATIVE_ELECTRON_OFFLINE: '1' } })
  if (run.status !== 0) throw new Error(`electron-builder ${args.join(' ')} failed (exit ${run.status ?? run.signal})`)
  say(`\nPacked in ${((Date.now() - started) / 1000).toFixed(1)} s; checking ${path.relative(projectDir, output)}/linux-unpacked`)

  const appDir = path.join(output, 'linux-unpacked')
  const unpackedAddon = path.join(appDir, 'resources', 'app.asar.unpacked', 'native', 'electron', 'better_sqlite3.node')
  check(fs.existsSync(unpackedAddon) && fs.readFileSync(unpackedAddon).equals(standIn), 'the unpacked addon is the copy the hook reused (not rebuilt, not fetched)')
  const config = await loadConfig()
  const checks = await checkPackedApp({
    resources: path.join(appDir, 'resources'),
    executable: path.join(appDir, 'gologin-automation-panel'),
    target: { platform: 'linux', arch: 'x64' },
    fuses: /** @type {Record<string, boolean | undefined>} */ (config.electronFuses ?? {}),
    productionDependencies: productionDependencies(),
    productName: 'GoLogin Automation Panel',
  })
  for (const { ok, what, skipped } of checks) {
    if (skipped) say(`skip ${what}`)
    else check(ok, what)
  }
  check(checks.filter((c) => c.what.startsWith('fuse ')).length >= 7, `the configuration sets the fuses (${Object.keys(config.electronFuses ?? {}).join(', ')})`)

  await checkLinuxInstallerConfig()

  check(sha256(nodeAddon) === before, "node_modules' better-sqlite3 addon is unchanged")
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: projectDir, encoding: 'utf8' })
  check(probe.status === 0, `and still opens a database in this Node ${process.version}${probe.status === 0 ? '' : `: ${probe.stderr.trim().split('\n')[0]}`}`)
}

try {
  await main()
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error))
  console.error(`\n${failures.at(-1)}`)
}
if (failures.length) {
  console.error(`\nPackage check failed: ${failures.length} problem(s).`)
  process.exitCode = 1
} else {
  say('\nPackage check passed.')
}
