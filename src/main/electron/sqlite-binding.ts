import { createRequire } from 'node:module'
import path from 'node:path'
import { InfrastructureException } from '../../shared/errors'

/**
 * Where the Electron build of better-sqlite3 lives, relative to the app folder. `node_modules` keeps
 * the build for plain Node (tests, bench, browser mode); `npm run native:electron` writes this one,
 * and packaging unpacks it next to app.asar. Keep in step with scripts/native-electron.mjs.
 */
export const ELECTRON_SQLITE_BINDING = ['native', 'electron', 'better_sqlite3.node'] as const
export const NATIVE_ELECTRON_COMMAND = 'npm run native:electron'

export interface SqliteBindingLocation {
  /** `app.getAppPath()`: the project folder in development, `…/resources/app.asar` when packaged. */
  appPath: string
  isPackaged: boolean
}

/** The Electron copy of the SQLite addon for this app (a native addon cannot be loaded from inside an asar). */
export function electronSqliteBindingPath({ appPath, isPackaged }: SqliteBindingLocation): string {
  const root = isPackaged ? appPath.replace(/\.asar$/i, '.asar.unpacked') : appPath
  return path.join(root, ...ELECTRON_SQLITE_BINDING)
}

export interface LoadSqliteBindingOptions extends SqliteBindingLocation {
  /** Loads the addon (tests pass a stand-in); defaults to Node's require, which is what better-sqlite3 calls. */
  load?: (file: string) => unknown
}

/**
 * Loads the Electron copy once, before the database opens, so a missing or mismatched build stops
 * start-up with one sentence naming the fix instead of a dlopen stack trace. Returns its path for
 * TypeORM's `nativeBinding` (better-sqlite3 then gets the already loaded module).
 */
export function loadElectronSqliteBinding(options: LoadSqliteBindingOptions): string {
  const file = electronSqliteBindingPath(options)
  const load = options.load ?? createRequire(import.meta.url)
  try {
    load(file)
    return file
  } catch (error) {
    throw sqliteBindingError(file, error, options)
  }
}

type Problem = 'missing' | 'other-version' | 'unusable'

function classify(error: unknown): { problem: Problem; detail: string } {
  const err = error as NodeJS.ErrnoException
  const message = err instanceof Error ? err.message : String(error)
  const firstLine = message.split('\n')[0].slice(0, 300)
  if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ENOENT' || /cannot find module|no such file/i.test(message)) {
    return { problem: 'missing', detail: firstLine }
  }
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message)
  if (versions) return { problem: 'other-version', detail: `built for NODE_MODULE_VERSION ${versions[1]}, this app needs ${versions[2]}` }
  return { problem: 'unusable', detail: firstLine }
}

function sqliteBindingError(file: string, error: unknown, { appPath, isPackaged }: SqliteBindingLocation): InfrastructureException {
  const { problem, detail } = classify(error)
  const what = {
    missing: `The SQLite engine for the desktop app is missing (${file}).`,
    'other-version': `The SQLite engine for the desktop app (${file}) was built for another Electron or Node version (${detail}).`,
    unusable: `The SQLite engine for the desktop app (${file}) cannot be loaded: ${detail}`,
  }[problem]
  const fix = isPackaged
    ? 'This installation is incomplete or damaged: reinstall GoLogin Automation Panel.'
    : `Build it for Electron in the project folder (${appPath}), then start the app again:\n\n    ${NATIVE_ELECTRON_COMMAND}`
  return new InfrastructureException('INTERNAL_ERROR', `${what}\n\n${fix}`, { cause: error, details: { file, problem } })
}
