import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { InfrastructureException } from '../../shared/errors'
import type { Logger } from '../logging/logger'
import { listKeyBackups, replaceKeyFile } from '../security/key-file-replace'
import { FILE_PROTECTION, type DataKeyProtection, type KeyStore } from '../security/key-store'

/** The part of Electron's `safeStorage` the store uses (injected; tests pass a fake). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plainText: string): Buffer
  decryptString(encrypted: Buffer): string
  getSelectedStorageBackend?(): string
}

export interface SafeStorageKeyStoreOptions {
  /** The userData folder. */
  dir: string
  safeStorage: SafeStorageLike
  log: Logger
  platform?: NodeJS.Platform
}

export const DATA_KEY_FILE = 'data-key.bin'
const KEY_BYTES = 32
// File layout: magic, format version, protection (1 = OS keychain via safeStorage, 0 = plain), payload.
const MAGIC = Buffer.from('GAPK')
const VERSION = 1
const PROTECTED = 1
const PLAIN = 0
const HEADER_BYTES = MAGIC.length + 2

/**
 * Keeps the 32-byte data key in `data-key.bin`, encrypted with Electron `safeStorage` (Keychain,
 * DPAPI, libsecret/KWallet). Without an OS keyring (Linux, or the `basic_text` backend whose
 * password is hard-coded) it falls back to a plain 0600 key file and says so, rather than refuse to
 * start; a later start that finds a keyring moves the key into it. An existing key is never lost: if
 * it cannot be read, loading fails and the file stays; if moving it fails, the plain file stays.
 */
export class SafeStorageKeyStore implements KeyStore {
  readonly file: string
  private mode: 'os' | 'plain'
  private loading: Promise<Buffer> | null = null

  constructor(private readonly options: SafeStorageKeyStoreOptions) {
    this.file = path.join(options.dir, DATA_KEY_FILE)
    this.mode = this.osProtectionAvailable() ? 'os' : 'plain'
  }

  get description(): string {
    return this.mode === 'os'
      ? `data key encrypted by the operating system keychain (Electron safeStorage: ${this.keychainName()}) in ${this.file}`
      : `data key in a 0600 file without OS keychain protection (no keyring available) in ${this.file}`
  }

  get protection(): DataKeyProtection {
    return this.mode === 'os' ? { osKeychain: true, protectedBy: this.keychainName() } : FILE_PROTECTION
  }

  loadOrCreateDataKey(): Promise<Buffer> {
    this.loading ??= this.loadOrCreate().catch((err: unknown) => {
      this.loading = null
      throw err
    })
    return this.loading
  }

  /** The stored key (decrypted), or null when there is none; never creates or moves one. */
  async readDataKey(): Promise<Buffer | null> {
    let existing: Buffer | null
    try {
      existing = await readIfExists(this.file)
    } catch (cause) {
      throw this.failure('could not be read', cause)
    }
    return existing ? this.decodeOnly(existing) : null
  }

  /** Installs an imported key: keychain-protected when a keychain is available, else a plain 0600 file (and says so). */
  async replaceDataKey(key: Buffer): Promise<{ backup: string | null }> {
    checkLength(key, () => new Error(`An imported data key must be ${KEY_BYTES} bytes`))
    const os = this.osProtectionAvailable()
    if (!os) this.warnUnprotected()
    const payload = os ? this.options.safeStorage.encryptString(key.toString('base64')) : key
    const result = await replaceKeyFile({
      file: this.file,
      content: Buffer.concat([MAGIC, Buffer.from([VERSION, os ? PROTECTED : PLAIN]), payload]),
      verify: (written) => {
        if (!this.decodeOnly(written).equals(key)) throw this.failure('did not read back as the imported key (the old key was kept)')
      },
    })
    this.mode = os ? 'os' : 'plain'
    // The running process keeps the key it started with; a later load reads the new one.
    this.loading = null
    this.options.log.info('data_key.replaced', { protection: this.mode, file: this.file, backup: result.backup }, 'Installed an imported data key')
    return result
  }

