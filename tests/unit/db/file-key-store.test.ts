import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { tempDir } from '../../helpers/temp-dir'

const posix = process.platform !== 'win32'
const mode = (file: string) => fs.statSync(file).mode & 0o777

describe('FileKeyStore', () => {
  it('creates a 32-byte key in a 0600 file on first use and returns the same key afterwards', async () => {
    const dir = path.join(tempDir(), 'data')
    const store = new FileKeyStore({ dir })
    const key = await store.loadOrCreateDataKey()
    expect(key).toHaveLength(32)
    const file = path.join(dir, 'data.key')
    if (posix) expect(mode(file)).toBe(0o600)
    expect(await new FileKeyStore({ dir }).loadOrCreateDataKey()).toEqual(key)
    expect(store.description).toContain(file)
    expect(fs.readdirSync(dir)).toEqual(['data.key'])
  })

  it('agrees on one key when several stores start at once', async () => {
    const dir = tempDir()
    const keys = await Promise.all(Array.from({ length: 8 }, () => new FileKeyStore({ dir }).loadOrCreateDataKey()))
    for (const key of keys) expect(key).toEqual(keys[0])
  })

  it.runIf(posix)('tightens a key file readable by others to 0600 and says so in the log', async () => {
    const dir = tempDir()
    const logs = new LogSystem({ dir: null })
    const key = await new FileKeyStore({ dir }).loadOrCreateDataKey()
    const file = path.join(dir, 'data.key')
    fs.chmodSync(file, 0o644)
    expect(await new FileKeyStore({ dir, log: logs.logger('keys') }).loadOrCreateDataKey()).toEqual(key)
    expect(mode(file)).toBe(0o600)
    expect(logs.ring.recent(10).map((entry) => entry.event)).toContain('keystore.permissions_fixed')
  })

  it.runIf(posix)('refuses a key file readable by others when asked not to fix it, saying how to fix it', async () => {
    const dir = tempDir()
    await new FileKeyStore({ dir }).loadOrCreateDataKey()
    const file = path.join(dir, 'data.key')
    fs.chmodSync(file, 0o640)
    await expect(new FileKeyStore({ dir, fixLoosePermissions: false }).loadOrCreateDataKey()).rejects.toThrow(`chmod 600 "${file}"`)
    expect(mode(file)).toBe(0o640)
  })

  it('refuses a damaged key file instead of replacing it', async () => {
    const dir = tempDir()
    const file = path.join(dir, 'data.key')
    fs.writeFileSync(file, 'c2hvcnQ=\n', { mode: 0o600 })
    await expect(new FileKeyStore({ dir }).loadOrCreateDataKey()).rejects.toThrow(/damaged/)
    expect(fs.readFileSync(file, 'utf8')).toBe('c2hvcnQ=\n')
  })

  it.runIf(posix)('refuses a symbolic link in place of the key file', async () => {
    const dir = tempDir()
    const elsewhere = path.join(tempDir(), 'k')
    fs.writeFileSync(elsewhere, `${Buffer.alloc(32, 1).toString('base64')}\n`, { mode: 0o600 })
    fs.symlinkSync(elsewhere, path.join(dir, 'data.key'))
    await expect(new FileKeyStore({ dir }).loadOrCreateDataKey()).rejects.toThrow(/not a regular file/)
  })

  it('installs an imported key in place of the old one, keeping the old key in a 0600 backup', async () => {
    const dir = tempDir()
    const store = new FileKeyStore({ dir })
    const old = await store.loadOrCreateDataKey()
    const imported = Buffer.alloc(32, 7)
    const { backup } = await store.replaceDataKey(imported)
    expect(backup).toMatch(/data\.key\.backup-\d{8}T\d{6}Z$/)
    expect(Buffer.from(fs.readFileSync(backup!, 'utf8').trim(), 'base64').equals(old)).toBe(true)
    if (posix) expect(mode(backup!)).toBe(0o600)
    if (posix) expect(mode(path.join(dir, 'data.key'))).toBe(0o600)
    expect((await store.readDataKey())!.equals(imported)).toBe(true)
    expect((await new FileKeyStore({ dir }).loadOrCreateDataKey()).equals(imported)).toBe(true)
    // A second import keeps both earlier keys; no temporary file is left behind.
    const second = await store.replaceDataKey(Buffer.alloc(32, 9))
    expect(second.backup).not.toBe(backup)
    expect(fs.readdirSync(dir).sort()).toEqual(['data.key', path.basename(backup!), path.basename(second.backup!)].sort())
  })

  it('installs an imported key where there was none, with no backup and without creating a random key first', async () => {
    const dir = tempDir()
    const store = new FileKeyStore({ dir })
    expect(await store.readDataKey()).toBeNull()
    expect(await store.replaceDataKey(Buffer.alloc(32, 3))).toEqual({ backup: null })
    expect((await store.loadOrCreateDataKey()).equals(Buffer.alloc(32, 3))).toBe(true)
  })
})
