import 'reflect-metadata'
import fs from 'node:fs'
import path from 'node:path'
import { DataSource, type EntityManager, type MigrationInterface } from 'typeorm'
import { AppException, InfrastructureException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import type { KeyStore } from '../security/key-store'
import { SecretBox, SecretOpenError } from '../security/secret-box'
import { ENTITIES } from './entities'
import { MIGRATION_NAMES, MIGRATIONS } from './migrations'
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
}

export interface Database {
  readonly dataSource: DataSource
  readonly secretBox: SecretBox
  readonly filePath: string
  /**
   * Runs multi-statement writes atomically, holding the connection's write lock (`write-lock.ts`).
   * Statements outside it wait for the lock, so nothing can slip into another caller's transaction and
   * be rolled back with it. Inside `work`, use the given manager.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>
  /** Closes the connection (checkpointing the WAL) and releases the data key. */
  close(): Promise<void>
}

export interface DataSourceOptions {
  busyTimeoutMs?: number
  log?: Logger
  /** Defaults to every migration; tests pass a prefix to build an older schema. */
  migrations?: Array<new () => MigrationInterface>
  /** Path of the better-sqlite3 addon to load instead of the one in node_modules. */
  nativeBinding?: string
}

/** The TypeORM data source: better-sqlite3, WAL, busy timeout, foreign keys, no synchronize. */
export function createDataSource(filePath: string, options: DataSourceOptions = {}): DataSource {
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
  await fs.promises.mkdir(options.dataDir, { recursive: true })
  const filePath = path.join(path.resolve(options.dataDir), options.fileName ?? DATABASE_FILE_NAME)
  const secretBox = new SecretBox(await options.keyStore.loadOrCreateDataKey())
  const releaseKey = activateSecretBox(secretBox)
  const dataSource = createDataSource(filePath, { busyTimeoutMs: options.busyTimeoutMs, log, nativeBinding: options.nativeBinding })
  try {
    await initialize(dataSource, filePath)
    const executed = await executedMigrations(dataSource)
    assertNotTooNew(executed, filePath)
    await verifyDataKey(dataSource, secretBox, options.keyStore.description, filePath)
    const ran = await dataSource.runMigrations({ transaction: 'all' })
    if (ran.length && executed.length) {
      // An upgrade rewrote tables (and sealed legacy plaintext tokens): drop the old pages from the file.
      await dataSource.query('VACUUM')
      await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)')
    }
    await verifyDataKey(dataSource, secretBox, options.keyStore.description, filePath)
    log.info('db.opened', { file: filePath, keyId: secretBox.keyId, migrations: ran.map((m) => m.name) }, ran.length ? `Database ready (${ran.length} migration(s) applied)` : 'Database ready')
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined)
    releaseKey()
    throw error
  }

  const lock = guardConnection(dataSource)
  let closing: Promise<void> | null = null
  return {
    dataSource,
    secretBox,
    filePath,
    transaction: (work) => dataSource.transaction(work),
    close() {
      closing ??= (async () => {
        await lock.idle()
        if (dataSource.isInitialized) await dataSource.destroy()
        releaseKey()
        log.info('db.closed', { file: filePath })
      })()
      return closing
    },
  }
}

async function initialize(dataSource: DataSource, filePath: string): Promise<void> {
  try {
    await dataSource.initialize()
  } catch (error) {
    if (error instanceof AppException) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new InfrastructureException('INTERNAL_ERROR', `Cannot open the database ${filePath}: ${reason}`, { cause: error, details: { file: filePath } })
  }
}

async function tableExists(dataSource: DataSource, table: string): Promise<boolean> {
  const rows: unknown[] = await dataSource.query(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, [table])
  return rows.length > 0
}

async function executedMigrations(dataSource: DataSource): Promise<string[]> {
  if (!(await tableExists(dataSource, 'migrations'))) return []
  const rows: Array<{ name: string }> = await dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "timestamp", "id"`)
  return rows.map((row) => row.name)
}

/** A database that ran migrations this build does not know was written by a newer panel: leave it alone. */
function assertNotTooNew(executed: string[], filePath: string): void {
  const unknown = executed.filter((name) => !MIGRATION_NAMES.includes(name))
  if (unknown.length === 0) return
  const latest = MIGRATION_NAMES[MIGRATION_NAMES.length - 1]
  throw new InfrastructureException(
    'DATABASE_TOO_NEW',
    `The database ${filePath} was written by a newer version of the panel (schema step ${unknown[unknown.length - 1]}; this version knows up to ${latest}). Update the panel to open it; the file was not changed.`,
    { details: { file: filePath, unknownMigrations: unknown, latestKnown: latest } },
  )
}

/**
 * Proves the data key is the one the database's secrets were sealed with, before anything is
 * written with it. A new database gets the proof; a mismatch stops start-up and changes nothing.
 */
async function verifyDataKey(dataSource: DataSource, box: SecretBox, keyDescription: string, filePath: string): Promise<void> {
  if (!(await tableExists(dataSource, 'settings'))) return
  const context = 'settings.secret_value'
  const rows: Array<{ secret_value: string | null }> = await dataSource.query(`SELECT "secret_value" FROM "settings" WHERE "key" = ?`, [KEY_CHECK_KEY])
  const sealed = rows[0]?.secret_value
  if (!sealed) {
    await dataSource.query(`INSERT OR REPLACE INTO "settings" ("key", "value", "secret_value", "updated_at") VALUES (?, NULL, ?, ?)`, [
      KEY_CHECK_KEY,
      box.seal(KEY_CHECK_TEXT, context),
      sqliteDateTime(new Date()),
    ])
    return
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
    `The data key (${keyDescription}) does not match the database ${filePath} (settings row ${KEY_CHECK_KEY}): its secrets were sealed with another key. Restore the key that belongs to this database; nothing was changed or deleted.`,
    { details: { table: 'settings', id: KEY_CHECK_KEY, column: 'secret_value', reason, file: filePath, keyStore: keyDescription } },
  )
}
