import fs from 'node:fs'
import path from 'node:path'
import asar from '@electron/asar'
import { describe, expect, it } from 'vitest'
import { builderConfig, publishTargets } from '../../../electron-builder.config.mjs'
import { checkPackedApp } from '../../../scripts/package-checks.mjs'
import { tempDir } from '../../helpers/temp-dir'

const FIXTURES = path.join(import.meta.dirname, '..', '..', 'fixtures', 'binaries')
const realHead = (target: string) => fs.readFileSync(path.join(FIXTURES, `${target}.head`))
// @electron/fuses finds the wire after this sentinel: version 1, 8 fuses.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
const FUSES = { runAsNode: false, enableCookieEncryption: true, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, grantFileProtocolExtraPrivileges: true, resetAdHocDarwinSignature: true }

/** A packed app folder as electron-builder leaves it, with `addon` as the unpacked Electron copy and `wire` flipped. */
async function packedApp(addon: Buffer | string, options: { wire?: string; extra?: Record<string, string> } = {}) {
  const root = tempDir()
  const app = path.join(root, 'app')
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ productName: 'GoLogin Automation Panel', main: './out/main/index.js' }),
    'out/main/index.js': '',
    'node_modules/better-sqlite3/package.json': '{}',
    'node_modules/better-sqlite3/lib/database.js': '',
    'node_modules/axios/package.json': '{}',
    ...options.extra,
  }
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(app, file)), { recursive: true })
    fs.writeFileSync(path.join(app, file), text)
  }
  const resources = path.join(root, 'unpacked', 'resources')
  fs.mkdirSync(path.join(resources, 'app.asar.unpacked', 'native', 'electron'), { recursive: true })
  await asar.createPackage(app, path.join(resources, 'app.asar'))
  fs.writeFileSync(path.join(resources, 'app.asar.unpacked', 'native', 'electron', 'better_sqlite3.node'), addon)
  const executable = path.join(root, 'unpacked', 'gologin-automation-panel')
  // Fuse order: RunAsNode, EnableCookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadFromAsar, V8Snapshot, FileProtocol.
  const wire = options.wire ?? '01001101'
  fs.writeFileSync(executable, Buffer.concat([Buffer.from('ELF stand-in'), Buffer.from(SENTINEL), Buffer.from([1, wire.length]), Buffer.from(wire)]))
  return { resources, executable }
}

const run = async (app: { resources: string; executable: string }, target = { platform: 'linux', arch: 'x64' }) =>
  checkPackedApp({ ...app, target, fuses: FUSES, productionDependencies: ['better-sqlite3', 'axios'], productName: 'GoLogin Automation Panel' })
const failed = (checks: Array<{ ok: boolean; what: string }>) => checks.filter((c) => !c.ok).map((c) => c.what)

