import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { DataSource } from 'typeorm'
import { describe, expect, it } from 'vitest'
import {
  ApiKeyEntity,
  AuthorizationSessionEntity,
  createDataSource,
  DATABASE_FILE_NAME,
  MIGRATION_NAMES,
  MIGRATIONS,
  ProfileEntity,
  type Database,
} from '../../../src/main/db'
import { tempDir } from '../../helpers/temp-dir'
import { databaseUrlFor, onPostgres, storedBytes } from '../../helpers/test-database'
import { openTestDb, rawDatabaseBytes } from './test-db'
import { indexesOf, tableColumns } from './schema'

type Row = Record<string, unknown>

/** The data source of a folder's database at an older schema step (SQLite file, or its PostgreSQL database). */
async function olderDatabase(dir: string, steps: number): Promise<DataSource> {
  const old = createDataSource((await databaseUrlFor(dir)) ?? path.join(dir, DATABASE_FILE_NAME), { migrations: MIGRATIONS.slice(0, steps) })
  await old.initialize()
  await old.runMigrations()
  return old
}

/** Everything stored, for "unchanged" checks: SQLite's file; PostgreSQL's rows, read on a connection of its own. */
async function contentsOf(db: Pick<Database, 'dataSource' | 'filePath'> & { dir: string }): Promise<string> {
  if (db.filePath) return createHash('sha256').update(fs.readFileSync(db.filePath)).digest('hex')
  const ds = createDataSource((await databaseUrlFor(db.dir))!)
  await ds.initialize()
  try {
    return createHash('sha256').update(await storedBytes({ kind: 'postgres', filePath: null, dataSource: ds })).digest('hex')
  } finally {
    await ds.destroy()
  }
}

