/**
 * Settings → About and security: export the data key as a passphrase-protected file, and import such a file into this
 * host's key store. Every host of one shared database needs the same key, and the key is never stored in the database.
 * Neither the key nor the passphrase ever reaches a log line, an error or an answer; only the encrypted file does.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { Mutex } from 'async-mutex'
import type { DataKeyExportResult, DataKeyImportResult } from '../../shared/contract/data-key'
import { InfrastructureException, ValidationException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import type { FileDialogs, FileFilter } from '../services/platform'
import { DATA_KEY_FILE_MAX_BYTES, openDataKeyFile, sealDataKeyFile, tooLargeForKeyFile, type ScryptParams } from './data-key-file'
import { keyOpensCheck } from './key-check'
import { ratePassphraseOffThread } from './passphrase-rater'
import type { KeyStore } from './key-store'
import { SecretBox } from './secret-box'

export const DATA_KEY_FILTERS: FileFilter[] = [
  { name: 'Data key files', extensions: ['json'] },
  { name: 'All files', extensions: ['*'] },
]

export interface DataKeyServiceOptions {
  /** The key this process opened the database with. */
  key: Buffer
  /** This host's key store (where an import is installed). */
  keyStore: KeyStore
  /** The connected database's key-check value (sealed), or null when it has none. */
  readKeyCheck(): Promise<string | null>
  /** Native file pickers (desktop); absent in browser mode, where export is a download and import an upload. */
  dialogs?: FileDialogs | null
  log: Logger
  /** Tests use cheaper parameters; the default is `DEFAULT_SCRYPT`. */
  scrypt?: ScryptParams
}

export interface DataKeyImportInput {
  passphrase: string
  /** The uploaded file (browser mode); absent: the desktop app asks for it with a native dialog. */
  file?: { name?: string; content: string }
}

export class DataKeyService {
  /** Fingerprint of the key in use (safe to show: tells keys apart, reveals nothing). */
  readonly keyId: string
  readonly #key: Buffer
  readonly #lock = new Mutex()

