import 'reflect-metadata'
import path from 'node:path'
import pRetry from 'p-retry'
import { DataSource, type EntityManager, type MigrationInterface } from 'typeorm'
import { AppException, InfrastructureException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import type { KeyStore } from '../security/key-store'
import { ensurePrivateDirAsync, makePrivate, touchPrivate } from '../security/private-files'
import { SecretBox, SecretOpenError } from '../security/secret-box'
import { isPostgresUrl } from './database-config'
import { withAdvisoryLock } from './host-lock'
import { databaseKind, type DatabaseKind } from './dialect'
import { ENTITIES } from './entities'
import { MIGRATION_NAMES, MIGRATIONS } from './migrations'
import { createPostgresDataSource, describePostgresUrl, guardDataSourceConnections, isTransactionConflict } from './postgres'
import { activateSecretBox, SecretGuardSubscriber } from './secret-column'
import { sqliteDateTime } from './sqlite-handle'
import { TypeOrmLogAdapter } from './typeorm-logger'
import { guardConnection } from './write-lock'

export const DATABASE_FILE_NAME = 'panel.db'
const DEFAULT_BUSY_TIMEOUT_MS = 5_000
/** Settings row whose sealed value proves the data key matches the database. */
export const KEY_CHECK_KEY = '__data_key_check'
const KEY_CHECK_TEXT = 'gologin-panel data key check'

export interface OpenDatabaseOptions {
  /** The app's userData folder (Electron) or `--data-dir` (browser mode, tests). */
  dataDir: string
  keyStore: KeyStore
  log: Logger
  fileName?: string
  busyTimeoutMs?: number
  /** A better-sqlite3 addon built for this runtime (the desktop app's Electron copy); plain Node passes nothing. */
  nativeBinding?: string
  /** `postgres://…` (see `resolveDatabaseChoice`): PostgreSQL instead of the SQLite file in `dataDir`. */
  databaseUrl?: string | null
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number
  /** PostgreSQL: how long one statement may wait for its answer before its connection is dropped (default 30 s). */
  queryTimeoutMs?: number
}

export interface Database {
  readonly kind: DatabaseKind
  readonly dataSource: DataSource
  readonly secretBox: SecretBox
  /** The SQLite file; null on PostgreSQL. */
  readonly filePath: string | null
  /** Where the data lives, for messages and logs: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string
  /**
   * Runs multi-statement writes atomically; inside `work`, use the given manager. SQLite: holding the
   * connection's write lock (`write-lock.ts`), so no statement can slip into another caller's transaction
   * and be rolled back with it. PostgreSQL: on a connection of its own, SERIALIZABLE (as SQLite's one
   * writer at a time is), run again when PostgreSQL reports a conflict — so `work` must only touch the database.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>
  /** Closes the connection (SQLite: checkpointing the WAL; PostgreSQL: the pool) and releases the data key. */
  close(): Promise<void>
}

export interface DataSourceOptions {
  busyTimeoutMs?: number
  log?: Logger
  /** Defaults to every migration; tests pass a prefix to build an older schema. */
  migrations?: Array<new () => MigrationInterface>
  /** Path of the better-sqlite3 addon to load instead of the one in node_modules. */
  nativeBinding?: string
  /** PostgreSQL connections in the pool (default 10). */
  poolSize?: number
  /** PostgreSQL: see `PostgresOptions.queryTimeoutMs`. */
  queryTimeoutMs?: number
}

/**
 * The TypeORM data source for `target`: a `postgres://` URL (see `postgres.ts`), or else the path of the
 * SQLite file (better-sqlite3, WAL, busy timeout, foreign keys). Never synchronize: migrations make the schema.
 */
export function createDataSource(target: string, options: DataSourceOptions = {}): DataSource {
  return isPostgresUrl(target) ? createPostgresDataSource(target, options) : createSqliteDataSource(target, options)
}

function createSqliteDataSource(filePath: string, options: DataSourceOptions): DataSource {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  return new DataSource({
    type: 'better-sqlite3',
    database: filePath,
    entities: ENTITIES,
    migrations: options.migrations ?? MIGRATIONS,
    subscribers: [SecretGuardSubscriber],
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    enableWAL: true,
    timeout: busyTimeoutMs,
    nativeBinding: options.nativeBinding,
    // WAL + NORMAL is durable across app crashes and much faster than FULL for bulk writes.
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL')
    },
    logger: options.log ? new TypeOrmLogAdapter(options.log) : undefined,
    logging: options.log ? ['warn', 'migration'] : false,
    maxQueryExecutionTime: 1_000,
  })
}

