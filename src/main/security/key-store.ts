import type { DataKeyProtection } from '../../shared/contract/system'

export type { DataKeyProtection }

/** The fallback every store names the same way: a key file only the user's account can read. */
export const FILE_PROTECTION: DataKeyProtection = { osKeychain: false, protectedBy: 'a file readable only by you' }

/**
 * Where the 32-byte data key that encrypts secrets at rest is kept. The desktop app protects it with
 * Electron `safeStorage` (src/main/electron), browser mode and tests with a 0600 key file.
 */
export interface KeyStore {
  /** Returns the data key, creating (32 random bytes) and protecting it on first use. */
  loadOrCreateDataKey(): Promise<Buffer>
  /** Where the key lives, for messages (never the key itself). */
  readonly description: string
  /** What protects the key (final once `loadOrCreateDataKey` has resolved), for Settings → About; default: a key file. */
  readonly protection?: DataKeyProtection
  /** The stored key, or null when there is none yet (never creates one). Stores that cannot take an imported key leave it out. */
  readDataKey?(): Promise<Buffer | null>
  /**
   * Stores `key` in place of the current one (an imported key): written aside, verified, the old key kept in a
   * backup file whose path is returned, then swapped in. The running process keeps the key it opened the database with.
   */
  replaceDataKey?(key: Buffer): Promise<{ backup: string | null }>
  /**
   * The keys kept in the backups `replaceDataKey` made, newest first (unreadable ones left out): how a host that
   * joined a shared database with an imported key finds the key of its own SQLite file again.
   */
  readBackups?(): Promise<Array<{ file: string; key: Buffer }>>
}
