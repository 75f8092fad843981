// @ts-check
/**
 * `npm run package:check` (CI): packs the Linux app folder (`electron-builder --linux dir`) the way
 * `npm run dist` does, on a machine that cannot download Electron, and checks the result:
 * - app.asar.unpacked holds the Electron copy of better-sqlite3 and no other native addon,
 *   and the archive holds better-sqlite3's JavaScript but not its plain-Node build;
 * - the archived package.json names the product (the data folder follows it);
 * - the fuses are flipped (asar integrity on, run-as-node off);
 * - node_modules' better-sqlite3 is byte-for-byte the same and still opens a database in this Node.
 *
 * Electron is a stand-in folder (packaging copies it and flips fuse bytes; it never runs it) and the
 * "Electron copy" is a marker file: building the real one needs Electron's headers or prebuilt
 * binaries from the internet (npm run native:electron). Works in .tmp/package-check/, a scratch
 * copy of the project whose node_modules is hard-linked to the real one.
 */
import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import asar from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { buildTarget, electronBindingFiles } from './native-electron.mjs'

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const work = path.join(projectDir, '.tmp', 'package-check')
const project = path.join(work, 'project')
const electronDist = path.join(work, 'electron-dist')
const output = path.join(work, 'release')
// @electron/fuses keeps these to itself: the marker before the fuse wire, and a fuse's two states.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const FuseState = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) }
const nodeAddon = path.join(projectDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')

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

/** The scratch project: what `npm run dist` reads, a marker as the Electron copy with a matching stamp. */
function scratchProject() {
  const outDir = path.join(projectDir, 'out', 'main', 'index.js')
  if (!fs.existsSync(outDir)) throw new Error('out/ is missing: run npm run build first.')
  fs.mkdirSync(project, { recursive: true })
  for (const entry of ['package.json', 'electron-builder.yml', 'scripts', 'resources', 'out']) {
    fs.cpSync(path.join(projectDir, entry), path.join(project, entry), { recursive: true })
  }
  // Hard links: a copy in no time and no space. (A symlink is resolved outside the project, and
  // electron-builder then leaves most dependencies out.) Nothing here writes into node_modules.
  const linked = spawnSync('cp', ['-al', path.join(projectDir, 'node_modules'), path.join(project, 'node_modules')], { encoding: 'utf8' })
  if (linked.status !== 0) throw new Error(`Could not link node_modules into ${project}: ${linked.stderr.trim()}`)
  const files = electronBindingFiles(project)
  const marker = Buffer.concat([Buffer.from('stand-in Electron build of better-sqlite3 '), randomBytes(16)])
  fs.mkdirSync(files.dir, { recursive: true })
  fs.writeFileSync(files.addon, marker)
  // A stamp for this exact target, so the beforePack hook reuses the copy instead of building one.
  fs.writeFileSync(files.stamp, JSON.stringify(buildTarget({ projectDir: project, platform: 'linux', arch: 'x64' })))
  return marker
}

/**
 * The deb is not built here (it needs dpkg, fakeroot and a downloaded fpm): check what its build would
 * refuse or need, on the configuration as electron-builder itself loads it.
 */
async function checkLinuxInstallerConfig() {
  const load = createRequire(createRequire(import.meta.url).resolve('electron-builder'))
  const { getConfig } = load('app-builder-lib/out/util/config/config')
  /** @type {import('electron-builder').Configuration} */
  const config = await getConfig(projectDir, 'electron-builder.yml', null)
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

function walk(/** @type {string} */ dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('The package check packs for linux-x64 and runs there only.')
  fs.rmSync(work, { recursive: true, force: true })
  const before = sha256(nodeAddon)
  fakeElectron()
  const marker = scratchProject()

  const started = Date.now()
  const builder = path.join(projectDir, 'node_modules', '.bin', 'electron-builder')
  const args = ['--linux', 'dir', '--x64', '--config', 'electron-builder.yml', `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`]
  const run = spawnSync(builder, args, { cwd: project, stdio: 'inherit', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } })
  if (run.status !== 0) throw new Error(`electron-builder ${args.join(' ')} failed (exit ${run.status ?? run.signal})`)
  say(`\nPacked in ${((Date.now() - started) / 1000).toFixed(1)} s; checking ${path.relative(projectDir, output)}/linux-unpacked`)

  const appDir = path.join(output, 'linux-unpacked')
  const resources = path.join(appDir, 'resources')
  const archive = path.join(resources, 'app.asar')
  const unpacked = path.join(resources, 'app.asar.unpacked')
  const unpackedAddon = path.join(unpacked, 'native', 'electron', 'better_sqlite3.node')
  check(fs.existsSync(unpackedAddon) && fs.readFileSync(unpackedAddon).equals(marker), 'app.asar.unpacked/native/electron/better_sqlite3.node is the Electron copy')
  const nativeFiles = walk(unpacked).filter((file) => file.endsWith('.node'))
  check(nativeFiles.length === 1, `it is the only native addon unpacked (found: ${nativeFiles.map((f) => path.relative(unpacked, f)).join(', ')})`)

  const entries = asar.listPackage(archive, { isPack: false }).map((entry) => entry.split(path.sep).join('/'))
  check(entries.includes('/node_modules/better-sqlite3/lib/database.js'), "the archive holds better-sqlite3's JavaScript")
  const archivedAddons = entries.filter((entry) => entry.endsWith('.node') && entry !== '/native/electron/better_sqlite3.node')
  check(archivedAddons.length === 0 && !entries.some((entry) => entry.startsWith('/node_modules/better-sqlite3/build/')), `the archive holds no other addon, not node_modules' plain-Node build (found: ${archivedAddons.join(', ') || 'none'})`)
  // Every production dependency must be packed; a missing one only shows when the app starts.
  const missing = productionDependencies().filter((name) => !entries.includes(`/node_modules/${name}/package.json`))
  check(missing.length === 0, `every production dependency is in the archive (missing: ${missing.join(', ') || 'none'})`)
  const manifest = JSON.parse(asar.extractFile(archive, 'package.json').toString())
  check(manifest.productName === 'GoLogin Automation Panel', `the archived package.json has productName "GoLogin Automation Panel" (got ${JSON.stringify(manifest.productName)})`)
  check(entries.includes('/out/main/index.js') && manifest.main === './out/main/index.js', 'the archive holds the main bundle package.json points at')

  const wire = /** @type {Record<number, number>} */ (await getCurrentFuseWire(path.join(appDir, 'gologin-automation-panel')))
  check(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation] === FuseState.ENABLE, 'fuse: asar integrity validation on')
  check(wire[FuseV1Options.OnlyLoadAppFromAsar] === FuseState.ENABLE, 'fuse: only load the app from app.asar')
  check(wire[FuseV1Options.RunAsNode] === FuseState.DISABLE, 'fuse: ELECTRON_RUN_AS_NODE off')
  check(wire[FuseV1Options.GrantFileProtocolExtraPrivileges] === FuseState.ENABLE, 'fuse: file:// extra privileges kept (the page loads as ES modules from file://)')

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
