/**
 * PostgreSQL only (the postgres project): the column types the migrations make there, a server that cannot
 * be reached, several hosts starting on one empty database, conflicting transactions, and a panel pointed
 * at PostgreSQL by the data folder's database.json whose password never reaches the log.
 */
import fs from 'node:fs'
import path from 'node:path'
import { QueryFailedError } from 'typeorm'
import { describe, expect, it } from 'vitest'
import { createCore } from '../../../src/main/core'
import { MIGRATION_NAMES, openDatabase, rowReader, writeDatabaseConfig, type Database } from '../../../src/main/db'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { fixedKeyStore, testLog } from './test-db'
import { tableColumns } from './schema'

function withPassword(url: string, password: string): string {
  const parsed = new URL(url)
  parsed.username = 'postgres'
  parsed.password = password
  return parsed.toString()
}

describe('PostgreSQL', () => {
  it('stores times as timestamptz, usernames and app names as citext, JSON as text, flags as booleans', async () => {
    const url = withPassword(await freshPostgresUrl(), 'pw-not-for-messages')
    const db = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), databaseUrl: url })
    try {
      expect(db.kind).toBe('postgres')
      expect(db.filePath).toBeNull()
      expect(db.location).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:5432\/panel_t_/)
      expect(db.location).not.toContain('pw-not-for-messages')
      const types = async (table: string) => Object.fromEntries((await tableColumns(db.dataSource, table)).map((c) => [c.name, c.type]))
      expect(await types('profiles')).toMatchObject({
        twitter_username: 'citext',
        metadata: 'text',
        is_active: 'bool',
        last_synced: 'timestamptz',
        created_at: 'timestamptz',
      })
      expect(await types('authorization_sessions')).toMatchObject({ twitter_username: 'citext', scopes: 'text', expires_at: 'timestamptz', completed_at: 'timestamptz' })
      expect(await types('api_apps')).toMatchObject({ name: 'citext', env_managed: 'bool', scopes: 'text' })
      const [{ zone }] = await db.dataSource.query(`SELECT current_setting('TimeZone') AS zone`)
      expect(zone).toBe('UTC')
    } finally {
      await db.close()
    }
  })

  it('names the server it could not reach, without the password', async () => {
    const error = await openDatabase({
      dataDir: tempDir(),
      keyStore: fixedKeyStore(),
      log: testLog(),
      databaseUrl: 'postgres://panel:hunter2-secret@localhost:1/nowhere',
    }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'INTERNAL_ERROR' })
    expect((error as Error).message).toMatch(/^Cannot open the database postgres:\/\/panel@localhost:1\/nowhere: .*ECONNREFUSED/)
    expect(JSON.stringify(error)).not.toContain('hunter2-secret')
    expect((error as Error).message).not.toContain('hunter2-secret')
  })

  it('lets several hosts start on one empty database at once (one migrates, all open) and refuses one with another data key', async () => {
    const url = await freshPostgresUrl()
    const keyStore = fixedKeyStore()
    const hosts: Database[] = await Promise.all(
      [1, 2, 3].map(() => openDatabase({ dataDir: tempDir(), keyStore, log: testLog(), databaseUrl: url, poolSize: 2 })),
    )
    try {
      const executed: Array<{ name: string }> = await hosts[0].dataSource.query('SELECT name FROM migrations ORDER BY id')
      expect(executed.map((row) => row.name)).toEqual(MIGRATION_NAMES)
      // A row written by one host is read, decrypted, by the others.
      await hosts[0].dataSource.query(`INSERT INTO settings (key, value) VALUES ('probe', '"from host 1"')`)
      for (const host of hosts) expect(await host.dataSource.query(`SELECT value FROM settings WHERE key = 'probe'`)).toEqual([{ value: '"from host 1"' }])
    } finally {
      for (const host of hosts) await host.close()
    }
    const error = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), databaseUrl: url }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DATA_DECRYPTION_FAILED', details: { table: 'settings', id: '__data_key_check' } })
  })

  it('runs conflicting read-then-write transactions as if one after the other (no lost update)', async () => {
    const url = await freshPostgresUrl()
    const db = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), databaseUrl: url })
    try {
      await db.dataSource.query(`INSERT INTO settings (key, value) VALUES ('counter', '0')`)
      const increments = 6
      await Promise.all(
        Array.from({ length: increments }, () =>
          db.transaction(async (manager) => {
            const [{ value }] = await manager.query(`SELECT value FROM settings WHERE key = 'counter'`)
            // Every transaction reads before any writes: under READ COMMITTED most increments would be lost.
            await new Promise((resolve) => setTimeout(resolve, 20))
            await manager.query(`UPDATE settings SET value = ? WHERE key = 'counter'`, [String(Number(value) + 1)])
          }),
        ),
      )
      expect(await db.dataSource.query(`SELECT value FROM settings WHERE key = 'counter'`)).toEqual([{ value: String(increments) }])
    } finally {
      await db.close()
    }
  })

  it('runs a panel on the database named in database.json of its data folder, and never logs the password', async () => {
    const dataDir = tempDir()
    const password = 'pw-in-database-json-7c1e'
    writeDatabaseConfig(dataDir, withPassword(await freshPostgresUrl(), password))
    expect(fs.statSync(path.join(dataDir, 'database.json')).mode & 0o777).toBe(0o600)
    const core = await createCore({ dataDir, mode: 'browser', env: {}, logLevel: 'debug' })
    try {
      expect(core.db.kind).toBe('postgres')
      expect(fs.existsSync(path.join(dataDir, 'panel.db'))).toBe(false)
      await core.settings.update({ gologinToken: 'gl-token-on-postgres-1234' })
      const [row] = await core.db.dataSource.query(`SELECT value, secret_value FROM settings WHERE key = 'gologinToken'`)
      expect(row.value).toBeNull()
      expect(row.secret_value).toMatch(/^v2:/)
    } finally {
      await core.close()
    }
    const logged = fs.readdirSync(path.join(dataDir, 'logs')).map((name) => fs.readFileSync(path.join(dataDir, 'logs', name), 'utf8')).join('\n')
    expect(logged).toContain('PostgreSQL chosen by database.json')
    expect(logged).not.toContain(password)
  })

  it('reads rows through the pool in the shape dataSource.query gives, and fails the same way', async () => {
    const db = await openDatabase({ dataDir: tempDir(), keyStore: fixedKeyStore(), log: testLog(), databaseUrl: await freshPostgresUrl() })
    try {
      const sql = `SELECT 'it''s ?' AS text, ? AS n, TRUE AS flag, COUNT(*) AS count, TIMESTAMPTZ '2026-01-02 03:04:05.678+00' AS at FROM profiles WHERE ? = ?`
      const params = [7, 'a', 'a']
      const reader = rowReader(db.dataSource)
      expect(await reader.all(sql, params)).toEqual(await db.dataSource.query(sql, params))
      expect(await reader.get(sql, params)).toEqual({ text: "it's ?", n: '7', flag: 1, count: 0, at: '2026-01-02T03:04:05.678Z' })
      expect(await reader.column('SELECT v FROM (VALUES (?::int), (?::int)) AS t (v) ORDER BY v', [2, 1])).toEqual([1, 2])
      expect(await reader.arrays(sql, params)).toEqual([[ "it's ?", '7', 1, 0, '2026-01-02T03:04:05.678Z']])
      const failure = await reader.all('SELECT * FROM no_such_table').catch((error: unknown) => error)
      expect(failure).toBeInstanceOf(QueryFailedError)
      expect((failure as QueryFailedError).message).toContain('no_such_table')
      // The pool still answers after a failed statement.
      expect(await reader.column('SELECT 1')).toEqual([1])
      // Prepared: the same rows, on the first call and on later ones (the statement already parsed on the connection).
      const prepared = rowReader(db.dataSource, { prepared: true })
      for (let i = 0; i < 3; i++) expect(await prepared.all(sql, params)).toEqual(await db.dataSource.query(sql, params))
      expect(await prepared.column('SELECT v FROM (VALUES (?::int), (?::int)) AS t (v) ORDER BY v', [2, 1])).toEqual([1, 2])
      expect(await prepared.all('SELECT * FROM no_such_table').catch((error: unknown) => error)).toBeInstanceOf(QueryFailedError)
      expect(await prepared.column('SELECT 1')).toEqual([1])
    } finally {
      await db.close()
    }
  })
})