/**
 * Opens (creating if needed) the panel's database: loads the data key, refuses a database written
 * by a newer version, checks the key against the database, runs pending migrations, and installs
 * the key for the secret columns.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const log = options.log.child('db')
  await ensurePrivateDirAsync(options.dataDir)
  const url = options.databaseUrl || null
  const filePath = url ? null : path.join(path.resolve(options.dataDir), options.fileName ?? DATABASE_FILE_NAME)
  // SQLite creates -wal, -shm and -journal with the database file's own mode: a 0600 file before it opens makes them all 0600.
  if (filePath) privateSqliteFiles(filePath, true)
  const location = url ? describePostgresUrl(url) : filePath!
  const secretBox = new SecretBox(await options.keyStore.loadOrCreateDataKey())
  const releaseKey = activateSecretBox(secretBox)
  const dataSource = createDataSource(url ?? filePath!, {
    busyTimeoutMs: options.busyTimeoutMs,
    log,
    nativeBinding: options.nativeBinding,
    poolSize: options.poolSize,
    queryTimeoutMs: options.queryTimeoutMs,
  })
  const kind = databaseKind(dataSource)
  try {
    await initialize(dataSource, location)
    const ran = await exclusiveStartUp(dataSource, async () => {
      const executed = await executedMigrations(dataSource)
      assertNotTooNew(executed, location)
      await verifyDataKey(dataSource, secretBox, options.keyStore.description, location)
      const migrated = await dataSource.runMigrations({ transaction: 'all' })
      if (migrated.length && executed.length && kind === 'sqlite') {
        // An upgrade rewrote tables (and sealed legacy plaintext tokens): drop the old pages from the file.
        await dataSource.query('VACUUM')
        await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)')
      }
      await verifyDataKey(dataSource, secretBox, options.keyStore.description, location)
      return migrated
    })
    // Belt and braces for companions an older version left 0644.
    if (filePath) privateSqliteFiles(filePath, false)
    log.info('db.opened', { kind, location, keyId: secretBox.keyId, migrations: ran.map((m) => m.name) }, ran.length ? `Database ready (${ran.length} migration(s) applied)` : 'Database ready')
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined)
    releaseKey()
    throw error
  }

  let transaction: Database['transaction']
  let idle: () => Promise<void>
  if (kind === 'sqlite') {
    const lock = guardConnection(dataSource)
    transaction = (work) => dataSource.transaction(work)
    idle = () => lock.idle()
  } else {
    // Close waits for the transactions under way, as SQLite's waits for its lock.
    const running = new Set<Promise<unknown>>()
    transaction = (work) => {
      const done = serializable(dataSource, work)
      const settled: Promise<unknown> = done.then(
        (): unknown => running.delete(settled),
        (): unknown => running.delete(settled),
      )
      running.add(settled)
      return done
    }
    idle = async () => void (await Promise.all([...running]))
  }
  let closing: Promise<void> | null = null
  return {
    kind,
    dataSource,
    secretBox,
    filePath,
    location,
    transaction,
    close() {
      closing ??= (async () => {
        await idle()
        if (dataSource.isInitialized) await dataSource.destroy()
        releaseKey()
        log.info('db.closed', { location })
      })()
      return closing
    },
  }
}

/** Conflicts PostgreSQL reports on a SERIALIZABLE transaction are retried this often, with a short jittered pause. */
const TRANSACTION_RETRIES = 10

function serializable<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return pRetry(() => dataSource.transaction('SERIALIZABLE', work), {
    retries: TRANSACTION_RETRIES,
    minTimeout: 2,
    maxTimeout: 200,
    randomize: true,
    shouldRetry: ({ error }) => isTransactionConflict(error),
  })
}

/** Arbitrary, fixed: the PostgreSQL advisory lock that lets one host at a time migrate and check the data key. */
const START_UP_LOCK = 0x67_6c_70_6e

/**
 * Start-up (migrations, the data-key check) one host at a time: hosts starting together on one PostgreSQL
 * database wait for each other instead of racing to create the same tables. SQLite: one process anyway.
 */
