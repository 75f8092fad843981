/**
 * Which database the panel opens, decided before any database is open (so it cannot be a setting stored
 * in the database):
 * 1. the `DATABASE_URL` environment variable, when set and not empty;
 * 2. else `database.json` in the data folder, `{ "url": "postgres://…" }` (0600: it may hold a password) —
 *    how the desktop app, started from an icon without environment variables, is pointed at PostgreSQL;
 * 3. else SQLite in the data folder (`panel.db`), as before.
 * Only `postgres://` / `postgresql://` URLs are accepted; anything else is refused with the reason.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ValidationException } from '../../shared/errors'
import { writePrivateFileSync } from '../security/private-files'
import { describePostgresUrl } from './postgres'

export const DATABASE_CONFIG_FILE = 'database.json'

export interface DatabaseChoice {
  /** The PostgreSQL URL; null for SQLite in the data folder. */
  url: string | null
  /** Where the choice came from, for the log and error messages. */
  source: 'DATABASE_URL' | typeof DATABASE_CONFIG_FILE | 'default'
}

export function resolveDatabaseChoice(dataDir: string, env: NodeJS.ProcessEnv = process.env): DatabaseChoice {
  const fromEnv = env.DATABASE_URL?.trim()
  if (fromEnv) return { url: checkedUrl(fromEnv, 'DATABASE_URL'), source: 'DATABASE_URL' }
  const file = path.join(dataDir, DATABASE_CONFIG_FILE)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { url: null, source: 'default' }
    throw new ValidationException(`Cannot read ${file}: ${(error as Error).message}`, { file })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ValidationException(`${file} is not JSON; it should read {"url": "postgres://user:password@host:5432/database"}, or be deleted to use SQLite`, { file })
  }
  const url = parsed && typeof parsed === 'object' ? (parsed as { url?: unknown }).url : undefined
  if (url === null || url === undefined || url === '') return { url: null, source: 'default' }
  if (typeof url !== 'string') throw new ValidationException(`${file}: "url" must be a postgres:// URL or null`, { file })
  return { url: checkedUrl(url.trim(), file), source: DATABASE_CONFIG_FILE }
}

/** Writes (or, with null, removes) the data folder's database choice; it applies at the next start. */
export function writeDatabaseConfig(dataDir: string, url: string | null): void {
  const file = path.join(dataDir, DATABASE_CONFIG_FILE)
  if (url === null) return void fs.rmSync(file, { force: true })
  checkedUrl(url, 'url')
  const temp = `${file}.${process.pid}.tmp`
  writePrivateFileSync(temp, `${JSON.stringify({ url }, null, 2)}\n`)
  fs.renameSync(temp, file)
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(value)
}

function checkedUrl(url: string, source: string): string {
  if (!isPostgresUrl(url)) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? 'no scheme'
    throw new ValidationException(
      `${source} must be a PostgreSQL URL (postgres://user:password@host:5432/database), not ${scheme}; leave it unset to use SQLite in the data folder`,
      { source },
    )
  }
  try {
    const parsed = new URL(url)
    if (!parsed.hostname && !parsed.searchParams.get('host')) throw new Error('no host')
    if (parsed.pathname.length <= 1) throw new Error('no database name')
  } catch (error) {
    throw new ValidationException(`${source} is not a usable PostgreSQL URL (${(error as Error).message}): ${describePostgresUrl(url)}`, { source })
  }
  return url
}