describe('npm run package:check, on packed fixtures', () => {
  it('passes a packed app whose addon is a real ELF x86-64 binary and whose fuses are as configured (asar integrity not counted on Linux)', async () => {
    const checks = await run(await packedApp(realHead('linux-x64')))
    expect(failed(checks)).toEqual([])
    expect(checks.find((c) => c.what.includes('enableEmbeddedAsarIntegrityValidation'))).toMatchObject({ skipped: true })
    expect(checks.filter((c) => c.what.startsWith('fuse ') && !c.skipped)).toHaveLength(6)
  })

  it('fails on the marker file it used to accept, on a text file served as the Windows addon, and on a wrong-arch build', async () => {
    expect(failed(await run(await packedApp('stand-in Electron build of better-sqlite3 0123456789abcdef')))).toEqual([
      expect.stringMatching(/better_sqlite3\.node is a native binary for linux-x64: .*not a native binary/),
      expect.stringMatching(/every unpacked addon loads on linux-x64/),
    ])
    expect(failed(await run(await packedApp('MZ text served as a DLL'), { platform: 'win32', arch: 'x64' }))[0]).toMatch(/win32-x64 needs PE/)
    expect(failed(await run(await packedApp(realHead('darwin-x64')), { platform: 'darwin', arch: 'arm64' }))[0]).toMatch(/built for x64, not arm64/)
    expect(failed(await run(await packedApp(realHead('linux-x64')), { platform: 'darwin', arch: 'x64' }))[0]).toMatch(/ELF binary \(linux\), not one for darwin/)
  })

  it('checks asar integrity where it applies, and fails a fuse left at its default', async () => {
    const integrityOff = await packedApp(realHead('darwin-arm64'), { wire: '01000101' })
    expect(failed(await run(integrityOff, { platform: 'darwin', arch: 'arm64' }))).toEqual(['fuse enableEmbeddedAsarIntegrityValidation: on'])
    const runAsNode = await packedApp(realHead('linux-x64'), { wire: '11001101' })
    expect(failed(await run(runAsNode))).toEqual(['fuse runAsNode: off'])
  })

  it('fails when sources, tests, maps or renderer-only packages are packed, or a production dependency is missing', async () => {
    const app = await packedApp(realHead('linux-x64'), {
      extra: { 'src/main/core.ts': '', 'out/main/index.js.map': '', 'node_modules/react-dom/package.json': '{}' },
    })
    const problems = failed(await checkPackedApp({ ...app, target: { platform: 'linux', arch: 'x64' }, fuses: FUSES, productionDependencies: ['better-sqlite3', 'axios', 'pg'], productName: 'GoLogin Automation Panel' }))
    expect(problems).toEqual([
      'every production dependency is in the archive (missing: pg)',
      'no renderer-only package (Vite bundled them) is in the archive (found: react-dom)',
      expect.stringMatching(/no sources, tests, scripts or source maps in the archive \(found: .*\/src\/main\/core\.ts.*index\.js\.map|no sources.*index\.js\.map.*core\.ts/),
    ])
  })
})

describe('the packaging configuration', () => {
  it('without a certificate: macOS signed ad hoc (after the fuses, whose ad-hoc signature is reset), no notarization, no update feed', () => {
    const config = builderConfig({})
    expect(config.mac).toMatchObject({ identity: '-', notarize: false, hardenedRuntime: true, entitlements: 'resources/entitlements.mac.plist' })
    expect(config.electronFuses).toMatchObject({ resetAdHocDarwinSignature: true })
    expect(config.publish).toBeNull()
  })

  it('with a Developer ID certificate and Apple credentials: signed by it and notarized', () => {
    const config = builderConfig({ CSC_LINK: '/secrets/cert.p12', CSC_KEY_PASSWORD: 'x', APPLE_ID: 'a@b.c', APPLE_APP_SPECIFIC_PASSWORD: 'p', APPLE_TEAM_ID: 'T' })
    expect(config.mac).not.toHaveProperty('identity')
    expect(config.mac).toMatchObject({ notarize: true })
    expect(builderConfig({ CSC_NAME: 'Developer ID Application: Team', APPLE_API_KEY: 'k.p8', APPLE_API_KEY_ID: 'i', APPLE_API_ISSUER: 'u' }).mac).toMatchObject({ notarize: true })
  })

  it('refuses notarization without a certificate, and half-set Apple credentials, naming what is missing', () => {
    expect(() => builderConfig({ APPLE_ID: 'a@b.c', APPLE_APP_SPECIFIC_PASSWORD: 'p', APPLE_TEAM_ID: 'T' })).toThrow(/no Developer ID certificate \(CSC_LINK or CSC_NAME\)/)
    expect(() => builderConfig({ CSC_LINK: 'c', APPLE_ID: 'a@b.c' })).toThrow(/together \(set: APPLE_ID\)/)
  })

  it('Windows: Azure Trusted Signing when configured; arm64 builds for Windows, Linux and macOS', () => {
    const config = builderConfig({ AZURE_TRUSTED_SIGNING_ENDPOINT: 'https://eus.codesigning.azure.net', AZURE_TRUSTED_SIGNING_ACCOUNT: 'acct', AZURE_TRUSTED_SIGNING_PROFILE: 'prof' })
    expect(config.win).toMatchObject({ azureSignOptions: { endpoint: 'https://eus.codesigning.azure.net', codeSigningAccountName: 'acct', certificateProfileName: 'prof' } })
    expect(builderConfig({}).win).not.toHaveProperty('azureSignOptions')
    for (const platform of ['win', 'linux', 'mac'] as const) {
      const targets = (builderConfig({})[platform]?.target ?? []) as Array<{ arch: string[] }>
      expect(targets.every((t) => t.arch.includes('x64') && t.arch.includes('arm64')), platform).toBe(true)
    }
    expect((builderConfig({}).mac?.target as Array<{ target: string }>).map((t) => t.target)).toContain('zip')
  })

  it('update feed: an https folder or GitHub releases, one of them, checked', () => {
    expect(publishTargets({ UPDATE_FEED_URL: 'https://updates.example.invalid/panel/' })).toEqual([{ provider: 'generic', url: 'https://updates.example.invalid/panel/' }])
    expect(publishTargets({ UPDATE_GITHUB_REPO: 'acme/panel' })).toEqual([{ provider: 'github', owner: 'acme', repo: 'panel', releaseType: 'release' }])
    expect(() => publishTargets({ UPDATE_FEED_URL: 'http://updates.example.invalid/' })).toThrow(/must be an https:\/\/ address/)
    expect(() => publishTargets({ UPDATE_FEED_URL: 'not a url' })).toThrow(/UPDATE_FEED_URL is not a URL/)
    expect(() => publishTargets({ UPDATE_GITHUB_REPO: 'acme' })).toThrow(/"owner\/name"/)
    expect(() => publishTargets({ UPDATE_FEED_URL: 'https://a.invalid/', UPDATE_GITHUB_REPO: 'a/b' })).toThrow(/not both/)
  })
})
