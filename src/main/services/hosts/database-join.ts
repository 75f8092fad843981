/**
 * Settings → Database and hosts: point this host at a shared PostgreSQL database (database.json) without environment
 * variables, bring the data key of that database here from an exported key file, go back to this machine's SQLite,
 * and this host's own slots (host.json).
 *
 * Rules kept here:
 * - The URL's password never reaches a log line, an error or an answer: answers and messages name the database by
 *   `describePostgresUrl`, driver messages are scrubbed, and the password is registered with the log redactor.
 * - The key file's key must open the *target* database's key check (not the current database's) before it is
 *   installed; nothing is written when any check fails, and a failed step undoes the ones before it.
 * - A key replaced on joining stays in the key store's backup; going back to SQLite restores the backup that opens
 *   the SQLite file when the current key does not, or refuses (nothing changed) naming what to do.
 */
import fs from 'node:fs'
import path from 'node:path'
import { Mutex } from 'async-mutex'
import pg from 'pg'
import type {
  DatabaseJoinResult,
  DatabaseLeaveResult,
  DatabaseLocation,
  DatabaseTestResult,
  HostDatabaseStatus,
} from '../../../shared/contract/hosts'
import { InfrastructureException, ValidationException } from '../../../shared/errors'
import { createDataSource, DATABASE_FILE_NAME, KEY_CHECK_KEY } from '../../db/data-source'
import { DATABASE_CONFIG_FILE, isPostgresUrl, resolveDatabaseChoice, writeDatabaseConfig, type DatabaseChoice } from '../../db/database-config'
import { describePostgresUrl, passwordOf, transportWarning } from '../../db/postgres'
import { readHostConfig, writeHostConfig } from '../../host-config'
import type { Logger } from '../../logging/logger'
import { openDataKeyFile } from '../../security/data-key-file'
import { keyOpensCheck, readKeyCheck } from '../../security/key-check'
import type { KeyStore } from '../../security/key-store'
import { writePrivateFileSync } from '../../security/private-files'
import { SecretBox } from '../../security/secret-box'

export interface DatabaseJoinOptions {
  dataDir: string
  /** The environment the panel started with (DATABASE_URL decides when set). */
  env: NodeJS.ProcessEnv
  /** The database choice this panel runs on. */
  current: DatabaseChoice
  /** This host's own key store (where a key file's key is installed). */
  keyStore: KeyStore
  /** The key this panel opened its database with. */
  runningKey: Buffer
  /** The shared `maxConcurrentProfiles` setting. */
  sharedSlots(): number
  /** Desktop: restarts the app; absent in browser mode. */
  relaunch?: (() => void) | null
  /** The better-sqlite3 addon for this runtime (desktop: the Electron copy), to read the SQLite file's key check. */
  sqliteNativeBinding?: string
  /** Registers a secret (the URL's password) with the log redactor. */
  onSecret(value: string): void
  log: Logger
  /** How long a test connection may take (default 5 s). */
  connectTimeoutMs?: number
}

export interface JoinInput {
  url: string
  keyFile?: { name?: string; content: string }
  passphrase?: string
}

type Probe =
  | { reachable: false; reason: string }
  | { reachable: true; content: 'empty' | 'panel' | 'other'; tables: number; keyCheck: string | null }

interface Verdict {
  result: DatabaseTestResult
  /** The key to install on joining (the key file's), or null. */
  install: { key: Buffer; keyId: string } | null
  /** Which input to blame when the join cannot go ahead. */
  field: 'url' | 'keyFile' | null
}

export class DatabaseJoinService {
  readonly #lock = new Mutex()
  readonly #runningKey: Buffer

  constructor(private readonly options: DatabaseJoinOptions) {
    this.#runningKey = Buffer.from(options.runningKey)
  }

  private get lockedByEnv(): boolean {
    return Boolean(this.options.env.DATABASE_URL?.trim())
  }

