/**
 * The data key a host starts with. Normally its own key store's; with `DATA_KEY_FILE` (an exported key file) and
 * `DATA_KEY_PASSPHRASE` set, the key in that file, which the database must accept (its key check) before it is
 * installed in the host's key store in place of the old one (kept in a backup). This is how a headless worker or a new
 * host joins a shared database: `DATA_KEY_FILE=… DATA_KEY_PASSPHRASE_FILE=… npm run worker …`, once or every time.
 * The passphrase comes from a file (`DATA_KEY_PASSPHRASE_FILE`, e.g. a systemd credential) or from the environment.
 */
import fs from 'node:fs/promises'
import path from 'node:path'
import { AppException, InfrastructureException, ValidationException } from '../../shared/errors'
import { KEY_CHECK_KEY } from '../db/data-source'
import type { Logger } from '../logging/logger'
import { DATA_KEY_FILE_MAX_BYTES, openDataKeyFile, tooLargeForKeyFile } from './data-key-file'
import type { KeyStore } from './key-store'

export const DATA_KEY_FILE_ENV = 'DATA_KEY_FILE'
export const DATA_KEY_PASSPHRASE_ENV = 'DATA_KEY_PASSPHRASE'
export const DATA_KEY_PASSPHRASE_FILE_ENV = 'DATA_KEY_PASSPHRASE_FILE'
/** A passphrase file is one line; anything bigger is not one. */
const PASSPHRASE_FILE_MAX_BYTES = 4096

export interface StartupKey {
  /** What to open the database with: yields the imported key when `DATA_KEY_FILE` is set, else the host's own. */
  readonly keyStore: KeyStore
  /** The key the database was opened with (after `keyStore.loadOrCreateDataKey()` resolved). */
  key(): Buffer
  /** Once the database has accepted the key: installs an imported key in the host's key store (no-op otherwise). */
  install(): Promise<void>
  /** Whether the key came from `DATA_KEY_FILE`. */
  readonly imported: boolean
}

export interface StartupKeyOptions {
  env: NodeJS.ProcessEnv
  /** The host's own key store. */
  keyStore: KeyStore
  log: Logger
  /** Registers the passphrase with the log redactor. */
  onSecret?(value: string): void
}

export async function startupKey(options: StartupKeyOptions): Promise<StartupKey> {
  const { env, keyStore: own, log } = options
  const file = env[DATA_KEY_FILE_ENV]?.trim()
  if (!file) return passThrough(own)
  const passphrase = await startupPassphrase(env)
  options.onSecret?.(passphrase)
  const resolved = path.resolve(file)
  const opened = await readKeyFile(resolved)
    .then((content) => openDataKeyFile(content, passphrase))
    .catch((error: unknown) => {
      if (error instanceof AppException) throw new ValidationException(`${DATA_KEY_FILE_ENV}=${resolved}: ${error.message}`, { ...error.details, field: DATA_KEY_FILE_ENV })
      throw error
    })
  const key = opened.key
  return {
    imported: true,
    keyStore: {
      description: `the data key from ${DATA_KEY_FILE_ENV}=${resolved} (fingerprint ${opened.keyId})`,
      get protection() {
        return own.protection
      },
      loadOrCreateDataKey: () => Promise.resolve(Buffer.from(key)),
    },
    key: () => key,
    async install() {
      if (!own.replaceDataKey) {
        log.warn('data_key.import_not_stored', { keyId: opened.keyId }, `The key from ${DATA_KEY_FILE_ENV} is used for this run only: ${own.description} cannot store it`)
        return
      }
      try {
        const stored = await own.readDataKey?.().catch(() => null)
        if (stored?.equals(key)) {
          log.info('data_key.import_unchanged', { keyId: opened.keyId }, `The key from ${DATA_KEY_FILE_ENV} (${opened.keyId}) is already this host's key`)
          return
        }
        const { backup } = await own.replaceDataKey(key)
        log.info('data_key.imported', { keyId: opened.keyId, backup, from: resolved }, `Installed the data key from ${DATA_KEY_FILE_ENV} (${opened.keyId}) in ${own.description}`)
      } catch (error) {
        // The database accepted the key, so this run works; only the next start without DATA_KEY_FILE is at risk.
        log.error('data_key.import_store_failed', { keyId: opened.keyId, err: error }, `The key from ${DATA_KEY_FILE_ENV} opened the database but could not be stored in ${own.description}; keep ${DATA_KEY_FILE_ENV} set`)
      }
    },
  }
}

