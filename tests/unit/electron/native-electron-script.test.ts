import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import beforePack from '../../../scripts/before-pack.mjs'
import { buildTarget, electronBindingFiles, ensureElectronBinding, isFresh, prebuildReason } from '../../../scripts/native-electron.mjs'
import { tempDir } from '../../helpers/temp-dir'

const NODE_BUILD = 'plain-Node build'
/** The first 4 KiB of real shared libraries (bare-fs prebuilds), one per platform and arch. */
const realHead = (platform: string, arch: string) => fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'binaries', `${platform}-${arch}.head`))
const ELECTRON_BUILD = realHead(process.platform, process.arch)

/** A project with electron and better-sqlite3 installed; better-sqlite3 already built for plain Node. */
function project(electron = '41.7.1'): string {
  const dir = tempDir()
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  write('node_modules/electron/package.json', JSON.stringify({ name: 'electron', version: electron }))
  write('node_modules/better-sqlite3/package.json', JSON.stringify({ name: 'better-sqlite3', version: '12.11.1' }))
  write('node_modules/better-sqlite3/lib/index.js', 'module.exports = {}')
  write('node_modules/better-sqlite3/build/Release/better_sqlite3.node', NODE_BUILD)
  return dir
}

const nodeBuildOf = (dir: string) => fs.readFileSync(path.join(dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), 'utf8')

