// @ts-check
/**
 * electron-builder `beforePack` hook: makes native/electron hold better-sqlite3 built for the Electron,
 * platform and arch about to be packed (reused when its stamp already matches), so packaging never
 * rebuilds node_modules in place.
 */
import { Arch } from 'electron-builder'
import { ensureElectronBinding } from './native-electron.mjs'

/** @param {import('electron-builder').AfterPackContext} context (the same shape as beforePack's) */
export default async function beforePack(context) {
  // Per arch: a universal macOS build packs x64 and arm64 (each through this hook) and merges them afterwards.
  const arch = Arch[context.arch]
  await ensureElectronBinding({
    projectDir: context.packager.info.projectDir,
    ifStale: true,
    electron: context.packager.info.framework.version,
    platform: context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName,
    arch,
    log: (line) => console.warn(line),
  })
}
