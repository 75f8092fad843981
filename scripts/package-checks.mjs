// @ts-check
/**
 * What `npm run package:check` asserts about a packed app folder (electron-builder's `--dir` output), kept apart
 * from the packing so unit tests can run the very same checks on small fixtures:
 * - every native addon in app.asar.unpacked is a real binary for the target (ELF / Mach-O / PE header and the arch),
 *   the Electron copy of better-sqlite3 is the only one, and the archive holds no other addon;
 * - every fuse the configuration sets is flipped that way, on the platforms where it applies;
 * - the archive holds what runs (the main bundle, every production dependency) and nothing that does not
 *   (sources, tests, source maps, renderer-only packages Vite already bundled).
 */
import fs from 'node:fs'
import path from 'node:path'
import asar from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import { binaryMismatch } from './binary-header.mjs'

// @electron/fuses keeps a fuse's two states to itself.
const FuseState = { DISABLE: '0'.charCodeAt(0), ENABLE: '1'.charCodeAt(0) }
/** Fuses that do nothing on some platforms (Electron's docs): checking them there would be false comfort. */
const FUSE_PLATFORMS = /** @type {Record<string, string[]>} */ ({ enableEmbeddedAsarIntegrityValidation: ['darwin', 'win32'] })
/** electronFuses settings that steer how fuses are flipped, not fuses themselves. */
const NOT_FUSES = new Set(['resetAdHocDarwinSignature', 'strictlyRequireAllFuses'])
/** Packages only the renderer imports: Vite bundles them into out/renderer, so the archive must not carry them. */
export const RENDERER_ONLY = ['react', 'react-dom', 'scheduler', 'zustand', '@tanstack/react-table', '@tanstack/react-virtual']

/** @typedef {{ ok: boolean, what: string, skipped?: boolean }} Check */

function walk(/** @type {string} */ dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

/**
 * The checks on a packed app folder.
 * @param {{
 *   resources: string,
 *   executable: string,
 *   target: { platform: string, arch: string },
 *   fuses: Record<string, boolean | undefined>,
 *   productionDependencies: string[],
 *   productName: string,
 * }} options
 * @returns {Promise<Check[]>}
 */
export async function checkPackedApp({ resources, executable, target, fuses, productionDependencies, productName }) {
  /** @type {Check[]} */
  const checks = []
  const check = (/** @type {boolean} */ ok, /** @type {string} */ what) => checks.push({ ok, what })
  const archive = path.join(resources, 'app.asar')
  const unpacked = path.join(resources, 'app.asar.unpacked')
  const where = `${target.platform}-${target.arch}`

  const addon = path.join(unpacked, 'native', 'electron', 'better_sqlite3.node')
  const mismatch = binaryMismatch(addon, target)
  check(mismatch === null, `app.asar.unpacked/native/electron/better_sqlite3.node is a native binary for ${where}${mismatch ? `: ${mismatch}` : ''}`)
  const nativeFiles = walk(unpacked).filter((file) => file.endsWith('.node'))
  check(nativeFiles.length === 1, `it is the only native addon unpacked (found: ${nativeFiles.map((f) => path.relative(unpacked, f)).join(', ') || 'none'})`)
  const wrong = nativeFiles.map((file) => binaryMismatch(file, target)).filter((reason) => reason !== null)
  check(wrong.length === 0, `every unpacked addon loads on ${where}${wrong.length ? `: ${wrong.join('; ')}` : ''}`)

  if (!fs.existsSync(archive)) {
    check(false, `${path.relative(path.dirname(resources), archive)} exists`)
    return checks
  }
  const entries = asar.listPackage(archive, { isPack: false }).map((entry) => entry.split(path.sep).join('/'))
  check(entries.includes('/node_modules/better-sqlite3/lib/database.js'), "the archive holds better-sqlite3's JavaScript")
  const archivedAddons = entries.filter((entry) => entry.endsWith('.node') && entry !== '/native/electron/better_sqlite3.node')
  check(
    archivedAddons.length === 0 && !entries.some((entry) => entry.startsWith('/node_modules/better-sqlite3/build/')),
    `the archive holds no other addon, not node_modules' plain-Node build (found: ${archivedAddons.join(', ') || 'none'})`,
  )
  const missing = productionDependencies.filter((name) => !entries.includes(`/node_modules/${name}/package.json`))
  check(missing.length === 0, `every production dependency is in the archive (missing: ${missing.join(', ') || 'none'})`)
  const bundled = RENDERER_ONLY.filter((name) => entries.includes(`/node_modules/${name}/package.json`))
  check(bundled.length === 0, `no renderer-only package (Vite bundled them) is in the archive (found: ${bundled.join(', ') || 'none'})`)
  const stray = entries.filter((entry) => /^\/(src|tests|scripts|native\/\.staging[^/]*)\//.test(entry) || entry.endsWith('.map') || /^\/[^/]+\.tsx?$/.test(entry))
  check(stray.length === 0, `no sources, tests, scripts or source maps in the archive (found: ${stray.slice(0, 5).join(', ') || 'none'}${stray.length > 5 ? ` and ${stray.length - 5} more` : ''})`)
  const manifest = JSON.parse(asar.extractFile(archive, 'package.json').toString())
  check(manifest.productName === productName, `the archived package.json has productName ${JSON.stringify(productName)} (got ${JSON.stringify(manifest.productName)})`)
  check(entries.includes(`/${path.posix.normalize(manifest.main ?? '')}`), `the archive holds the main bundle package.json points at (${manifest.main})`)

  const wire = /** @type {Record<number, number>} */ (await getCurrentFuseWire(executable))
  for (const [name, wanted] of Object.entries(fuses)) {
    if (wanted === undefined || typeof wanted !== 'boolean' || NOT_FUSES.has(name)) continue
    const option = /** @type {Record<string, number>} */ (/** @type {unknown} */ (FuseV1Options))[name.charAt(0).toUpperCase() + name.slice(1)]
    if (option === undefined) {
      check(false, `fuse ${name}: unknown to @electron/fuses`)
      continue
    }
    const platforms = FUSE_PLATFORMS[name]
    if (platforms && !platforms.includes(target.platform === 'mas' ? 'darwin' : target.platform)) {
      checks.push({ ok: true, skipped: true, what: `fuse ${name}: does nothing on ${target.platform} (applies on ${platforms.join(', ')}), not counted` })
      continue
    }
    const state = wire[option]
    check(state === (wanted ? FuseState.ENABLE : FuseState.DISABLE), `fuse ${name}: ${wanted ? 'on' : 'off'}${state === undefined ? ' (absent from the wire)' : ''}`)
  }
  return checks
}