/** Stands in for @electron/rebuild: records what it saw, then "compiles" the staged copy. */
function fakeRebuild() {
  const seen: Array<{ options: Record<string, unknown>; stagedFiles: string[]; nodedir: string | undefined }> = []
  const rebuild = vi.fn(async (options: Record<string, unknown>) => {
    const moduleDir = path.join(options.buildPath as string, 'node_modules', 'better-sqlite3')
    seen.push({ options, stagedFiles: fs.readdirSync(moduleDir, { recursive: true }).map(String), nodedir: process.env.npm_config_nodedir })
    fs.mkdirSync(path.join(moduleDir, 'build', 'Release'), { recursive: true })
    fs.writeFileSync(path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node'), realHead(options.platform as string, options.arch as string))
  })
  return { rebuild, seen }
}

/** Stands in for prebuild-install with no network: fails the way it does offline. */
const noPrebuild = vi.fn(async () => 'install request to https://github.com/WiseLibs/better-sqlite3/releases/download/v12.11.1/… failed, reason: getaddrinfo ENOTFOUND github.com')

const quiet = () => {}

describe('npm run native:electron', () => {
  it('builds the Electron copy from a staged copy of better-sqlite3 and leaves node_modules as it was', async () => {
    const dir = project()
    const { rebuild, seen } = fakeRebuild()
    vi.stubEnv('npm_config_nodedir', '/usr')
    try {
      await ensureElectronBinding({ projectDir: dir, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
      expect(process.env.npm_config_nodedir).toBe('/usr')
    } finally {
      vi.unstubAllEnvs()
    }

    const files = electronBindingFiles(dir)
    expect(fs.readFileSync(files.addon)).toEqual(ELECTRON_BUILD)
    expect(JSON.parse(fs.readFileSync(files.stamp, 'utf8'))).toMatchObject({ electron: '41.7.1', betterSqlite3: '12.11.1', platform: process.platform, arch: process.arch })
    expect(nodeBuildOf(dir)).toBe(NODE_BUILD)

    expect(seen).toHaveLength(1)
    expect(seen[0].options).toMatchObject({ electronVersion: '41.7.1', onlyModules: ['better-sqlite3'], force: true })
    expect(path.dirname(seen[0].options.buildPath as string)).toBe(path.join(dir, 'native'))
    // Sources only in the staging copy, and node-gyp not pointed at Node's headers.
    expect(seen[0].stagedFiles).toContain(path.join('lib', 'index.js'))
    expect(seen[0].stagedFiles.some((file) => file.startsWith('build'))).toBe(false)
    expect(seen[0].nodedir).toBeUndefined()
    expect(fs.readdirSync(path.join(dir, 'native'))).toEqual(['electron'])
  })

  it('with --if-stale, reuses the copy until Electron, better-sqlite3, the platform or the arch changes', async () => {
    const dir = project()
    const { rebuild } = fakeRebuild()
    await ensureElectronBinding({ projectDir: dir, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
    expect(isFresh(dir, buildTarget({ projectDir: dir }))).toBe(true)

    await ensureElectronBinding({ projectDir: dir, ifStale: true, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
    expect(rebuild).toHaveBeenCalledTimes(1)

    expect(isFresh(dir, buildTarget({ projectDir: dir, arch: 'arm64' }))).toBe(process.arch === 'arm64')
    fs.writeFileSync(path.join(dir, 'node_modules/electron/package.json'), JSON.stringify({ version: '42.0.0' }))
    await ensureElectronBinding({ projectDir: dir, ifStale: true, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
    expect(rebuild).toHaveBeenCalledTimes(2)
    expect(rebuild.mock.calls[1][0]).toMatchObject({ electronVersion: '42.0.0' })

    fs.rmSync(electronBindingFiles(dir).addon)
    expect(isFresh(dir, buildTarget({ projectDir: dir }))).toBe(false)
  })

  it('a failed build says why and what it needs, writes no copy, and leaves node_modules alone', async () => {
    const dir = project()
    const rebuild = vi.fn(async () => {
      throw new Error("node-gyp failed to rebuild 'better-sqlite3'\nstack…")
    })
    const attempt = ensureElectronBinding({ projectDir: dir, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
    await expect(attempt).rejects.toThrow(/Could not build better-sqlite3 for Electron 41\.7\.1 .*node-gyp failed to rebuild 'better-sqlite3'\)\n.*github\.com.*www\.electronjs\.org.*C\+\+ compiler/s)
    expect(fs.existsSync(electronBindingFiles(dir).addon)).toBe(false)
    expect(fs.readdirSync(path.join(dir, 'native'))).toEqual([])
    expect(nodeBuildOf(dir)).toBe(NODE_BUILD)
  })

  it('takes the prebuilt binary when prebuild-install fetches it, and compiles nothing', async () => {
    const dir = project()
    const { rebuild } = fakeRebuild()
    const prebuild = vi.fn(async ({ moduleDir, target }: { moduleDir: string; target: { platform: string; arch: string } }) => {
      fs.mkdirSync(path.join(moduleDir, 'build', 'Release'), { recursive: true })
      fs.writeFileSync(path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node'), realHead(target.platform, target.arch))
      return null
    })
    await ensureElectronBinding({ projectDir: dir, platform: 'win32', arch: 'arm64', rebuild, prebuild, verify: false, log: quiet })
    expect(rebuild).not.toHaveBeenCalled()
    expect(fs.readFileSync(electronBindingFiles(dir).addon)).toEqual(realHead('win32', 'arm64'))
  })

  it('when both the download and the compile fail, shows the download’s own reason beside the compiler’s', async () => {
    const dir = project()
    const rebuild = vi.fn(async () => {
      throw new Error('gyp ERR! find Python')
    })
    const attempt = ensureElectronBinding({ projectDir: dir, rebuild, prebuild: noPrebuild, verify: false, log: quiet })
    await expect(attempt).rejects.toThrow(/prebuilt binary could not be fetched \(.*getaddrinfo ENOTFOUND github\.com\) and compiling failed \(gyp ERR! find Python\)/)
  })

  it('refuses a built addon whose header names another platform or arch, and a copy whose stamp fits but whose binary does not is stale', async () => {
    const dir = project()
    const wrongArch = vi.fn(async (options: Record<string, unknown>) => {
      const moduleDir = path.join(options.buildPath as string, 'node_modules', 'better-sqlite3')
      fs.mkdirSync(path.join(moduleDir, 'build', 'Release'), { recursive: true })
      fs.writeFileSync(path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node'), realHead('linux', 'arm64'))
    })
    await expect(ensureElectronBinding({ projectDir: dir, platform: 'linux', arch: 'x64', rebuild: wrongArch, prebuild: noPrebuild, verify: false, log: quiet })).rejects.toThrow(
      /cannot load on linux-x64: .* built for arm64, not x64/,
    )
    expect(fs.existsSync(electronBindingFiles(dir).addon)).toBe(false)

    const files = electronBindingFiles(dir)
    fs.mkdirSync(files.dir, { recursive: true })
    fs.writeFileSync(files.addon, 'marker')
    fs.writeFileSync(files.stamp, JSON.stringify(buildTarget({ projectDir: dir, platform: 'linux', arch: 'x64' })))
    expect(isFresh(dir, buildTarget({ projectDir: dir, platform: 'linux', arch: 'x64' }))).toBe(false)
  })

  it('picks prebuild-install’s reason out of its output', () => {
    const output = [
      'prebuild-install info begin Prebuild-install version 7.1.3',
      'prebuild-install info looking for cached prebuild @ /root/.npm/_prebuilds/x.tar.gz',
      'prebuild-install http request GET https://github.com/WiseLibs/better-sqlite3/releases/download/v12.11.1/better-sqlite3-v12.11.1-electron-v145-linux-x64.tar.gz',
      'prebuild-install warn install getaddrinfo ENOTFOUND github.com',
    ].join('\n')
    expect(prebuildReason(output)).toBe('install getaddrinfo ENOTFOUND github.com')
    expect(prebuildReason('')).toBeNull()
  })

  it('says to run npm ci when Electron is not installed', () => {
    const dir = project()
    fs.rmSync(path.join(dir, 'node_modules/electron'), { recursive: true })
    expect(() => buildTarget({ projectDir: dir })).toThrow('electron is not installed in')
  })
})

describe('the packaging hook (beforePack)', () => {
  const context = (projectDir: string, electronPlatformName: string, arch: number) =>
    ({ electronPlatformName, arch, packager: { info: { projectDir, framework: { version: '41.7.1' } } } }) as unknown as Parameters<typeof beforePack>[0]

  it('reuses a copy already built for the Electron, platform and arch being packed (Mac App Store builds are darwin)', async () => {
    const dir = project()
    const files = electronBindingFiles(dir)
    fs.mkdirSync(files.dir, { recursive: true })
    fs.writeFileSync(files.addon, realHead('darwin', 'arm64'))
    fs.writeFileSync(files.stamp, JSON.stringify(buildTarget({ projectDir: dir, platform: 'darwin', arch: 'arm64' })))
    // Arch 3 is arm64 in electron-builder's numbering; a stale copy would start a real rebuild here.
    await beforePack(context(dir, 'mas', 3))
    expect(fs.readFileSync(files.addon)).toEqual(realHead('darwin', 'arm64'))
  })

  it('offline (the package check), a copy whose header does not fit the target is refused instead of built', async () => {
    const dir = project()
    const files = electronBindingFiles(dir)
    fs.mkdirSync(files.dir, { recursive: true })
    fs.writeFileSync(files.addon, 'stand-in Electron build of better-sqlite3')
    fs.writeFileSync(files.stamp, JSON.stringify(buildTarget({ projectDir: dir, platform: 'linux', arch: 'x64' })))
    vi.stubEnv('NATIVE_ELECTRON_OFFLINE', '1')
    try {
      await expect(beforePack(context(dir, 'linux', 1))).rejects.toThrow(/linux-x64 .*not a native binary.*NATIVE_ELECTRON_OFFLINE=1 forbids building one/)
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