describe('migrations', () => {
  it('bring an empty database to the latest schema, matching every entity column and index', async () => {
    const db = await openTestDb()
    try {
      const ds = db.dataSource
      const executed: Row[] = await ds.query('SELECT name FROM migrations ORDER BY id')
      expect(executed.map((row) => row.name)).toEqual(MIGRATION_NAMES)

      for (const meta of ds.entityMetadatas) {
        const columns = await tableColumns(ds, meta.tableName)
        const byName = new Map(columns.map((c) => [c.name, c]))
        for (const column of meta.columns) {
          const found = byName.get(column.databaseName)
          expect(found, `${meta.tableName}.${column.databaseName}`).toBeDefined()
          // NOT NULL in the table exactly when the entity says the column cannot be null (primary keys aside).
          if (!column.isPrimary) expect(found!.notNull, `${meta.tableName}.${column.databaseName} nullability`).toBe(!column.isNullable)
        }
        expect(columns.length, `${meta.tableName} has no columns the entity does not know`).toBe(meta.columns.length)
        const indexes = await indexesOf(ds, meta.tableName)
        for (const index of meta.indices) {
          const found = indexes.find((i) => i.name === index.name)
          expect(found, `index ${index.name}`).toBeDefined()
          expect(found!.unique).toBe(index.isUnique)
        }
      }

      const indexColumns = async (name: string) => (await indexesOf(ds)).find((index) => index.name === name)?.columns
      expect(await indexColumns('ix_profiles_profile_id')).toEqual(['profile_id'])
      expect(await indexColumns('ix_profiles_twitter_username')).toEqual(['twitter_username'])
      expect(await indexColumns('ix_authorization_sessions_status')).toEqual(['status'])
      expect(await indexColumns('ix_authorization_sessions_batch_id')).toEqual(['batch_id'])
      expect(await indexColumns('ix_authorization_sessions_account')).toEqual(['twitter_username', 'api_app'])
    } finally {
      await db.close()
    }
  })

  if (!onPostgres) {
    it('run with WAL, foreign keys and a busy timeout', async () => {
      const db = await openTestDb()
      try {
        const pragma = async (name: string) => Object.values(((await db.dataSource.query(`PRAGMA ${name}`)) as Row[])[0])[0]
        expect(await pragma('journal_mode')).toBe('wal')
        expect(await pragma('foreign_keys')).toBe(1)
        expect(await pragma('busy_timeout')).toBe(5000)
      } finally {
        await db.close()
      }
    })
  }

  it('upgrade a database left at 0002 (the origin service) without losing or changing a row', async () => {
    const dir = tempDir()
    const old = await olderDatabase(dir, 2)
    const profiles = [
      [1, 'gl-aaa', '0001', 'Alice_1', 'AIOTT1', 1, 0, '2024-01-03 10:00:00'],
      [2, 'gl-bbb', '0002', null, null, 0, 1, '2024-01-03 10:00:01'],
      [7, 'gl-ccc', '0003', 'carol', 'AIOTT2', 1, 0, '2024-01-03 10:00:02'],
    ]
    for (const p of profiles) {
      await old.query(
        'INSERT INTO profiles (id, profile_id, profile_name, twitter_username, api_app, is_active, in_use, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        p,
      )
    }
    const plaintextToken = 'origin-plaintext-access-token-7f3a9c'
    await old.query(
      `INSERT INTO authorization_sessions (id, session_id, profile_id, twitter_username, api_app, access_token, status, error_message, created_at, completed_at, expires_at)
       VALUES (1, 'sess-1', 'gl-aaa', 'Alice_1', 'AIOTT1', ?, 'completed', NULL, '2024-01-04 09:00:00', '2024-01-04 09:01:00', '2024-01-04 11:01:00'),
              (2, 'sess-2', 'gl-ccc', 'carol', 'AIOTT2', NULL, 'failed', 'Consent button missing', '2024-01-04 09:05:00', NULL, NULL)`,
      [plaintextToken],
    )
    await old.query(`INSERT INTO api_keys (id, name, key_hash, is_active, created_at) VALUES (1, 'ci', 'hash-1', TRUE, '2024-01-05 00:00:00'), (2, 'old', 'hash-2', FALSE, '2024-01-05 00:00:01')`)
    await old.destroy()

    const db = await openTestDb({ dir })
    try {
      const executed: Row[] = await db.dataSource.query('SELECT name FROM migrations ORDER BY id')
      expect(executed.map((row) => row.name)).toEqual(MIGRATION_NAMES)

      const stored = await db.dataSource.getRepository(ProfileEntity).find({ order: { id: 'ASC' } })
      expect(stored.map((p) => [p.id, p.profileId, p.profileName, p.twitterUsername, p.apiApp, p.isActive ? 1 : 0, p.inUse ? 1 : 0])).toEqual(
        profiles.map((p) => p.slice(0, 7)),
      )
      expect(stored.map((p) => p.createdAt.toISOString())).toEqual(['2024-01-03T10:00:00.000Z', '2024-01-03T10:00:01.000Z', '2024-01-03T10:00:02.000Z'])
      // Mappings made with the origin service count as the operator's: a sync never overwrites them.
      expect(stored.map((p) => p.mappingSource)).toEqual(['import', null, 'import'])

      const sessions = await db.dataSource.getRepository(AuthorizationSessionEntity).find({ order: { id: 'ASC' } })
      expect(sessions.map((s) => [s.id, s.sessionId, s.profileId, s.twitterUsername, s.apiApp, s.status, s.errorMessage, s.attempt])).toEqual([
        [1, 'sess-1', 'gl-aaa', 'Alice_1', 'AIOTT1', 'completed', null, 1],
        [2, 'sess-2', 'gl-ccc', 'carol', 'AIOTT2', 'failed', 'Consent button missing', 1],
      ])
      expect(sessions[0].accessToken).toBe(plaintextToken)
      expect(sessions[0].tokenStatus).toBe('valid')
      expect(sessions[0].expiresAt?.toISOString()).toBe('2024-01-04T11:01:00.000Z')
      expect(sessions[0].completedAt?.toISOString()).toBe('2024-01-04T09:01:00.000Z')

      const keys = await db.dataSource.getRepository(ApiKeyEntity).find({ order: { id: 'ASC' } })
      expect(keys.map((k) => [k.id, k.name, k.keyHash, k.revokedAt === null])).toEqual([
        [1, 'ci', 'hash-1', true],
        [2, 'old', 'hash-2', false],
      ])

      // The origin kept tokens in plaintext; after the upgrade the database holds only ciphertext.
      expect((await storedBytes(db)).includes(plaintextToken)).toBe(false)

      // New rows get ids after the copied ones (PostgreSQL: the identity sequence continues past them).
      const next = await db.dataSource.getRepository(ProfileEntity).save({ profileId: 'gl-new', profileName: 'new' })
      expect(next.id).toBe(8)
      const nextKey = await db.dataSource.getRepository(ApiKeyEntity).save({ name: 'new', keyHash: 'hash-3' })
      expect(nextKey.id).toBe(3)
    } finally {
      await db.close()
    }
    if (db.filePath) expect(rawDatabaseBytes(db.filePath).includes(plaintextToken)).toBe(false)
  })

  it('upgrade a database left at 0007 with sessions and profiles: claims columns start empty, batches and hosts start empty', async () => {
    const dir = tempDir()
    const old = await olderDatabase(dir, 7)
    await old.query(`INSERT INTO profiles (id, profile_id, profile_name, twitter_username, api_app, in_use) VALUES (1, 'gl-1', '0001', 'alice', 'AIOTT1', TRUE), (2, 'gl-2', '0002', 'bob', 'AIOTT1', FALSE)`)
    await old.query(
      `INSERT INTO authorization_sessions (id, session_id, batch_id, profile_id, twitter_username, api_app, status, error_code, error_message, attempt, created_at)
       VALUES (1, 'sess-1', 'batch-1', 'gl-1', 'alice', 'AIOTT1', 'failed', 'X_LOGGED_OUT', 'Logged out', 1, '2026-01-04 09:00:00'),
              (2, 'sess-2', 'batch-1', 'gl-2', 'bob', 'AIOTT1', 'pending', NULL, NULL, 2, '2026-01-04 09:00:01')`,
    )
    await old.destroy()

    const db = await openTestDb({ dir })
    try {
      const executed: Row[] = await db.dataSource.query('SELECT name FROM migrations ORDER BY id')
      expect(executed.map((row) => row.name)).toEqual(MIGRATION_NAMES)
      const sessions = await db.dataSource.getRepository(AuthorizationSessionEntity).find({ order: { id: 'ASC' } })
      expect(sessions.map((s) => [s.sessionId, s.batchId, s.status, s.errorCode, s.errorMessage, s.attempt, s.claimedBy, s.leaseUntil, s.claims, s.requeues])).toEqual([
        ['sess-1', 'batch-1', 'failed', 'X_LOGGED_OUT', 'Logged out', 1, null, null, 0, 0],
        ['sess-2', 'batch-1', 'pending', null, null, 2, null, null, 0, 0],
      ])
      const profiles = await db.dataSource.getRepository(ProfileEntity).find({ order: { id: 'ASC' } })
      expect(profiles.map((p) => [p.profileId, p.inUse, p.inUseBy])).toEqual([
        ['gl-1', true, null],
        ['gl-2', false, null],
      ])
      expect(await db.dataSource.query('SELECT * FROM batches')).toEqual([])
      expect(await db.dataSource.query('SELECT * FROM hosts')).toEqual([])
      expect((await tableColumns(db.dataSource, 'batches')).map((c) => c.name)).toEqual(['id', 'api_app', 'state', 'retry_of', 'skipped', 'created_by', 'created_at', 'finished_at'])
      expect((await tableColumns(db.dataSource, 'hosts')).map((c) => c.name)).toEqual(['host_id', 'started_at', 'heartbeat_at', 'slots', 'launcher', 'running', 'summary', 'declared_dead_at', 'released_profiles', 'drain_request', 'drain_requested_at', 'drain_requested_by'])
    } finally {
      await db.close()
    }
  })

  it('drop a proxy password that an older version kept in profile metadata when upgrading from 0004', async () => {
    const dir = tempDir()
    const old = await olderDatabase(dir, 4)
    await old.query(
      `INSERT INTO profiles (id, profile_id, profile_name, metadata, last_synced) VALUES
        (1, 'gl-1', '0001', '{"proxy":{"mode":"http","host":"10.0.0.1","port":8080,"password":"hunter2-proxy"},"folder":"A"}', '2024-01-21 00:00:00'),
        (2, 'gl-2', '0002', 'not json at all', NULL)`,
    )
    await old.destroy()

    const db = await openTestDb({ dir })
    try {
      const rows = await db.dataSource.getRepository(ProfileEntity).find({ order: { id: 'ASC' } })
      expect(rows[0].metadata).toEqual({ proxy: { mode: 'http', host: '10.0.0.1', port: 8080 }, folder: 'A' })
      expect(rows[0].lastSynced?.toISOString()).toBe('2024-01-21T00:00:00.000Z')
      expect(rows[1].metadata).toEqual({ legacy: 'not json at all' })
      expect((await storedBytes(db)).includes('hunter2-proxy')).toBe(false)
    } finally {
      await db.close()
    }
  })

  it('refuse a database written by a newer version with DATABASE_TOO_NEW and leave it unchanged', async () => {
    const first = await openTestDb()
    await first.dataSource.query(`INSERT INTO migrations (timestamp, name) VALUES (?, ?)`, [4102444800000, 'FutureThing4102444800000'])
    await first.close()
    const hash = () => contentsOf(first)
    const before = await hash()

    const error = await openTestDb({ dir: first.dir, keyStore: first.keyStore }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DATABASE_TOO_NEW' })
    expect((error as Error).message).toContain('newer version of the panel')
    expect((error as Error).message).toContain('FutureThing4102444800000')
    expect(await hash()).toBe(before)
  })

  if (!onPostgres) {
    it('say clearly when the file is not a database', async () => {
      const dir = tempDir()
      fs.writeFileSync(path.join(dir, DATABASE_FILE_NAME), 'this is not sqlite '.repeat(100))
      const error = await openTestDb({ dir }).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 'INTERNAL_ERROR' })
      expect((error as Error).message).toMatch(/Cannot open the database .*panel\.db/)
    })
  }
})
