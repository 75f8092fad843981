/**
 * This host's name among the hosts of a database, kept in the data folder's `host-id` file (0600): made once as
 * `<hostname>/<short random>` and read at every start, so a restarted panel is the same host and its start-up
 * recovery frees what its previous run held. A folder copied to another machine (another hostname) gets a new
 * id there, so two machines never share one.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const HOST_ID_FILE = 'host-id'
const STORED_ID = /^[\w.-]{1,80}\/[0-9a-f]{6,32}$/

export function hostIdPath(dataDir: string): string {
  return path.join(dataDir, HOST_ID_FILE)
}

/** The machine's name as it appears in a host id (letters, digits, `.`, `-`, `_`). */
export function hostNamePart(hostname = os.hostname()): string {
  return hostname.replace(/[^\w.-]/g, '-').slice(0, 80) || 'host'
}

/** The id kept in `dataDir`, made (and written 0600) the first time; a file of another machine or unreadable content is replaced. */
export function readOrCreateHostId(dataDir: string, hostname = os.hostname()): string {
  const file = hostIdPath(dataDir)
  const name = hostNamePart(hostname)
  const stored = readStored(file)
  if (stored && stored.slice(0, stored.lastIndexOf('/')) === name) return stored
  const id = `${name}/${randomBytes(4).toString('hex')}`
  fs.mkdirSync(dataDir, { recursive: true })
  // Written beside it, then renamed: two starts racing on one folder end with one whole file, and the loser reads it.
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    fs.writeFileSync(temp, `${id}\n`, { mode: 0o600, flag: 'wx' })
    if (stored) fs.renameSync(temp, file)
    else {
      try {
        fs.linkSync(temp, file)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const winner = readStored(file)
        if (winner) return winner
        fs.renameSync(temp, file)
      }
    }
  } finally {
    fs.rmSync(temp, { force: true })
  }
  return id
}

function readStored(file: string): string | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim()
    return STORED_ID.test(text) ? text : null
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}
