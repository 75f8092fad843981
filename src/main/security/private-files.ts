/**
 * The data folder and everything the panel writes in it are private to the user who runs it (issue 20): folders
 * 0700, files 0600 from their first byte. Each is created with an explicit mode and then chmod-ed, so neither the
 * process umask (left alone: it belongs to the operator) nor an older version's 0755/0644 decides.
 *
 * Windows has no POSIX mode bits (a file's ACL is inherited from the user's profile folder), so there the modes
 * are passed but nothing is chmod-ed.
 */
import fs from 'node:fs'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600
const POSIX = process.platform !== 'win32'

/** Creates `dir` (and missing parents) 0700, and tightens it to 0700 if it already existed. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (POSIX) chmodOwned(dir, PRIVATE_DIR_MODE)
}

export async function ensurePrivateDirAsync(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (POSIX) chmodOwned(dir, PRIVATE_DIR_MODE)
}

/** Tightens an existing file to 0600 (one a library created, or an older version wrote); a missing one is fine. */
export function makePrivate(file: string): void {
  if (!POSIX) return
  try {
    fs.chmodSync(file, PRIVATE_FILE_MODE)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

/** Creates `file` empty and 0600 if it is missing (so a library that opens it later keeps that mode), else tightens it. */
export function touchPrivate(file: string): void {
  fs.closeSync(openPrivate(file, 'a'))
}

/** `fs.openSync` with the file 0600 before anything is written to it, even when it already existed. */
export function openPrivate(file: string, flags: string): number {
  const fd = fs.openSync(file, flags, PRIVATE_FILE_MODE)
  try {
    if (POSIX) fs.fchmodSync(fd, PRIVATE_FILE_MODE)
  } catch (error) {
    fs.closeSync(fd)
    throw error
  }
  return fd
}

/** Writes a whole file, 0600 from its first byte. */
export function writePrivateFileSync(file: string, data: string | Uint8Array): void {
  const fd = openPrivate(file, 'w')
  try {
    fs.writeFileSync(fd, data)
  } finally {
    fs.closeSync(fd)
  }
}

/** chmod, except on a folder someone else owns (a shared --data-dir): only its owner may, and it is theirs to decide. */
function chmodOwned(target: string, mode: number): void {
  try {
    fs.chmodSync(target, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error
  }
}