  /** The keys in the backups an import left (decrypted by the keychain where they were protected), newest first. */
  async readBackups(): Promise<Array<{ file: string; key: Buffer }>> {
    const found: Array<{ file: string; key: Buffer }> = []
    for (const file of await listKeyBackups(this.file)) {
      try {
        found.push({ file, key: this.decodeOnly(await fs.readFile(file)) })
      } catch {
        // Unreadable here (another keychain, damaged): not a key this host can restore.
      }
    }
    return found
  }

  private async loadOrCreate(): Promise<Buffer> {
    let existing: Buffer | null
    try {
      existing = await readIfExists(this.file)
    } catch (cause) {
      throw this.failure('could not be read', cause)
    }
    if (existing) return this.decode(existing)
    // null: another process created the key first; use theirs.
    return (await this.create()) ?? this.decode(await fs.readFile(this.file))
  }

  private async create(): Promise<Buffer | null> {
    const key = randomBytes(KEY_BYTES)
    const os = this.osProtectionAvailable()
    if (!os) this.warnUnprotected()
    const payload = os ? this.options.safeStorage.encryptString(key.toString('base64')) : key
    const content = Buffer.concat([MAGIC, Buffer.from([VERSION, os ? PROTECTED : PLAIN]), payload])
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 })
    // Written aside then linked into place: never a half-written key, never replacing an existing one.
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    const handle = await fs.open(tmp, 'wx', 0o600)
    try {
      await handle.writeFile(content)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await fs.link(tmp, this.file)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') return null
      // Some file systems have no hard links; exclusive create still refuses to replace a key.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err
      const written = await fs.writeFile(this.file, content, { mode: 0o600, flag: 'wx' }).then(
        () => true,
        (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
      )
      if (!written) return null
    } finally {
      await fs.rm(tmp, { force: true })
    }
    this.mode = os ? 'os' : 'plain'
    this.options.log.info('data_key.created', { protection: this.mode, file: this.file }, 'Created the data key that encrypts stored secrets')
    return key
  }

  /** Decodes a key file's bytes without side effects (no move into the keychain, no permission change). */
  private decodeOnly(content: Buffer): Buffer {
    if (content.length < HEADER_BYTES || !content.subarray(0, MAGIC.length).equals(MAGIC) || content[MAGIC.length] !== VERSION) {
      throw this.failure('is not a data key file of this panel (unknown format)')
    }
    const payload = content.subarray(HEADER_BYTES)
    const mode = content[MAGIC.length + 1]
    if (mode === PLAIN) return checkLength(payload, () => this.failure('is damaged (wrong key length)'))
    if (mode !== PROTECTED) throw this.failure('is not a data key file of this panel (unknown protection)')
    if (!this.osProtectionAvailable()) throw this.failure('is protected by the system keychain, which is not available now')
    let base64: string
    try {
      base64 = this.options.safeStorage.decryptString(payload)
    } catch (cause) {
      throw this.failure('could not be decrypted by the system keychain', cause)
    }
    return checkLength(Buffer.from(base64, 'base64'), () => this.failure('decrypted to something that is not a 32-byte key'))
  }

  private async decode(content: Buffer): Promise<Buffer> {
    if (content.length < HEADER_BYTES || !content.subarray(0, MAGIC.length).equals(MAGIC) || content[MAGIC.length] !== VERSION) {
      throw this.failure('is not a data key file of this panel (unknown format)')
    }
    const payload = content.subarray(HEADER_BYTES)
    const mode = content[MAGIC.length + 1]
    if (mode === PLAIN) {
      this.mode = 'plain'
      const key = checkLength(payload, () => this.failure('is damaged (wrong key length)'))
      // safeStorage's availability is settled once the app is ready, so start-up is the first chance.
      if (this.osProtectionAvailable() && (await this.moveIntoKeychain(key))) return key
      this.warnUnprotected()
      await this.tightenPermissions()
      return key
    }
    if (mode !== PROTECTED) throw this.failure('is not a data key file of this panel (unknown protection)')
    this.mode = 'os'
    if (!this.osProtectionAvailable()) {
      throw this.failure(
        'is protected by the system keychain, which is not available now (on Linux start GNOME Keyring or KWallet and sign in to it)',
      )
    }
    let base64: string
    try {
      base64 = this.options.safeStorage.decryptString(payload)
    } catch (cause) {
      throw this.failure('could not be decrypted by the system keychain (was it created by another user or machine?)', cause)
    }
    return checkLength(Buffer.from(base64, 'base64'), () => this.failure('decrypted to something that is not a 32-byte key'))
  }

  /**
   * Re-writes a plain key file encrypted by the keychain: checked to decrypt to the same key, written
   * aside and renamed over the old file, so a failure at any point leaves the plain file as it was.
   */
  private async moveIntoKeychain(key: Buffer): Promise<boolean> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const payload = this.options.safeStorage.encryptString(key.toString('base64'))
      if (!Buffer.from(this.options.safeStorage.decryptString(payload), 'base64').equals(key)) throw new Error('the keychain did not give the key back')
      const handle = await fs.open(tmp, 'wx', 0o600)
      try {
        await handle.writeFile(Buffer.concat([MAGIC, Buffer.from([VERSION, PROTECTED]), payload]))
        await handle.sync()
      } finally {
        await handle.close()
      }
      await fs.rename(tmp, this.file)
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined)
      this.options.log.warn('data_key.protect_failed', { err, file: this.file }, 'The OS keychain is available but the data key could not be moved into it; it stays in the 0600 file')
      return false
    }
    this.mode = 'os'
    this.options.log.info('data_key.protected', { file: this.file, keychain: this.keychainName() }, `Moved the data key into the OS keychain (${this.keychainName()})`)
    return true
  }

  /** The keychain behind safeStorage, in the words Settings shows. */
  private keychainName(): string {
    const platform = this.options.platform ?? process.platform
    if (platform === 'darwin') return 'macOS Keychain'
    if (platform === 'win32') return 'Windows DPAPI'
    const backend = this.options.safeStorage.getSelectedStorageBackend?.() ?? 'unknown'
    if (backend.startsWith('kwallet')) return 'KWallet'
    if (backend === 'gnome_libsecret') return 'libsecret'
    return 'the system keyring'
  }

  private osProtectionAvailable(): boolean {
    const { safeStorage } = this.options
    if (!safeStorage.isEncryptionAvailable()) return false
    // `basic_text` encrypts with a password hard-coded in Chromium: no better than a plain file.
    const platform = this.options.platform ?? process.platform
    return !(platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text')
  }

  private warnUnprotected(): void {
    this.options.log.warn(
      'data_key.unprotected',
      { file: this.file },
      'No OS keychain is available: the data key is kept in a file readable only by this user (0600), not encrypted by the system',
    )
  }

  private async tightenPermissions(): Promise<void> {
    if ((this.options.platform ?? process.platform) === 'win32') return
    const { mode } = await fs.stat(this.file)
    if ((mode & 0o077) === 0) return
    await fs.chmod(this.file, 0o600)
    this.options.log.warn('data_key.permissions_fixed', { file: this.file }, 'The data key file was readable by others; restricted it to this user')
  }

  private failure(problem: string, cause?: unknown): InfrastructureException {
    return new InfrastructureException(
      'DATA_DECRYPTION_FAILED',
      `The data key file ${this.file} ${problem}. It was left untouched; stored secrets cannot be read until this is fixed.`,
      { cause, details: { file: this.file } },
    )
  }
}

async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    // A link or folder in place of the key file is refused rather than followed.
    if (!(await fs.lstat(file)).isFile()) throw new Error('not a regular file')
    return await fs.readFile(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

function checkLength(key: Buffer, failure: () => Error): Buffer {
  if (key.length !== KEY_BYTES) throw failure()
  return Buffer.from(key)
}
