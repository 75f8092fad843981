import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { InfrastructureException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import { listKeyBackups, replaceKeyFile } from './key-file-replace'
import { FILE_PROTECTION, type KeyStore } from './key-store'

const KEY_BYTES = 32
const DEFAULT_FILE_NAME = 'data.key'

export interface FileKeyStoreOptions {
  /** Folder of the key file (the data dir). */
  dir: string
  fileName?: string
  /**
   * A key file readable by others is tightened to 0600 with a warning (default), or, when false,
   * refused with a message that says how to fix it.
   */
  fixLoosePermissions?: boolean
  log?: Logger
}

/**
 * Keeps the data key in a 0600 file in the data dir (browser mode, tests). The file holds the key
 * in base64; it is created once, atomically (write a private temp file, then hard-link it into
 * place, so two processes starting together agree on one key).
 */
export class FileKeyStore implements KeyStore {
  readonly description: string
  readonly protection = FILE_PROTECTION
  private readonly file: string

  constructor(private readonly options: FileKeyStoreOptions) {
    this.file = path.join(options.dir, options.fileName ?? DEFAULT_FILE_NAME)
    this.description = `key file ${this.file}`
  }

  async loadOrCreateDataKey(): Promise<Buffer> {
    await fs.promises.mkdir(this.options.dir, { recursive: true, mode: 0o700 })
    const existing = await this.read()
    if (existing) return existing
    await this.create()
    const created = await this.read()
    if (!created) throw keyError(`The key file ${this.file} vanished right after it was created.`)
    return created
  }

  readDataKey(): Promise<Buffer | null> {
    return this.read()
  }

  async replaceDataKey(key: Buffer): Promise<{ backup: string | null }> {
    if (key.length !== KEY_BYTES) throw keyError(`An imported data key must be ${KEY_BYTES} bytes.`)
    const text = key.toString('base64')
    const result = await replaceKeyFile({
      file: this.file,
      content: Buffer.from(`${text}\n`, 'utf8'),
      verify: (written) => {
        if (written.toString('utf8').trim() !== text) throw keyError(`The new key file ${this.file} did not read back as written; the old key was kept.`)
      },
    })
    this.options.log?.info('keystore.replaced', { file: this.file, backup: result.backup }, 'Installed an imported data key')
    return result
  }

  async readBackups(): Promise<Array<{ file: string; key: Buffer }>> {
    const found: Array<{ file: string; key: Buffer }> = []
    for (const file of await listKeyBackups(this.file)) {
      const text = (await fs.promises.readFile(file, 'utf8').catch(() => '')).trim()
      const key = Buffer.from(text, 'base64')
      if (key.length === KEY_BYTES && key.toString('base64') === text) found.push({ file, key })
    }
    return found
  }

  private async read(): Promise<Buffer | null> {
    let stat: fs.Stats
    try {
      stat = await fs.promises.lstat(this.file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw keyError(`Cannot read the key file ${this.file}.`, error)
    }
    if (!stat.isFile()) throw keyError(`The key file ${this.file} is not a regular file (a link or a folder); refusing to use it.`)
    await this.checkPermissions(stat)
    const text = (await fs.promises.readFile(this.file, 'utf8')).trim()
    const key = Buffer.from(text, 'base64')
    if (key.length !== KEY_BYTES || key.toString('base64') !== text) {
      throw keyError(`The key file ${this.file} is damaged (expected ${KEY_BYTES} bytes in base64). Restore it from a backup; do not delete it, or the stored secrets are lost.`)
    }
    return key
  }

  private async checkPermissions(stat: fs.Stats): Promise<void> {
    // Windows has no POSIX modes; the data dir's ACL (the user's profile) protects the file there.
    if (process.platform === 'win32') return
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) {
      throw keyError(`The key file ${this.file} belongs to another user (uid ${stat.uid}); refusing to use it.`)
    }
    const mode = stat.mode & 0o777
    if ((mode & 0o077) === 0) return
    const shown = `0${mode.toString(8)}`
    if (this.options.fixLoosePermissions === false) {
      throw keyError(`The key file ${this.file} is readable by other users (mode ${shown}). Run: chmod 600 "${this.file}"`)
    }
    try {
      await fs.promises.chmod(this.file, 0o600)
    } catch (error) {
      throw keyError(`The key file ${this.file} has mode ${shown} and could not be changed to 0600.`, error)
    }
    this.options.log?.warn('keystore.permissions_fixed', { file: this.file, was: shown }, `The key file ${this.file} was readable by other users (mode ${shown}); changed it to 0600`)
  }

  private async create(): Promise<void> {
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
    const handle = await fs.promises.open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`, 'utf8')
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      // link() fails if the file exists: whoever linked first wins, and everyone reads that key.
      await fs.promises.link(temp, this.file)
      this.options.log?.info('keystore.created', { file: this.file }, 'Created a new data key')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw keyError(`Cannot create the key file ${this.file}.`, error)
    } finally {
      await fs.promises.rm(temp, { force: true })
    }
  }
}

function keyError(message: string, cause?: unknown): InfrastructureException {
  return new InfrastructureException('INTERNAL_ERROR', message, { cause })
}
