import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { openDatabase, type Database } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import type { KeyStore } from '../../../src/main/security/key-store'
import { tempDir } from '../../helpers/temp-dir'
import { databaseUrlFor } from '../../helpers/test-database'

export function fixedKeyStore(key: Buffer = randomBytes(32)): KeyStore & { key: Buffer } {
  return { key, description: 'test key', loadOrCreateDataKey: async () => Buffer.from(key) }
}

export function testLog() {
  return new LogSystem({ dir: null }).logger('test')
}

/**
 * Opens a database in a fresh temp dir (or `dir`) with a fixed test key; closed by the caller. On the
 * postgres test project, the dir's own PostgreSQL database (the same one when `dir` is opened again).
 */
export async function openTestDb(options: { dir?: string; keyStore?: KeyStore } = {}): Promise<Database & { dir: string; keyStore: KeyStore }> {
  const dir = options.dir ?? tempDir()
  const keyStore = options.keyStore ?? fixedKeyStore()
  const db = await openDatabase({ dataDir: dir, keyStore, log: testLog(), databaseUrl: await databaseUrlFor(dir), poolSize: 4 })
  return Object.assign(db, { dir, keyStore })
}

/** Everything SQLite has on disk for the database: the main file and its write-ahead log. */
export function rawDatabaseBytes(filePath: string): Buffer {
  const parts = [filePath, `${filePath}-wal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file))
  return Buffer.concat(parts)
}

export function filesIn(dir: string): string[] {
  return fs.readdirSync(dir).map((name) => path.join(dir, name))
}
