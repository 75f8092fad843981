import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'

export interface ReplaceKeyFileOptions {
  file: string
  /** The new file's bytes. */
  content: Buffer
  /** Throws unless the bytes read back from disk hold the intended key (e.g. decrypt them and compare). */
  verify(written: Buffer): void | Promise<void>
}

/**
 * Replaces a key file without ever losing the key it held: the new content is written aside (0600, synced), read
 * back and verified, the old file is copied to `<file>.backup-<time>` (0600, synced), and only then is the new file
 * renamed over the old one. A failure at any step leaves the old file in place. Returns the backup's path, or null
 * when there was no key before.
 */
export async function replaceKeyFile(options: ReplaceKeyFileOptions): Promise<{ backup: string | null }> {
  const { file } = options
  const dir = path.dirname(file)
  await fs.mkdir(dir, { recursive: true, mode: 0o700 })
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
  let backup: string | null = null
  try {
    await writeSynced(temp, options.content)
    await options.verify(await fs.readFile(temp))
    if (await existsAsFile(file)) {
      backup = await backupPath(file)
      await fs.copyFile(file, backup, fs.constants.COPYFILE_EXCL)
      await fs.chmod(backup, 0o600)
      await syncFile(backup)
    }
    await fs.rename(temp, file)
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
  await syncDir(dir)
  return { backup }
}

async function writeSynced(file: string, content: Buffer): Promise<void> {
  const handle = await fs.open(file, 'wx', 0o600)
  try {
    await handle.writeFile(content)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Makes the rename durable; Windows cannot open a folder for syncing, and its rename is already durable enough. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  const handle = await fs.open(dir, 'r').catch(() => null)
  if (!handle) return
  try {
    await handle.sync().catch(() => undefined)
  } finally {
    await handle.close()
  }
}

async function existsAsFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(file)
    // A link or folder in place of the key is refused rather than followed or overwritten.
    if (!stat.isFile()) throw new Error(`${file} is not a regular file; refusing to replace it`)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

/** `<file>.backup-20250601T143005Z` (a suffix if two imports land in the same second). */
async function backupPath(file: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  for (let n = 0; ; n++) {
    const candidate = `${file}.backup-${stamp}${n ? `-${n}` : ''}`
    try {
      await fs.lstat(candidate)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return candidate
      throw error
    }
  }
}

/** The backups `replaceKeyFile` made of `file` (`<file>.backup-…`), newest first. */
export async function listKeyBackups(file: string): Promise<string[]> {
  const dir = path.dirname(file)
  const prefix = `${path.basename(file)}.backup-`
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const found: Array<{ file: string; mtimeMs: number }> = []
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const candidate = path.join(dir, name)
    const stat = await fs.lstat(candidate).catch(() => null)
    if (stat?.isFile()) found.push({ file: candidate, mtimeMs: stat.mtimeMs })
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file)).map((entry) => entry.file)
}
