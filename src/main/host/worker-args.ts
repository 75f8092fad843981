/**
 * The command line of a headless worker host (`npm run worker -- …`): a machine that joins a shared
 * PostgreSQL database, claims authorizations and runs them in its own profile slots, with no window.
 * Secrets never go on the command line (every local user sees it in `ps` and /proc/PID/cmdline): a database URL
 * with a password comes from DATABASE_URL or `--database-url-file`, or the password from ~/.pgpass; the data key
 * from DATA_KEY_FILE + DATA_KEY_PASSPHRASE(_FILE) (see the README).
 */
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { LOG_LEVELS, type LogLevel } from '../../shared/contract/logs'
import { ValidationException } from '../../shared/errors'
import { isPostgresUrl } from '../db/database-config'

export interface WorkerArgs {
  dataDir: string
  /** From `--database-url` (never with a password); null: the file below, DATABASE_URL, then database.json decide. */
  databaseUrl: string | null
  /** `--database-url-file`: a file (0600) holding the URL, password included; read by `readDatabaseUrlFile`. */
  databaseUrlFile: string | null
  /** This host's profile slots (overrides the shared `maxConcurrentProfiles` setting here only); null: the setting. */
  slots: number | null
  hostId: string
  logLevel: LogLevel
  /** `--copy-from-sqlite DIR`: copy that data folder's SQLite file into the shared database, then exit. */
  copyFromSqlite: string | null
  /** `--metrics-port N` (0: any free port): where /metrics, /health and /ready listen; null: not served. */
  metricsPort: number | null
  /** `--metrics-host ADDR`: the address of that listener (default 127.0.0.1). */
  metricsHost: string
}

export const WORKER_USAGE =
  'Usage: npm run worker -- --data-dir DIR [--database-url-file FILE | --database-url postgres://user@host/db] [--slots N] [--host-id NAME] [--log-level debug|info|warn|error] [--metrics-port N [--metrics-host ADDR]] [--copy-from-sqlite DIR]'
export const WORKER_HELP = `${WORKER_USAGE}

A headless worker host: joins a shared PostgreSQL database, claims the pending authorizations of every
panel's batches and runs them in its own profile slots. Prints WORKER_READY host=… slots=… once it claims
work; logs JSON lines to stderr; SIGTERM hands its running attempts back and stops its profiles.

  --data-dir DIR            the worker's own folder (data key, logs, profile journal, host.json)
  --database-url-file FILE  a file (chmod 600) holding the database URL, password included
  --database-url URL        postgres://user@host:5432/db, without a password (refused with one: the
                            password goes in the file above, DATABASE_URL or ~/.pgpass);
                            else DATABASE_URL, else DIR/database.json
  --slots N                 profiles this host runs at once (else host.json, else the shared setting)
  --host-id NAME            its name among the hosts (default: the machine's name and a digest of DIR)
  --log-level LEVEL         debug, info, warn or error (default info)
  --metrics-port N          serve /metrics (Prometheus), /health and /ready on this port (0: a free one,
                            printed as METRICS_URL=…); off without it
  --metrics-host ADDR       the address of that listener (default 127.0.0.1; another address exposes it
                            without a key: nothing in it is secret, but keep it on a private network)
  --copy-from-sqlite DIR    copy DIR/panel.db (profiles, mappings, API apps, finished sessions and their
                            tokens, settings) into the shared database, re-encrypted under its key, then exit;
                            the key that opens it is DIR's data.key or one of its backups
  -h, --help                this text

Secrets never go on the command line: the database URL with its password comes from --database-url-file,
DATABASE_URL or ~/.pgpass; the data key from DATA_KEY_FILE + DATA_KEY_PASSPHRASE or DATA_KEY_PASSPHRASE_FILE
at the first start. Environment variables: see the README.`

/** The same bounds as the `maxConcurrentProfiles` setting. */
export const MAX_WORKER_SLOTS = 50
const HOST_ID = /^[\w.:@/-]{1,100}$/
const METRICS_HOST = /^(\[[0-9a-f:.]+\]|[0-9a-f:.]+|[a-z0-9.-]{1,253})$/i

