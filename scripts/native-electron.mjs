// @ts-check
/**
 * `npm run native:electron`: builds better-sqlite3 for Electron into native/electron/ (git-ignored),
 * leaving node_modules built for plain Node, which tests, the bench and browser mode load.
 *
 * The package is copied into a staging folder; prebuild-install fetches better-sqlite3's prebuilt
 * Electron binary there (github.com) or, failing that, @electron/rebuild compiles it against
 * Electron's headers (www.electronjs.org); both reasons are shown when both fail. The result's
 * binary header must fit the target (ELF/Mach-O/PE and the arch). `--if-stale` (predev/prestart/packaging) skips the work
 * when native/electron/build.json already names this Electron, better-sqlite3, platform and arch.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { binaryMismatch } from './binary-header.mjs'

const ADDON = 'better_sqlite3.node'
const STAMP = 'build.json'

/** @typedef {{ electron: string, betterSqlite3: string, platform: string, arch: string }} BuildTarget */
/** @typedef {(options: Record<string, unknown>) => Promise<unknown>} Rebuild */
/** @typedef {(options: { moduleDir: string, target: BuildTarget }) => Promise<string | null>} Prebuild */

/** Where the Electron copy lives (src/main/electron/sqlite-binding.ts reads the same place). */
export function electronBindingFiles(/** @type {string} */ projectDir) {
  const dir = path.join(projectDir, 'native', 'electron')
  return { dir, addon: path.join(dir, ADDON), stamp: path.join(dir, STAMP) }
}

/** The installed version of a package, or a clear error when it is not installed. */
function installedVersion(/** @type {string} */ projectDir, /** @type {string} */ name) {
  const file = path.join(projectDir, 'node_modules', name, 'package.json')
  try {
    return String(JSON.parse(fs.readFileSync(file, 'utf8')).version)
  } catch {
    throw new Error(`${name} is not installed in ${projectDir}/node_modules: run npm ci first.`)
  }
}

/**
 * What the copy must be built for: the installed Electron and better-sqlite3, this machine's platform
 * and arch unless packaging asks for another.
 * @param {{ projectDir: string, electron?: string, platform?: string, arch?: string }} options
 * @returns {BuildTarget}
 */
export function buildTarget({ projectDir, electron, platform, arch }) {
  return {
    electron: electron ?? installedVersion(projectDir, 'electron'),
    betterSqlite3: installedVersion(projectDir, 'better-sqlite3'),
    platform: platform ?? process.platform,
    arch: arch ?? process.arch,
  }
}

/**
 * True when native/electron holds an addon whose stamp names exactly this target and whose binary header fits its
 * platform and arch (a marker or another target's build with a matching stamp is stale).
 */
export function isFresh(/** @type {string} */ projectDir, /** @type {BuildTarget} */ target) {
  const files = electronBindingFiles(projectDir)
  if (!fs.existsSync(files.addon)) return false
  try {
    const stamp = JSON.parse(fs.readFileSync(files.stamp, 'utf8'))
    if (!Object.entries(target).every(([key, value]) => stamp[key] === value)) return false
  } catch {
    return false
  }
  return binaryMismatch(files.addon, target) === null
}

/**
 * better-sqlite3's published prebuilt binary for Electron (github.com), fetched by prebuild-install into the staged
 * copy. Resolves to null when it is there, or to prebuild-install's own reason when it is not (ENOTFOUND, a 404 for a
 * target without a prebuild), which is shown if compiling fails too.
 * @param {{ moduleDir: string, target: BuildTarget }} options
 * @returns {Promise<string | null>}
 */
async function prebuildInstall({ moduleDir, target }) {
  /** @type {string} */
  let bin
  try {
    bin = createRequire(path.join(moduleDir, 'package.json')).resolve('prebuild-install/bin.js')
  } catch {
    return 'prebuild-install is not installed'
  }
  const args = [bin, '--runtime', 'electron', '--target', target.electron, '--platform', target.platform, '--arch', target.arch, '--verbose']
  const result = spawnSync(process.execPath, args, { cwd: moduleDir, encoding: 'utf8', timeout: 120_000 })
  if (result.status === 0 && fs.existsSync(path.join(moduleDir, 'build', 'Release', ADDON))) return null
  return prebuildReason(`${result.stderr ?? ''}\n${result.error?.message ?? ''}`) ?? `prebuild-install exited with ${result.status ?? result.signal}`
}

