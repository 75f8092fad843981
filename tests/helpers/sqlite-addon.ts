import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)

/** The plain-Node build of better-sqlite3 in node_modules: a valid addon for the runtime the tests run in. */
export const NODE_SQLITE_ADDON = path.join(path.dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node')

/** Writes `bytes` (default: the plain-Node addon, standing in for the Electron copy) to `file`. */
export function placeAddon(file: string, bytes: Buffer = fs.readFileSync(NODE_SQLITE_ADDON)): string {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, bytes)
  return file
}