export function parseWorkerArgs(argv: string[]): WorkerArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        'database-url-file': { type: 'string' },
        slots: { type: 'string' },
        'host-id': { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        'copy-from-sqlite': { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
      },
      strict: true,
    }))
  } catch (error) {
    throw new ValidationException(`${(error as Error).message}. ${WORKER_USAGE}`)
  }
  const dataDir = values['data-dir']?.trim()
  if (!dataDir) throw new ValidationException(`--data-dir is required (the worker's own folder: its key file, logs and profile journal). ${WORKER_USAGE}`, { field: 'data-dir' })
  const databaseUrl = values['database-url']?.trim() || null
  const databaseUrlFile = values['database-url-file']?.trim() || null
  if (databaseUrl !== null) {
    // The value is not echoed: it may hold a password.
    if (!isPostgresUrl(databaseUrl)) {
      throw new ValidationException('--database-url must be a postgres:// or postgresql:// URL (a worker joins a shared PostgreSQL database)', { field: 'database-url' })
    }
    if (hasPassword(databaseUrl)) throw new ValidationException(PASSWORD_IN_ARGV, { field: 'database-url' })
    if (databaseUrlFile !== null) throw new ValidationException('Give --database-url or --database-url-file, not both', { field: 'database-url-file' })
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
  let metricsPort: number | null = null
  if (values['metrics-port'] !== undefined) {
    metricsPort = Number(values['metrics-port'])
    if (values['metrics-port'].trim() === '' || !Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535) {
      throw new ValidationException(`--metrics-port must be a port number from 0 to 65535, got "${values['metrics-port']}"`, { field: 'metrics-port' })
    }
  }
  const metricsHost = values['metrics-host']?.trim() || '127.0.0.1'
  if (values['metrics-host'] !== undefined && metricsPort === null) throw new ValidationException('--metrics-host needs --metrics-port (the listener is off without it)', { field: 'metrics-host' })
  if (!METRICS_HOST.test(metricsHost)) throw new ValidationException(`--metrics-host must be an IP address or host name, got "${metricsHost}"`, { field: 'metrics-host' })
  return {
    dataDir: path.resolve(dataDir),
    databaseUrl,
    databaseUrlFile: databaseUrlFile && path.resolve(databaseUrlFile),
    slots,
    hostId,
    logLevel,
    copyFromSqlite: copyFrom ? path.resolve(copyFrom) : null,
    metricsPort,
    metricsHost,
  }
}

export const PASSWORD_IN_ARGV =
  '--database-url holds a password, which every user of this machine can read on its command line (ps, /proc/PID/cmdline); ' +
  'nothing was started. Put the URL in a 0600 file and pass --database-url-file FILE, or set DATABASE_URL, ' +
  'or keep the password in ~/.pgpass and give the URL without it'

/** Whether a postgres URL carries a password (in its user part, or as a `password=` parameter). */
export function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.password !== '' || parsed.searchParams.has('password')
  } catch {
    // Not parseable here: look for user:password@ the way a reader of ps would.
    return /^[a-z]+:\/\/[^/@:]*:[^/@]+@/i.test(url) || /[?&]password=/i.test(url)
  }
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

const URL_FILE_MAX_BYTES = 4096

/**
 * Reads `--database-url-file`: one postgres URL (surrounding blank space ignored). A file others can read is used
 * but named in `warning`, since it holds the password. Messages never echo the file's content.
 */
export function readDatabaseUrlFile(file: string): { url: string; warning: string | null } {
  let stat: fs.Stats
  let text: string
  try {
    stat = fs.statSync(file)
    if (!stat.isFile()) throw new ValidationException(`--database-url-file ${file} is not a file`, { field: 'database-url-file' })
    if (stat.size > URL_FILE_MAX_BYTES) throw new ValidationException(`--database-url-file ${file} is ${stat.size} bytes; it should hold one postgres:// URL`, { field: 'database-url-file' })
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if (error instanceof ValidationException) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new ValidationException(`--database-url-file ${file} cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`, { field: 'database-url-file' })
  }
  const url = text.trim()
  if (!isPostgresUrl(url)) {
    throw new ValidationException(`--database-url-file ${file} must hold one postgres:// or postgresql:// URL`, { field: 'database-url-file' })
  }
  const shared = process.platform !== 'win32' && (stat.mode & 0o077) !== 0
  return { url, warning: shared ? `${file} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it` : null }
}
