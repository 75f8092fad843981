import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/main/db'
import { NODE_SQLITE_ADDON, placeAddon } from '../../helpers/sqlite-addon'
import { tempDir } from '../../helpers/temp-dir'
import { fixedKeyStore, testLog } from './test-db'

const loaded = createRequire(import.meta.url).cache

describe('the SQLite addon a database opens with', () => {
  it("plain Node passes nothing and gets node_modules' build", async () => {
    const db = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog() })
    try {
      expect(db.dataSource.options).toMatchObject({ type: 'better-sqlite3', nativeBinding: undefined })
      expect(loaded[NODE_SQLITE_ADDON]).toBeDefined()
    } finally {
      await db.close()
    }
  })

  it('a nativeBinding path is the addon better-sqlite3 loads', async () => {
    const broken = placeAddon(path.join(tempDir(), 'better_sqlite3.node'), Buffer.from('not an addon'))
    const opening = openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), nativeBinding: broken })
    // The reason names the addon that was tried (dlopen's "invalid ELF header" or similar).
    await expect(opening).rejects.toThrow(/Cannot open the database .*panel\.db/)
    await expect(opening).rejects.toThrow(broken)
  })
})