async function exclusiveStartUp<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  return (await withAdvisoryLock(dataSource, [START_UP_LOCK], 'wait', work)).value
}

async function initialize(dataSource: DataSource, location: string): Promise<void> {
  try {
    await dataSource.initialize()
    if (databaseKind(dataSource) === 'postgres') guardDataSourceConnections(dataSource)
  } catch (error) {
    if (error instanceof AppException) throw error
    // A host name with several addresses fails with an AggregateError whose own message is empty.
    const reason =
      error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join('; ') : error instanceof Error ? error.message || error.name : String(error)
    throw new InfrastructureException('INTERNAL_ERROR', `Cannot open the database ${location}: ${reason}`, { cause: error, details: { database: location } })
  }
}

async function tableExists(dataSource: DataSource, table: string): Promise<boolean> {
  const sql =
    databaseKind(dataSource) === 'sqlite'
      ? `SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`
      : `SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
  const rows: unknown[] = await dataSource.query(sql, [table])
  return rows.length > 0
}

async function executedMigrations(dataSource: DataSource): Promise<string[]> {
  if (!(await tableExists(dataSource, 'migrations'))) return []
  const rows: Array<{ name: string }> = await dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "timestamp", "id"`)
  return rows.map((row) => row.name)
}

/** A database that ran migrations this build does not know was written by a newer panel: leave it alone. */
function assertNotTooNew(executed: string[], location: string): void {
  const unknown = executed.filter((name) => !MIGRATION_NAMES.includes(name))
  if (unknown.length === 0) return
  const latest = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]
  throw new InfrastructureException(
    'DATABASE_TOO_NEW',
    `The database ${location} was written by a newer version of the panel (schema step ${unknown[unknown.length - 1]}; this version knows up to ${latest}). Update the panel to open it; the ${location.startsWith('postgres') ? 'database' : 'file'} was not changed.`,
    { details: { database: location, unknownMigrations: unknown, latestKnown: latest } },
  )
}

/**
 * Proves the data key is the one the database's secrets were sealed with, before anything is
 * written with it. A new database gets the proof; a mismatch stops start-up and changes nothing.
 */
async function verifyDataKey(dataSource: DataSource, box: SecretBox, keyDescription: string, location: string): Promise<void> {
  if (!(await tableExists(dataSource, 'settings'))) return
  const context = 'settings.secret_value'
  const rows: Array<{ secret_value: string | null }> = await dataSource.query(`SELECT "secret_value" FROM "settings" WHERE "key" = ?`, [KEY_CHECK_KEY])
  const sealed = rows[0]?.secret_value
  if (!sealed) {
    // Never over another host's proof (PostgreSQL): if one got there first, the check below judges this key against it.
    await dataSource.query(
      `INSERT INTO "settings" ("key", "value", "secret_value", "updated_at") VALUES (?, NULL, ?, ?)
        ON CONFLICT ("key") DO UPDATE SET "value" = NULL, "secret_value" = excluded."secret_value", "updated_at" = excluded."updated_at"
        WHERE "settings"."secret_value" IS NULL`,
      [KEY_CHECK_KEY, box.seal(KEY_CHECK_TEXT, context), sqliteDateTime(new Date())],
    )
    return verifyDataKey(dataSource, box, keyDescription, location)
  }
  let opened: string | null = null
  let reason = 'wrong_key_or_tampered'
  try {
    opened = box.open(sealed, context)
  } catch (error) {
    if (!(error instanceof SecretOpenError)) throw error
    reason = error.reason
  }
  if (opened === KEY_CHECK_TEXT) return
  throw new InfrastructureException(
    'DATA_DECRYPTION_FAILED',
    `The data key (${keyDescription}) does not match the database ${location} (settings row ${KEY_CHECK_KEY}): its secrets were sealed with another key. Restore the key that belongs to this database; nothing was changed or deleted.`,
    { details: { table: 'settings', id: KEY_CHECK_KEY, column: 'secret_value', reason, database: location, keyStore: keyDescription } },
  )
}

/** The SQLite file 0600 (created empty if `create`: SQLite accepts an empty file as a new database), its companions too. */
function privateSqliteFiles(filePath: string, create: boolean): void {
  if (create) touchPrivate(filePath)
  for (const suffix of ['', '-wal', '-shm', '-journal']) makePrivate(`${filePath}${suffix}`)
}