/**
 * The line of prebuild-install's output that says why it failed (its `warn`/`ERR!` lines), without the noise.
 * @param {string} output
 */
export function prebuildReason(output) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean)
  const telling = lines.filter((line) => /prebuild-install (warn|err!?)/i.test(line) && !/install prebuilt binaries enforced|falling back to source compile/i.test(line))
  const line = telling.at(-1) ?? lines.at(-1)
  return line ? line.replace(/^prebuild-install (warn|err!?)\s*/i, '') : null
}

/** Removes environment variables until `restore()`. */
function withoutEnv(/** @type {string[]} */ names) {
  const saved = Object.fromEntries(names.filter((name) => name in process.env).map((name) => [name, process.env[name]]))
  for (const name of names) delete process.env[name]
  return { restore: () => Object.assign(process.env, saved) }
}

/** @electron/rebuild, loaded only when a build is needed (it is ESM and pulls in node-gyp). */
async function electronRebuild(/** @type {Record<string, unknown>} */ options) {
  const { rebuild } = await import('@electron/rebuild')
  return rebuild(/** @type {any} */ (options))
}

/**
 * Builds the Electron copy: stage a copy of better-sqlite3, fetch its prebuilt Electron binary there or, failing
 * that, compile it for Electron, check the binary's header against the target, move the addon into native/electron,
 * then write the stamp (last, so an interrupted build counts as stale).
 * @param {{ projectDir: string, target: BuildTarget, rebuild?: Rebuild, prebuild?: Prebuild, log?: (line: string) => void }} options
 */
export async function buildElectronBinding({ projectDir, target, rebuild = electronRebuild, prebuild = prebuildInstall, log = console.error }) {
  const files = electronBindingFiles(projectDir)
  const staging = path.join(projectDir, 'native', `.staging-${process.pid}`)
  const moduleDir = path.join(staging, 'node_modules', 'better-sqlite3')
  fs.rmSync(staging, { recursive: true, force: true })
  try {
    fs.mkdirSync(moduleDir, { recursive: true })
    fs.writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'native-electron-staging', private: true, dependencies: { 'better-sqlite3': target.betterSqlite3 } }))
    const source = path.join(projectDir, 'node_modules', 'better-sqlite3')
    // Sources only: the Node build in build/ must neither be copied nor touched.
    fs.cpSync(source, moduleDir, { recursive: true, filter: (file) => path.relative(source, file).split(path.sep)[0] !== 'build' })

    log(`Fetching better-sqlite3 ${target.betterSqlite3}'s prebuilt binary for Electron ${target.electron} (${target.platform}-${target.arch})…`)
    const built = path.join(moduleDir, 'build', 'Release', ADDON)
    const prebuildFailure = await prebuild({ moduleDir, target })
    if (prebuildFailure !== null) {
      log(`No prebuilt binary (${prebuildFailure}); compiling better-sqlite3 for Electron ${target.electron}…`)
      // npm_config_nodedir (set for the plain-Node install) would make node-gyp compile against Node's headers.
      const nodedir = withoutEnv(['npm_config_nodedir', 'NPM_CONFIG_NODEDIR'])
      try {
        await rebuild({
          buildPath: staging,
          projectRootPath: staging,
          electronVersion: target.electron,
          platform: target.platform,
          arch: target.arch,
          onlyModules: ['better-sqlite3'],
          force: true,
          buildFromSource: true,
          mode: 'sequential',
        })
      } catch (error) {
        const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
        throw new Error(`the prebuilt binary could not be fetched (${prebuildFailure}) and compiling failed (${reason})`, { cause: error })
      } finally {
        nodedir.restore()
      }
      if (!fs.existsSync(built)) throw new Error(`the prebuilt binary could not be fetched (${prebuildFailure}) and the rebuild produced no ${path.relative(projectDir, built)}`)
    }
    const mismatch = binaryMismatch(built, target)
    if (mismatch) throw new Error(`the built addon cannot load on ${target.platform}-${target.arch}: ${mismatch}`)

    fs.mkdirSync(files.dir, { recursive: true })
    fs.rmSync(files.stamp, { force: true })
    fs.copyFileSync(built, `${files.addon}.tmp`)
    fs.renameSync(`${files.addon}.tmp`, files.addon)
    fs.writeFileSync(`${files.stamp}.tmp`, `${JSON.stringify({ ...target, builtAt: new Date().toISOString() }, null, 2)}\n`)
    fs.renameSync(`${files.stamp}.tmp`, files.stamp)
    log(`Wrote ${path.relative(projectDir, files.addon)}`)
    return files.addon
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}

