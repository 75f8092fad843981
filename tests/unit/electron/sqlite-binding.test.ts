import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AppException } from '../../../src/shared/errors'
import { electronSqliteBindingPath, loadElectronSqliteBinding, NATIVE_ELECTRON_COMMAND } from '../../../src/main/electron/sqlite-binding'
import { electronBindingFiles } from '../../../scripts/native-electron.mjs'
import { placeAddon } from '../../helpers/sqlite-addon'
import { tempDir } from '../../helpers/temp-dir'

const require = createRequire(import.meta.url)

/** An installed app (`…/resources/app.asar`) whose unpacked Electron copy holds `addon` (default: the Node build). */
function packagedApp(addon?: Buffer): { appPath: string; file: string } {
  const appPath = path.join(tempDir(), 'app.asar')
  const file = placeAddon(electronSqliteBindingPath({ appPath, isPackaged: true }), addon)
  return { appPath, file }
}

function failure(run: () => unknown): AppException {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AppException)
    return error as AppException
  }
  throw new Error('expected the load to fail')
}

describe('the Electron copy of the SQLite addon', () => {
  it('lives next to app.asar when packaged and in native/electron of the project in development', () => {
    const resources = path.join(path.sep, 'opt', 'GoLogin Automation Panel', 'resources')
    expect(electronSqliteBindingPath({ appPath: path.join(resources, 'app.asar'), isPackaged: true })).toBe(
      path.join(resources, 'app.asar.unpacked', 'native', 'electron', 'better_sqlite3.node'),
    )
    const project = path.join(path.sep, 'work', 'panel')
    // The build script writes exactly where the app looks.
    expect(electronSqliteBindingPath({ appPath: project, isPackaged: false })).toBe(electronBindingFiles(project).addon)
  })

  it('loads a valid addon and returns its path for TypeORM', () => {
    const { appPath, file } = packagedApp()
    expect(loadElectronSqliteBinding({ appPath, isPackaged: true })).toBe(file)
    expect(require.cache[file]).toBeDefined()
  })

  it('a missing copy in development names the file and the command to run, without a stack trace', () => {
    const project = tempDir()
    const error = failure(() => loadElectronSqliteBinding({ appPath: project, isPackaged: false }))
    expect(error.message).toContain('The SQLite engine for the desktop app is missing')
    expect(error.message).toContain(path.join(project, 'native', 'electron', 'better_sqlite3.node'))
    expect(error.message).toContain(NATIVE_ELECTRON_COMMAND)
    expect(error.message).not.toMatch(/\n\s+at /)
  })

  it('a file that is not a valid addon is refused with the command (development) or "reinstall" (installed app)', () => {
    const project = tempDir()
    const file = placeAddon(electronSqliteBindingPath({ appPath: project, isPackaged: false }), Buffer.from('not a shared library'))
    const dev = failure(() => loadElectronSqliteBinding({ appPath: project, isPackaged: false }))
    expect(dev.message).toContain(`(${file}) cannot be loaded`)
    expect(dev.message).toContain(NATIVE_ELECTRON_COMMAND)

    const { appPath } = packagedApp(Buffer.from('\x7fELF garbage'))
    const installed = failure(() => loadElectronSqliteBinding({ appPath, isPackaged: true }))
    expect(installed.message).toContain('reinstall GoLogin Automation Panel')
    expect(installed.message).not.toContain(NATIVE_ELECTRON_COMMAND)
  })

  it('an addon built for another ABI says which versions disagree', () => {
    // What Node's dlopen throws for a build of the Node in node_modules loaded by Electron 41.
    const abiError = new Error(
      "The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 145. Please try re-compiling or re-installing\nthe module (for instance, using `npm rebuild` or `npm install`).",
    )
    const project = tempDir()
    const error = failure(() =>
      loadElectronSqliteBinding({
        appPath: project,
        isPackaged: false,
        load: () => {
          throw abiError
        },
      }),
    )
    expect(error.message).toContain('was built for another Electron or Node version (built for NODE_MODULE_VERSION 115, this app needs 145)')
    expect(error.message).toContain(NATIVE_ELECTRON_COMMAND)
    expect(error.cause).toBe(abiError)
  })
})
