import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { DATA_KEY_FILE, SafeStorageKeyStore, type SafeStorageLike } from '../../../src/main/electron/safe-storage-key-store'
import { tempDir } from '../../helpers/temp-dir'
import { recordingLogger } from './fake-electron'

/** A keychain stand-in: XOR with a per-"machine" byte, so another machine's blob fails to decrypt. */
function keychain(options: { available?: boolean; backend?: string; machine?: number } = {}): SafeStorageLike & { encryptString: ReturnType<typeof vi.fn> } {
  const machine = options.machine ?? 0x5a
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => options.backend ?? 'gnome_libsecret',
    encryptString: vi.fn((text: string) => Buffer.concat([Buffer.from([machine]), Buffer.from(text).map((b) => b ^ machine)])),
    decryptString: (data: Buffer) => {
      if (data[0] !== machine) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return Buffer.from(data.subarray(1).map((b) => b ^ machine)).toString()
    },
  }
}

function keyStore(dir: string, safeStorage: SafeStorageLike, platform: NodeJS.Platform = 'linux') {
  const { log, lines } = recordingLogger()
  return { store: new SafeStorageKeyStore({ dir, safeStorage, log, platform }), lines }
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777

describe('SafeStorageKeyStore', () => {
  it('creates a 32-byte key protected by the OS keychain and loads the same key next run', async () => {
    const dir = tempDir()
    const safeStorage = keychain()
    const { store } = keyStore(dir, safeStorage)
    const key = await store.loadOrCreateDataKey()
    expect(key).toHaveLength(32)
    expect(store.description).toContain('keychain')

    const file = path.join(dir, DATA_KEY_FILE)
    const onDisk = fs.readFileSync(file)
    expect(onDisk.includes(key)).toBe(false)
    expect(onDisk.includes(Buffer.from(key.toString('base64')))).toBe(false)
    expect(safeStorage.encryptString).toHaveBeenCalledWith(key.toString('base64'))
    if (process.platform !== 'win32') expect(modeOf(file)).toBe(0o600)

    const again = await keyStore(dir, keychain()).store.loadOrCreateDataKey()
    expect(again.equals(key)).toBe(true)
  })

  it('falls back to a 0600 key file with a warning when no keyring is available', async () => {
    const dir = tempDir()
    const { store, lines } = keyStore(dir, keychain({ available: false }))
    const key = await store.loadOrCreateDataKey()
    expect(key).toHaveLength(32)
    expect(store.description).toMatch(/without OS keychain protection/)
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'data_key.unprotected' }))
    if (process.platform !== 'win32') expect(modeOf(path.join(dir, DATA_KEY_FILE))).toBe(0o600)
    expect((await keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()).equals(key)).toBe(true)
  })

  it("treats Linux's basic_text backend (hard-coded password) as no keyring", async () => {
    const safeStorage = keychain({ backend: 'basic_text' })
    const { store } = keyStore(tempDir(), safeStorage)
    await store.loadOrCreateDataKey()
    expect(safeStorage.encryptString).not.toHaveBeenCalled()
    expect(store.description).toMatch(/without OS keychain protection/)
  })

  it('moves a plain key into the OS keychain at the first start that has one, and says so', async () => {
    const dir = tempDir()
    const file = path.join(dir, DATA_KEY_FILE)
    const key = await keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()
    expect(fs.readFileSync(file).includes(key)).toBe(true)

    const safeStorage = keychain()
    const { store, lines } = keyStore(dir, safeStorage)
    expect((await store.loadOrCreateDataKey()).equals(key)).toBe(true)
    expect(store.protection).toEqual({ osKeychain: true, protectedBy: 'libsecret' })
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', event: 'data_key.protected' }))
    expect(fs.readFileSync(file).includes(key)).toBe(false)
    expect(fs.readFileSync(file).includes(Buffer.from(key.toString('base64')))).toBe(false)
    expect(fs.readdirSync(dir)).toEqual([DATA_KEY_FILE])
    if (process.platform !== 'win32') expect(modeOf(file)).toBe(0o600)

    // The next start reads it through the keychain, and it is still the same key.
    const next = keyStore(dir, keychain())
    expect((await next.store.loadOrCreateDataKey()).equals(key)).toBe(true)
    expect(next.store.protection.osKeychain).toBe(true)
    expect(next.store.description).toContain('keychain')
  })

  it('keeps the plain file exactly as it was when moving the key into the keychain fails', async () => {
    const dir = tempDir()
    const file = path.join(dir, DATA_KEY_FILE)
    const key = await keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()
    const before = fs.readFileSync(file)
    const broken = keychain()
    broken.encryptString.mockImplementation(() => {
      throw new Error('The keyring is locked')
    })
    const { store, lines } = keyStore(dir, broken)
    expect((await store.loadOrCreateDataKey()).equals(key)).toBe(true)
    expect(store.protection).toEqual({ osKeychain: false, protectedBy: 'a file readable only by you' })
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'data_key.protect_failed' }))
    expect(fs.readFileSync(file).equals(before)).toBe(true)
    expect(fs.readdirSync(dir)).toEqual([DATA_KEY_FILE])
  })

  it('names what protects the key the way Settings shows it', async () => {
    const protectionOn = async (platform: NodeJS.Platform, options: Parameters<typeof keychain>[0] = {}) => {
      const { store } = keyStore(tempDir(), keychain(options), platform)
      await store.loadOrCreateDataKey()
      return store.protection.protectedBy
    }
    expect(await protectionOn('darwin')).toBe('macOS Keychain')
    expect(await protectionOn('win32')).toBe('Windows DPAPI')
    expect(await protectionOn('linux')).toBe('libsecret')
    expect(await protectionOn('linux', { backend: 'kwallet5' })).toBe('KWallet')
    expect(await protectionOn('linux', { backend: 'basic_text' })).toBe('a file readable only by you')
    expect(await protectionOn('linux', { available: false })).toBe('a file readable only by you')
  })

  it('fails clearly and leaves the file alone when the keychain cannot decrypt the key', async () => {
    const dir = tempDir()
    await keyStore(dir, keychain({ machine: 1 })).store.loadOrCreateDataKey()
    const file = path.join(dir, DATA_KEY_FILE)
    const before = fs.readFileSync(file)

    const attempt = keyStore(dir, keychain({ machine: 2 })).store.loadOrCreateDataKey()
    await expect(attempt).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED', message: expect.stringMatching(/could not be decrypted.*left untouched/) })
    expect(fs.readFileSync(file).equals(before)).toBe(true)
  })

  it('fails clearly when the key is keychain-protected but the keychain is gone', async () => {
    const dir = tempDir()
    await keyStore(dir, keychain()).store.loadOrCreateDataKey()
    const before = fs.readFileSync(path.join(dir, DATA_KEY_FILE))
    await expect(keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()).rejects.toMatchObject({
      code: 'DATA_DECRYPTION_FAILED',
      message: expect.stringContaining('not available'),
    })
    expect(fs.readFileSync(path.join(dir, DATA_KEY_FILE)).equals(before)).toBe(true)
  })

  it('refuses a damaged file instead of replacing it', async () => {
    const dir = tempDir()
    const file = path.join(dir, DATA_KEY_FILE)
    fs.writeFileSync(file, 'garbage', { mode: 0o600 })
    await expect(keyStore(dir, keychain()).store.loadOrCreateDataKey()).rejects.toMatchObject({ code: 'DATA_DECRYPTION_FAILED' })
    expect(fs.readFileSync(file, 'utf8')).toBe('garbage')
  })

  it('tightens a plain key file that others can read', async () => {
    if (process.platform === 'win32') return
    const dir = tempDir()
    await keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()
    const file = path.join(dir, DATA_KEY_FILE)
    fs.chmodSync(file, 0o644)
    const { store, lines } = keyStore(dir, keychain({ available: false }))
    await store.loadOrCreateDataKey()
    expect(modeOf(file)).toBe(0o600)
    expect(lines).toContainEqual(expect.objectContaining({ event: 'data_key.permissions_fixed' }))
  })

  it('hands out one key when asked twice at once', async () => {
    const { store } = keyStore(tempDir(), keychain())
    const [a, b] = await Promise.all([store.loadOrCreateDataKey(), store.loadOrCreateDataKey()])
    expect(a.equals(b)).toBe(true)
  })

  it('agrees on one key when two processes create it at the same time', async () => {
    const dir = tempDir()
    const [a, b] = await Promise.all([keyStore(dir, keychain()).store.loadOrCreateDataKey(), keyStore(dir, keychain()).store.loadOrCreateDataKey()])
    expect(a.equals(b)).toBe(true)
    expect(fs.readdirSync(dir)).toEqual([DATA_KEY_FILE])
  })

  it('installs an imported key protected by the keychain, keeping the old file as a backup', async () => {
    const dir = tempDir()
    const { store } = keyStore(dir, keychain())
    const old = await store.loadOrCreateDataKey()
    const file = path.join(dir, DATA_KEY_FILE)
    const before = fs.readFileSync(file)
    const imported = Buffer.alloc(32, 0x42)
    const { backup } = await store.replaceDataKey(imported)
    expect(fs.readFileSync(backup!).equals(before)).toBe(true)
    if (process.platform !== 'win32') expect(modeOf(backup!)).toBe(0o600)
    expect(fs.readFileSync(file).includes(imported)).toBe(false)
    expect((await store.readDataKey())!.equals(imported)).toBe(true)
    const next = keyStore(dir, keychain()).store
    expect((await next.loadOrCreateDataKey()).equals(imported)).toBe(true)
    expect(next.protection.osKeychain).toBe(true)
    expect(old.equals(imported)).toBe(false)
  })

  it('reads back the keys its imports kept in backups (newest first), leaving out one the keychain cannot open', async () => {
    const dir = tempDir()
    const { store } = keyStore(dir, keychain())
    const old = await store.loadOrCreateDataKey()
    const { backup } = await store.replaceDataKey(Buffer.alloc(32, 0x42))
    const hourAgo = new Date(Date.now() - 3_600_000)
    fs.utimesSync(backup!, hourAgo, hourAgo)
    await store.replaceDataKey(Buffer.alloc(32, 0x43))
    // A backup sealed by another machine's keychain is not a key this host can restore.
    fs.writeFileSync(path.join(dir, `${DATA_KEY_FILE}.backup-19990101T000000Z`), fs.readFileSync(path.join(dir, DATA_KEY_FILE)).map((b, i) => (i === 6 ? 0x11 : b)))
    const backups = await store.readBackups()
    expect(backups.map((entry) => entry.key)).toEqual([Buffer.alloc(32, 0x42), old])
  })

  it('installs an imported key in a plain 0600 file, with a warning, when no keyring is available', async () => {
    const dir = tempDir()
    const { store, lines } = keyStore(dir, keychain({ available: false }))
    expect(await store.replaceDataKey(Buffer.alloc(32, 1))).toEqual({ backup: null })
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', event: 'data_key.unprotected' }))
    expect((await keyStore(dir, keychain({ available: false })).store.loadOrCreateDataKey()).equals(Buffer.alloc(32, 1))).toBe(true)
  })

  it('keeps the old key file exactly as it was when the imported key does not read back (keychain fault)', async () => {
    const dir = tempDir()
    const good = keychain()
    await keyStore(dir, good).store.loadOrCreateDataKey()
    const file = path.join(dir, DATA_KEY_FILE)
    const before = fs.readFileSync(file)
    // A keychain that encrypts to something it then decrypts differently.
    const faulty = { ...keychain(), decryptString: () => Buffer.alloc(32, 0xee).toString('base64') }
    await expect(keyStore(dir, faulty).store.replaceDataKey(Buffer.alloc(32, 5))).rejects.toThrow(/did not read back as the imported key/)
    expect(fs.readFileSync(file).equals(before)).toBe(true)
    expect(fs.readdirSync(dir)).toEqual([DATA_KEY_FILE])
  })
})