/**
 * Opens an in-memory database with the copy inside Electron itself (run as Node), when the Electron
 * binary is installed. Returns what happened, for the log; throws when Electron cannot load the copy.
 * @param {string} projectDir
 * @returns {string}
 */
export function verifyWithElectron(projectDir) {
  const require = createRequire(path.join(projectDir, 'package.json'))
  /** @type {string} */
  let electronBinary
  try {
    electronBinary = require('electron')
  } catch {
    return 'not checked inside Electron: the Electron binary is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD?)'
  }
  const { addon } = electronBindingFiles(projectDir)
  const probe = `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); new D(':memory:', { nativeBinding: ${JSON.stringify(addon)} }).prepare('select 1').get()`
  const result = spawnSync(electronBinary, ['-e', probe], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 60_000 })
  if (result.status !== 0) throw new Error(`Electron could not load ${addon}: ${(result.stderr || result.error?.message || '').trim().split('\n')[0]}`)
  return 'loaded inside Electron: ok'
}

/**
 * The whole command: skip when fresh (with `ifStale`), else build and check inside Electron.
 * @param {{ projectDir: string, ifStale?: boolean, electron?: string, platform?: string, arch?: string, rebuild?: Rebuild, prebuild?: Prebuild, verify?: boolean, log?: (line: string) => void }} options
 */
export async function ensureElectronBinding({ projectDir, ifStale = false, electron, platform, arch, rebuild, prebuild, verify = true, log = console.error }) {
  const target = buildTarget({ projectDir, electron, platform, arch })
  if (ifStale && isFresh(projectDir, target)) return { built: false, target }
  // The package check (and any offline packaging) must never reach the network for a copy it expected to find.
  if (process.env.NATIVE_ELECTRON_OFFLINE === '1') {
    const { addon } = electronBindingFiles(projectDir)
    throw new Error(`No usable Electron copy of better-sqlite3 for ${target.platform}-${target.arch} (${binaryMismatch(addon, target) ?? 'its stamp names another target'}), and NATIVE_ELECTRON_OFFLINE=1 forbids building one.`)
  }
  try {
    await buildElectronBinding({ projectDir, target, rebuild, prebuild, log })
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new Error(
      `Could not build better-sqlite3 for Electron ${target.electron} (${target.platform}-${target.arch}): ${reason}\n` +
        'The build downloads a prebuilt binary from github.com, or compiles one with Electron headers from www.electronjs.org ' +
        '(then it needs Python 3 and a C++ compiler: Visual Studio Build Tools on Windows, Xcode Command Line Tools on macOS, build-essential on Linux).',
      { cause: error },
    )
  }
  if (verify && target.platform === process.platform && target.arch === process.arch) {
    try {
      log(verifyWithElectron(projectDir))
    } catch (error) {
      // Without its stamp the copy counts as stale: the next start or packaging builds it again.
      fs.rmSync(electronBindingFiles(projectDir).stamp, { force: true })
      throw error
    }
  }
  return { built: true, target }
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ ifStale: boolean, platform?: string, arch?: string }} */
  const options = { ifStale: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--if-stale') options.ifStale = true
    else if (arg === '--platform' || arg === '--arch') options[arg === '--platform' ? 'platform' : 'arch'] = argv[++i]
    else throw new Error(`Unknown option ${arg}. Usage: node scripts/native-electron.mjs [--if-stale] [--platform P] [--arch A]`)
  }
  return options
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  try {
    await ensureElectronBinding({ projectDir, ...parseArgs(process.argv.slice(2)) })
  } catch (error) {
    console.error(`\n${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
}
