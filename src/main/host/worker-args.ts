/**
 * The command line of a headless worker host (`npm run worker -- …`): a machine that joins a shared
 * PostgreSQL database, claims authorizations and runs them in its own profile slots, with no window.
 * Secrets never go on the command line (other users see it in `ps`): the database password may be in the
 * URL or in PGPASSWORD, the data key comes from DATA_KEY_FILE + DATA_KEY_PASSPHRASE (see the README).
 */
import { createHash } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { LOG_LEVELS, type LogLevel } from '../../shared/contract/logs'
import { ValidationException } from '../../shared/errors'
import { isPostgresUrl } from '../db/database-config'

export interface WorkerArgs {
  dataDir: string
  /** From `--database-url`; null: DATABASE_URL, then the data folder's database.json decide (it must be PostgreSQL). */
  databaseUrl: string | null
  /** This host's profile slots (overrides the shared `maxConcurrentProfiles` setting here only); null: the setting. */
  slots: number | null
  hostId: string
  logLevel: LogLevel
  /** `--copy-from-sqlite DIR`: copy that data folder's SQLite file into the shared database, then exit. */
  copyFromSqlite: string | null
}

export const WORKER_USAGE =
  'Usage: npm run worker -- --data-dir DIR [--database-url postgres://…] [--slots N] [--host-id NAME] [--log-level debug|info|warn|error] [--copy-from-sqlite DIR]'
export const WORKER_HELP = `${WORKER_USAGE}

A headless worker host: joins a shared PostgreSQL database, claims the pending authorizations of every
panel's batches and runs them in its own profile slots. Prints WORKER_READY host=… slots=… once it claims
work; logs JSON lines to stderr; SIGTERM hands its running attempts back and stops its profiles.

  --data-dir DIR          the worker's own folder (data key, logs, profile journal, host.json)
  --database-url URL      postgres://user@host:5432/db (else DATABASE_URL, else DIR/database.json)
  --slots N               profiles this host runs at once (else host.json, else the shared setting)
  --host-id NAME          its name among the hosts (default: the machine's name and a digest of DIR)
  --log-level LEVEL       debug, info, warn or error (default info)
  --copy-from-sqlite DIR  copy DIR/panel.db (profiles, mappings, API apps, finished sessions and their
                          tokens, settings) into the shared database, re-encrypted under its key, then exit;
                          the key that opens it is DIR's data.key or one of its backups
  -h, --help              this text

Secrets never go on the command line: the password may be in PGPASSWORD, the data key comes from
DATA_KEY_FILE + DATA_KEY_PASSPHRASE at the first start. Environment variables: see the README.`

/** The same bounds as the `maxConcurrentProfiles` setting. */
export const MAX_WORKER_SLOTS = 50
const HOST_ID = /^[\w.:@/-]{1,100}$/

export function parseWorkerArgs(argv: string[]): WorkerArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        slots: { type: 'string' },
        'host-id': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'copy-from-sqlite': { type: 'string' },
      },
      strict: true,
    }))
  } catch (error) {
    throw new ValidationException(`${(error as Error).message}. ${WORKER_USAGE}`)
  }
  const dataDir = values['data-dir']?.trim()
  if (!dataDir) throw new ValidationException(`--data-dir is required (the worker's own folder: its key file, logs and profile journal). ${WORKER_USAGE}`, { field: 'data-dir' })
  const databaseUrl = values['database-url']?.trim() || null
  if (databaseUrl !== null && !isPostgresUrl(databaseUrl)) {
    // The value is not echoed: it may hold a password.
    throw new ValidationException('--database-url must be a postgres:// or postgresql:// URL (a worker joins a shared PostgreSQL database)', { field: 'database-url' })
  }
  let slots: number | null = null
  if (values.slots !== undefined) {
    slots = Number(values.slots)
    if (!Number.isInteger(slots) || slots < 1 || slots > MAX_WORKER_SLOTS) {
      throw new ValidationException(`--slots must be a whole number from 1 to ${MAX_WORKER_SLOTS}, got "${values.slots}"`, { field: 'slots' })
    }
  }
  const hostId = values['host-id']?.trim() || defaultWorkerHostId(dataDir)
  if (!HOST_ID.test(hostId)) {
    throw new ValidationException(`--host-id must be 1 to 100 letters, digits or . _ - : @ /, got "${hostId}"`, { field: 'host-id' })
  }
  const logLevel = values['log-level'] as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new ValidationException(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${values['log-level']}"`, { field: 'log-level' })
  const copyFrom = values['copy-from-sqlite']?.trim()
  if (values['copy-from-sqlite'] !== undefined && !copyFrom) throw new ValidationException('--copy-from-sqlite needs the data folder whose panel.db to copy', { field: 'copy-from-sqlite' })
  return { dataDir: path.resolve(dataDir), databaseUrl, slots, hostId, logLevel, copyFromSqlite: copyFrom ? path.resolve(copyFrom) : null }
}

/**
 * A worker's name among the hosts of its database, the same at every start of the same data folder (a restarted
 * worker is the host whose journal stops the profiles it left running): the machine's name and a short digest
 * of the folder, so two workers of one machine differ.
 */
export function defaultWorkerHostId(dataDir: string, hostname = os.hostname()): string {
  const digest = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8)
  const name = hostname.replace(/[^\w.-]/g, '-').slice(0, 80) || 'host'
  return `${name}:${digest}`
}