  status(): HostDatabaseStatus {
    const { dataDir, env, current } = this.options
    let next: DatabaseChoice
    let nextProblem: string | null = null
    try {
      next = resolveDatabaseChoice(dataDir, env)
    } catch (error) {
      nextProblem = (error as Error).message
      next = { url: current.url, source: DATABASE_CONFIG_FILE }
    }
    let slots: number | null = null
    let slotsProblem: string | null = null
    try {
      slots = readHostConfig(dataDir).slots
    } catch (error) {
      slotsProblem = (error as Error).message
    }
    const currentLocation = this.location(current)
    const nextLocation = this.location(next)
    return {
      current: currentLocation,
      next: nextLocation,
      nextProblem,
      restartRequired: nextProblem === null && (currentLocation.kind !== nextLocation.kind || current.url !== next.url),
      lockedByEnv: this.lockedByEnv,
      canRelaunch: Boolean(this.options.relaunch),
      slots,
      sharedSlots: this.options.sharedSlots(),
      slotsProblem,
      localSqlite: current.url && fs.existsSync(path.join(dataDir, DATABASE_FILE_NAME)) ? path.join(dataDir, DATABASE_FILE_NAME) : null,
    }
  }

  /** Connects (short timeout) and says what the database holds and whether the key opens it; writes nothing. */
  test(input: JoinInput): Promise<DatabaseTestResult> {
    return this.#lock.runExclusive(async () => {
      const verdict = await this.judge(input)
      verdict.install?.key.fill(0)
      return verdict.result
    })
  }

  /** The same checks as `test`; then database.json and, when a key file was given, its key in this host's key store. */
  join(input: JoinInput): Promise<DatabaseJoinResult> {
    return this.#lock.runExclusive(async () => {
      this.refuseWhenLocked()
      const verdict = await this.judge(input)
      const { result, install } = verdict
      try {
        if (!result.canJoin) throw new ValidationException(`Nothing was saved. ${result.message}`, { field: verdict.field ?? 'url', reason: result.key ?? result.content ?? 'unreachable' })
        const { keyStore, dataDir, log } = this.options
        const stored = await this.storedKey()
        const replace = install && !stored.equals(install.key) ? install : null
        if (replace && !keyStore.replaceDataKey) {
          throw new InfrastructureException('INTERNAL_ERROR', `This host's key store (${keyStore.description}) cannot take an imported key; nothing was saved.`)
        }
        const url = input.url.trim()
        const previous = readConfigText(dataDir)
        writeDatabaseConfig(dataDir, url)
        let keyInstalled: DatabaseJoinResult['keyInstalled'] = null
        if (replace) {
          try {
            const { backup } = await keyStore.replaceDataKey!(replace.key)
            keyInstalled = { keyId: replace.keyId, backup }
          } catch (error) {
            restoreConfigText(dataDir, previous)
            log.error('hosts.join_key_failed', { database: result.database, err: error }, 'The data key could not be installed; database.json was put back')
            throw new InfrastructureException('INTERNAL_ERROR', `The data key could not be installed in ${keyStore.description}; nothing was changed.`, { cause: error })
          }
        }
        log.info(
          'hosts.database_joined',
          { database: result.database, keyId: keyInstalled?.keyId ?? null, backup: keyInstalled?.backup ?? null },
          `The next start uses PostgreSQL at ${result.database}`,
        )
        const restartRequired = this.options.current.url !== url || keyInstalled !== null
        const keyLine = keyInstalled
          ? ` Data key ${keyInstalled.keyId} installed in this host's key store${keyInstalled.backup ? `; the previous key was kept in ${keyInstalled.backup}` : ''}.`
          : ''
        return {
          database: result.database,
          keyInstalled,
          restartRequired,
          message: `Saved: this host uses PostgreSQL at ${result.database} from its next start.${keyLine}${restartRequired ? ' Restart the panel to use it.' : ''}`,
        }
      } finally {
        install?.key.fill(0)
      }
    })
  }

  /** Removes database.json; first makes sure the key store's key opens the SQLite file (restoring a backup if needed). */
  leave(): Promise<DatabaseLeaveResult> {
    return this.#lock.runExclusive(async () => {
      this.refuseWhenLocked()
      const { dataDir, keyStore, log } = this.options
      const previous = readConfigText(dataDir)
      const sqliteFile = path.join(dataDir, DATABASE_FILE_NAME)
      if (previous === null) {
        return { keyRestored: null, restartRequired: this.options.current.url !== null, message: `This host already uses its SQLite file ${sqliteFile} at its next start; nothing changed.` }
      }
      const check = await this.sqliteKeyCheck(sqliteFile)
      const stored = await this.storedKey()
      let restore: { file: string; key: Buffer } | null = null
      if (check !== null && !keyOpensCheck(stored, check)) {
        const backups = (await keyStore.readBackups?.()) ?? []
        restore = backups.find((backup) => keyOpensCheck(backup.key, check)) ?? null
        for (const backup of backups) if (backup !== restore) backup.key.fill(0)
        if (!restore) {
          log.warn('hosts.leave_refused', { file: sqliteFile, keyId: new SecretBox(stored).keyId, backups: backups.length }, 'No key at hand opens the SQLite file')
          throw new ValidationException(
            `The SQLite file ${sqliteFile} was sealed with another data key than this host's (fingerprint ${new SecretBox(stored).keyId}), and no key backup of this host's key store opens it. ` +
              `Nothing was changed: this host stays on PostgreSQL. Put the key that belongs to that file back (Import data key… while on it, or restore its backup file) before going back.`,
            { reason: 'sqlite_key_missing', file: sqliteFile },
          )
        }
        if (!keyStore.replaceDataKey) {
          throw new InfrastructureException('INTERNAL_ERROR', `The SQLite file needs the key kept in ${restore.file}, but this host's key store (${keyStore.description}) cannot take it; nothing was changed.`)
        }
      }
      writeDatabaseConfig(dataDir, null)
      let keyRestored: DatabaseLeaveResult['keyRestored'] = null
      if (restore) {
        try {
          const { backup } = await keyStore.replaceDataKey!(restore.key)
          keyRestored = { keyId: new SecretBox(restore.key).keyId, from: restore.file, backup }
        } catch (error) {
          restoreConfigText(dataDir, previous)
          log.error('hosts.leave_key_failed', { from: restore.file, err: error }, 'The SQLite key could not be restored; database.json was put back')
          throw new InfrastructureException('INTERNAL_ERROR', `The key that opens the SQLite file (kept in ${restore.file}) could not be restored; nothing was changed.`, { cause: error })
        } finally {
          restore.key.fill(0)
        }
      }
      log.info('hosts.database_left', { file: sqliteFile, keyRestored }, `The next start uses the SQLite file ${sqliteFile}`)
      const restartRequired = this.options.current.url !== null || keyRestored !== null
      const keyLine = keyRestored
        ? ` Its data key (fingerprint ${keyRestored.keyId}) was restored from ${keyRestored.from}${keyRestored.backup ? `; the shared database's key was kept in ${keyRestored.backup}` : ''}.`
        : ''
      return {
        keyRestored,
        restartRequired,
        message: `This host uses its SQLite file ${sqliteFile} from its next start.${keyLine}${restartRequired ? ' Restart the panel to use it.' : ''}`,
      }
    })
  }

  setSlots(slots: number | null): { slots: number | null; message: string } {
    const written = writeHostConfig(this.options.dataDir, { slots })
    this.options.log.info('hosts.slots_set', { slots: written.slots }, 'This host\'s slots were changed (applies at the next start)')
    return {
      slots: written.slots,
      message:
        written.slots === null
          ? `From its next start this host follows the shared setting (${this.options.sharedSlots()} profiles at once).`
          : `From its next start this host runs up to ${written.slots} profiles at once.`,
    }
  }

  relaunch(): { relaunching: true } {
    const { relaunch, log } = this.options
    if (!relaunch) throw new ValidationException('Browser mode cannot restart itself: stop it and start it again on the same data folder.', { reason: 'no_relaunch' })
    log.info('hosts.relaunch', {}, 'Restarting the panel at the operator\'s request')
    // After this answer has left.
    setTimeout(relaunch, 200)
    return { relaunching: true }
  }

  private refuseWhenLocked(): void {
    if (this.lockedByEnv) {
      throw new ValidationException('DATABASE_URL is set in this panel\'s environment and decides its database; unset it to choose the database here. Nothing was changed.', {
        field: 'url',
        reason: 'locked_by_env',
      })
    }
  }

  private location(choice: DatabaseChoice): DatabaseLocation {
    return choice.url
      ? { kind: 'postgres', location: describePostgresUrl(choice.url), source: choice.source, warning: transportWarning(choice.url) }
      : { kind: 'sqlite', location: path.join(this.options.dataDir, DATABASE_FILE_NAME), source: choice.source, warning: null }
  }

  /** The key this host's next start opens its database with: its key store's, else the running one. */
  private async storedKey(): Promise<Buffer> {
    return (await this.options.keyStore.readDataKey?.().catch(() => null)) ?? this.#runningKey
  }

  private async judge(input: JoinInput): Promise<Verdict> {
    const url = checkUrl(input.url)
    this.options.onSecret(passwordOf(url) ?? '')
    const database = describePostgresUrl(url)
    let install: Verdict['install'] = null
    if (input.keyFile) {
      if (!input.passphrase) throw new ValidationException('Enter the passphrase the data key file was exported with.', { field: 'passphrase' })
      const opened = await openDataKeyFile(input.keyFile.content, input.passphrase)
      install = { key: opened.key, keyId: opened.keyId }
    }
    const probe = await this.probe(url)
    const base = { database, keyFileId: install?.keyId ?? null }
    const verdict = (result: Omit<DatabaseTestResult, 'database' | 'keyFileId'>, field: Verdict['field'], keep: boolean): Verdict => {
      if (!keep && install) install.key.fill(0)
      return { result: { ...base, ...result }, install: keep ? install : null, field }
    }
    if (!probe.reachable) {
      this.options.log.info('hosts.database_test', { database, reachable: false })
      return verdict({ reachable: false, reason: probe.reason, content: null, key: null, canJoin: false, message: `Cannot reach ${database}: ${probe.reason}` }, 'url', false)
    }
    this.options.log.info('hosts.database_test', { database, reachable: true, content: probe.content, tables: probe.tables })
    const reached = { reachable: true, reason: null, content: probe.content }
    if (probe.content === 'other') {
      return verdict(
        { ...reached, key: null, canJoin: false, message: `${database} is reachable but holds ${probe.tables} table(s) that are not the panel's: choose an empty database or one the panel already uses.` },
        'url',
        false,
      )
    }
    const hostKeyId = new SecretBox(await this.storedKey()).keyId
    if (probe.content === 'empty' || probe.keyCheck === null) {
      const what = probe.content === 'empty' ? 'empty' : 'a panel database without a data key check yet'
      return verdict(
        {
          ...reached,
          key: 'none_yet',
          canJoin: true,
          message: install
            ? `${database} is reachable and ${what}: the key from the file (fingerprint ${install.keyId}) will be installed here and seal it at the next start.`
            : `${database} is reachable and ${what}: this host's data key (fingerprint ${hostKeyId}) will seal it at the next start. Export that key (About and security) for the other hosts.`,
        },
        null,
        true,
      )
    }
    const check = probe.keyCheck
    if (install) {
      if (keyOpensCheck(install.key, check)) {
        return verdict({ ...reached, key: 'key_file', canJoin: true, message: `${database} is a panel database, and the key file (fingerprint ${install.keyId}) opens it.` }, null, true)
      }
      return verdict(
        {
          ...reached,
          key: 'key_file_wrong',
          canJoin: false,
          message: `${database} is a panel database, but the key file (fingerprint ${install.keyId}) does not open it: its secrets were sealed with another key. Export the key on a host of that database.`,
        },
        'keyFile',
        false,
      )
    }
    if (keyOpensCheck(await this.storedKey(), check)) {
      return verdict({ ...reached, key: 'this_host', canJoin: true, message: `${database} is a panel database that this host's data key (fingerprint ${hostKeyId}) already opens: no key file is needed.` }, null, false)
    }
    return verdict(
      {
        ...reached,
        key: 'key_needed',
        canJoin: false,
        message: `${database} is a panel database sealed with another data key than this host's (fingerprint ${hostKeyId}): choose the data key file exported on one of its hosts (About and security → Export data key…) and its passphrase.`,
      },
      'keyFile',
      false,
    )
  }

  /** One short connection: reachable or not (why, without the password), and what the database holds. */
  private async probe(url: string): Promise<Probe> {
    const timeout = this.options.connectTimeoutMs ?? 5_000
    const scrub = scrubber(url)
    let client: pg.Client
    try {
      client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeout, query_timeout: timeout, application_name: 'gologin-panel-join-test' })
    } catch (error) {
      return { reachable: false, reason: scrub((error as Error).message) }
    }
    // A connection the server drops later must not bring the process down.
    client.on('error', () => undefined)
    try {
      await client.connect()
    } catch (error) {
      await client.end().catch(() => undefined)
      return { reachable: false, reason: reasonOf(error, scrub) }
    }
    try {
      const tables = await client.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
      )
      const names = new Set(tables.rows.map((row) => row.name))
      if (names.size === 0) return { reachable: true, content: 'empty', tables: 0, keyCheck: null }
      if (!names.has('settings')) return { reachable: true, content: 'other', tables: names.size, keyCheck: null }
      const check = await client.query<{ sealed: string | null }>(`SELECT secret_value AS sealed FROM settings WHERE key = $1`, [KEY_CHECK_KEY])
      return { reachable: true, content: 'panel', tables: names.size, keyCheck: check.rows[0]?.sealed ?? null }
    } catch (error) {
      return { reachable: false, reason: reasonOf(error, scrub) }
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  /** The SQLite file's key check, or null when there is no file (or no key check in it yet). */
  private async sqliteKeyCheck(file: string): Promise<string | null> {
    if (!fs.existsSync(file)) return null
    const dataSource = createDataSource(file, { nativeBinding: this.options.sqliteNativeBinding })
    await dataSource.initialize()
    try {
      const tables: unknown[] = await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'settings'`)
      return tables.length ? await readKeyCheck(dataSource) : null
    } finally {
      await dataSource.destroy()
    }
  }
}

/** A usable PostgreSQL URL, or a clear error naming the field (never echoing the password). */
function checkUrl(raw: string): string {
  const url = raw.trim()
  if (!isPostgresUrl(url)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]
    throw new ValidationException(`url: enter a PostgreSQL URL (postgres://user:password@host:5432/database)${scheme ? `, not ${scheme}` : ''}.`, { field: 'url' })
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationException('url: this is not a valid URL; write it as postgres://user:password@host:5432/database (a password with @, : or / must be percent-encoded).', { field: 'url' })
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) throw new ValidationException('url: the URL names no host (postgres://user:password@host:5432/database).', { field: 'url' })
  if (parsed.pathname.length <= 1) throw new ValidationException('url: the URL names no database (…:5432/database).', { field: 'url' })
  return url
}

/** Replaces the URL and its password (raw and decoded) in a driver's message. */
function scrubber(url: string): (text: string) => string {
  const secrets = [url, passwordOf(url), (() => {
    try {
      return new URL(url).password || null
    } catch {
      return null
    }
  })()].filter((value): value is string => Boolean(value))
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text)
}

function reasonOf(error: unknown, scrub: (text: string) => string): string {
  const err = error as NodeJS.ErrnoException & { code?: string }
  const message = err?.message || (Array.isArray((error as AggregateError)?.errors) ? (error as AggregateError).errors.map((e: Error) => e.message).join('; ') : '') || err?.code || String(error)
  return scrub(message.replace(/\.$/, ''))
}

function readConfigText(dataDir: string): string | null {
  try {
    return fs.readFileSync(path.join(dataDir, DATABASE_CONFIG_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Puts database.json back as it was (0600, atomically), or removes it when there was none. */
function restoreConfigText(dataDir: string, text: string | null): void {
  const file = path.join(dataDir, DATABASE_CONFIG_FILE)
  if (text === null) return void fs.rmSync(file, { force: true })
  const temp = `${file}.${process.pid}.restore.tmp`
  writePrivateFileSync(temp, text)
  fs.renameSync(temp, file)
}