  constructor(private readonly options: DataKeyServiceOptions) {
    this.#key = Buffer.from(options.key)
    this.keyId = new SecretBox(this.#key).keyId
  }

  async export({ passphrase }: { passphrase: string }): Promise<DataKeyExportResult> {
    const verdict = await ratePassphraseOffThread(passphrase)
    if (!verdict.ok) throw new ValidationException(`The passphrase is not strong enough: ${verdict.problems.join(' ')}`, { field: 'passphrase', reason: 'weak_passphrase' })
    const { dialogs, log } = this.options
    await this.assertKeyOpensDatabase()
    const fileName = `gologin-panel-data-key-${this.keyId}.json`
    let target: string | null = null
    if (dialogs) {
      target = await dialogs.chooseSavePath({ title: 'Export data key', defaultPath: fileName, filters: DATA_KEY_FILTERS })
      if (!target) return { mode: 'cancelled' }
    }
    const content = await sealDataKeyFile(this.#key, passphrase, { scrypt: this.options.scrypt })
    if (!target) {
      log.info('data_key.exported', { keyId: this.keyId, to: 'download' }, `Data key ${this.keyId} exported for download`)
      return { mode: 'download', fileName, content, keyId: this.keyId }
    }
    try {
      await writePrivateFile(target, content)
    } catch (error) {
      log.error('data_key.export_failed', { path: target, err: error })
      throw new InfrastructureException('INTERNAL_ERROR', `The data key file could not be written to ${target} (${(error as NodeJS.ErrnoException).code ?? 'write error'}).`, {
        cause: error,
        details: { path: target },
      })
    }
    log.info('data_key.exported', { keyId: this.keyId, path: target }, `Data key ${this.keyId} exported to ${target}`)
    return { mode: 'saved', path: target, fileName: path.basename(target), keyId: this.keyId }
  }

  /**
   * Opens the file with the passphrase, refuses a key that does not open this database's secrets, and installs it in
   * this host's key store (the old key kept in a backup). The panel keeps running with the key it started with.
   */
  import(input: DataKeyImportInput): Promise<DataKeyImportResult> {
    return this.#lock.runExclusive(() => this.importNow(input))
  }

  private async importNow({ passphrase, file }: DataKeyImportInput): Promise<DataKeyImportResult> {
    const { keyStore, log } = this.options
    if (!passphrase) throw new ValidationException('Enter the passphrase the key was exported with.', { field: 'passphrase' })
    const content = file ? file.content : await this.pickFile()
    if (content === null) return { status: 'cancelled' }
    const opened = await openDataKeyFile(content, passphrase).catch((error: unknown) => {
      log.warn('data_key.import_refused', { reason: (error as { details?: { reason?: string } }).details?.reason ?? 'error', file: file?.name ?? null })
      throw error
    })
    try {
      const check = await this.options.readKeyCheck()
      if (check !== null && !keyOpensCheck(opened.key, check)) {
        log.warn('data_key.import_refused', { reason: 'key_mismatch', fileKeyId: opened.keyId, keyId: this.keyId })
        throw new ValidationException(
          `This data key (fingerprint ${opened.keyId}) does not open this database's secrets: they were sealed with another key (this panel's is ${this.keyId}). The file belongs to another database; nothing was changed.`,
          { reason: 'key_mismatch', fileKeyId: opened.keyId, keyId: this.keyId },
        )
      }
      if (!keyStore.replaceDataKey) {
        throw new InfrastructureException('INTERNAL_ERROR', `This host's key store (${keyStore.description}) cannot take an imported key; nothing was changed.`)
      }
      const stored = await keyStore.readDataKey?.().catch(() => null)
      const restartRequired = !opened.key.equals(this.#key)
      if (stored?.equals(opened.key) && !restartRequired) {
        log.info('data_key.import_unchanged', { keyId: opened.keyId }, `Data key ${opened.keyId} is already this host's key`)
        return { status: 'unchanged', keyId: opened.keyId, message: `This panel already uses this data key (fingerprint ${opened.keyId}); nothing was changed.` }
      }
      const { backup } = await keyStore.replaceDataKey(opened.key)
      log.info('data_key.imported', { keyId: opened.keyId, backup, keyStore: keyStore.description }, `Data key ${opened.keyId} installed in ${keyStore.description}`)
      const kept = backup ? ` The previous key was kept in ${backup}.` : ''
      return {
        status: 'installed',
        keyId: opened.keyId,
        backup,
        restartRequired,
        message: restartRequired
          ? `Data key ${opened.keyId} installed. Restart the panel to use it: until then it keeps the key it started with.${kept}`
          : `Data key ${opened.keyId} installed in this host's key store.${kept}`,
      }
    } finally {
      opened.key.fill(0)
    }
  }

  private async assertKeyOpensDatabase(): Promise<void> {
    const check = await this.options.readKeyCheck()
    if (check !== null && !keyOpensCheck(this.#key, check)) {
      throw new InfrastructureException('DATA_DECRYPTION_FAILED', 'The key in use does not open this database\'s key check; nothing was exported.')
    }
  }

  private async pickFile(): Promise<string | null> {
    const { dialogs } = this.options
    if (!dialogs) throw new ValidationException('Choose the data key file to import.', { field: 'file' })
    const chosen = await dialogs.chooseOpenFile({ title: 'Import data key', filters: DATA_KEY_FILTERS })
    if (!chosen) return null
    try {
      const stat = await fs.stat(chosen)
      if (!stat.isFile()) throw new ValidationException(`${chosen} is not a file.`, { field: 'file' })
      // Anything this large is not a key file: say so without reading it whole.
      if (stat.size > DATA_KEY_FILE_MAX_BYTES) throw tooLargeForKeyFile(stat.size)
      return await fs.readFile(chosen, 'utf8')
    } catch (error) {
      if (error instanceof ValidationException) throw error
      throw new ValidationException(`The file ${chosen} could not be read (${(error as NodeJS.ErrnoException).code ?? 'read error'}).`, { field: 'file' })
    }
  }
}

/** Writes `content` next to `target` (0600, synced) and renames it into place: never a half-written key file. */
async function writePrivateFile(target: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    const handle = await fs.open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(content, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
}