function passThrough(own: KeyStore): StartupKey {
  let key: Buffer | null = null
  return {
    imported: false,
    keyStore: {
      get description() {
        return own.description
      },
      get protection() {
        return own.protection
      },
      loadOrCreateDataKey: async () => (key = await own.loadOrCreateDataKey()),
    },
    key: () => {
      if (!key) throw new Error('The data key has not been loaded yet')
      return key
    },
    install: () => Promise.resolve(),
  }
}

/** The passphrase of `DATA_KEY_FILE`: from `DATA_KEY_PASSPHRASE_FILE` (one trailing newline dropped), else the environment. */
async function startupPassphrase(env: NodeJS.ProcessEnv): Promise<string> {
  const file = env[DATA_KEY_PASSPHRASE_FILE_ENV]?.trim()
  const inline = env[DATA_KEY_PASSPHRASE_ENV]
  if (file && inline) {
    throw new ValidationException(`Both ${DATA_KEY_PASSPHRASE_FILE_ENV} and ${DATA_KEY_PASSPHRASE_ENV} are set: keep one (the file is safer).`, {
      field: DATA_KEY_PASSPHRASE_FILE_ENV,
    })
  }
  if (!file) {
    if (inline) return inline
    throw new ValidationException(
      `${DATA_KEY_FILE_ENV} is set but its passphrase is not: put the passphrase the key was exported with in a 0600 file named by ${DATA_KEY_PASSPHRASE_FILE_ENV} (or in ${DATA_KEY_PASSPHRASE_ENV}).`,
      { field: DATA_KEY_PASSPHRASE_FILE_ENV },
    )
  }
  const resolved = path.resolve(file)
  const refused = (reason: string) => new ValidationException(`${DATA_KEY_PASSPHRASE_FILE_ENV}=${resolved} ${reason}.`, { field: DATA_KEY_PASSPHRASE_FILE_ENV })
  let text: string
  try {
    const stat = await fs.stat(resolved)
    if (!stat.isFile() || stat.size > PASSPHRASE_FILE_MAX_BYTES) throw refused('is not a one-line passphrase file')
    text = await fs.readFile(resolved, 'utf8')
  } catch (error) {
    if (error instanceof AppException) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw refused(`cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')})`)
  }
  // `echo pass > file` adds one newline; anything else is part of the passphrase.
  const passphrase = text.replace(/\r?\n$/, '')
  if (!passphrase) throw refused('is empty')
  return passphrase
}

async function readKeyFile(file: string): Promise<Buffer> {
  try {
    const stat = await fs.stat(file)
    if (!stat.isFile()) throw new ValidationException('it is not a file.')
    if (stat.size > DATA_KEY_FILE_MAX_BYTES) throw tooLargeForKeyFile(stat.size)
    return await fs.readFile(file)
  } catch (error) {
    if (error instanceof AppException) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new ValidationException(`the file cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')}).`)
  }
}

/**
 * A database that refuses this host's key may simply be shared with a host whose key this one lacks: the start-up
 * error then also says how to bring that key here.
 */
export function withKeyImportHint(error: unknown, startup: Pick<StartupKey, 'imported'>): unknown {
  if (startup.imported) return error
  if (!(error instanceof InfrastructureException) || error.code !== 'DATA_DECRYPTION_FAILED' || error.details?.id !== KEY_CHECK_KEY) return error
  return new InfrastructureException(
    error.code,
    `${error.message} If another host uses this database, export the data key there (Settings → About and security → Export data key…) and start this host once with ${DATA_KEY_FILE_ENV} and ${DATA_KEY_PASSPHRASE_FILE_ENV} (or ${DATA_KEY_PASSPHRASE_ENV}) set.`,
    { cause: error, details: error.details },
  )
}
