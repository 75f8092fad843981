/**
 * What belongs to this machine and not to the shared database: `host.json` in the data folder. Every host of one
 * database has its own GoLogin desktop app, CPU and RAM, so how many profiles it runs at once is its own:
 * `{ "slots": 6 }`, or `{ "slots": null }` (and no file at all) for the shared `maxConcurrentProfiles` setting.
 * Its local REST API too (`"restApi": { "enabled", "host", "port" }`): whether this machine listens, and where, is
 * never decided by another host through the database.
 * Written 0600 and atomically (temp file, then rename), each write keeping the fields it does not change.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { restApiExposureSchema } from '../shared/contract/hosts'
import { ValidationException } from '../shared/errors'
import { ensurePrivateDir } from './security/private-files'

export const HOST_CONFIG_FILE = 'host.json'
/** The same bounds as the shared `maxConcurrentProfiles` setting. */
export const HOST_SLOTS_MIN = 1
export const HOST_SLOTS_MAX = 50

export const hostSlotsSchema = z.number().int().min(HOST_SLOTS_MIN).max(HOST_SLOTS_MAX).nullable()

export const hostConfigSchema = z.object({
  /** Profiles this host runs at once; null: the shared `maxConcurrentProfiles` setting. */
  slots: hostSlotsSchema.default(null),
  /** This host's local REST API; null: not written yet (taken once from the old shared settings, rest-api-exposure.ts). */
  restApi: restApiExposureSchema.nullable().default(null),
})

export type HostConfig = z.output<typeof hostConfigSchema>

export const DEFAULT_HOST_CONFIG: HostConfig = Object.freeze({ slots: null, restApi: null })

const FIELD_HINTS: Record<string, string> = {
  slots: `"slots" must be a whole number from ${HOST_SLOTS_MIN} to ${HOST_SLOTS_MAX}, or null for the shared setting`,
  restApi: '"restApi" must read {"enabled": false, "host": "127.0.0.1", "port": 8000}',
}

export function hostConfigPath(dataDir: string): string {
  return path.join(dataDir, HOST_CONFIG_FILE)
}

/** This host's settings; the defaults when `host.json` does not exist. A malformed file is an error naming it. */
export function readHostConfig(dataDir: string): HostConfig {
  const file = hostConfigPath(dataDir)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ...DEFAULT_HOST_CONFIG }
    throw new ValidationException(`Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'read error'}).`, { file })
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new ValidationException(`${file} is not JSON; it should read {"slots": 5} (or {"slots": null} for the shared setting), or be deleted.`, { file })
  }
  const result = hostConfigSchema.safeParse(parsed)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(file)'
    const hint = FIELD_HINTS[String(issue?.path[0])] ?? FIELD_HINTS.slots
    throw new ValidationException(`${file}: ${field}: ${issue?.message ?? 'invalid value'}; ${hint}.`, { file, field })
  }
  return result.data
}

/**
 * Writes the given fields to `host.json` (0600, atomically), keeping the others (an unreadable file is replaced).
 * Slots apply at the next start; the REST API's caller applies it at once.
 */
export function writeHostConfig(dataDir: string, patch: Partial<HostConfig>): HostConfig {
  let current: HostConfig
  try {
    current = readHostConfig(dataDir)
  } catch {
    current = { ...DEFAULT_HOST_CONFIG }
  }
  const result = hostConfigSchema.safeParse({ ...current, ...patch })
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : 'slots'
    const hint = field.startsWith('restApi') ? 'a host name or IP address, and a port from 0 to 65535' : `a whole number from ${HOST_SLOTS_MIN} to ${HOST_SLOTS_MAX}, or null for the shared setting`
    throw new ValidationException(`${field}: ${issue?.message ?? 'invalid value'} (${hint})`, { field })
  }
  const file = hostConfigPath(dataDir)
  ensurePrivateDir(dataDir)
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = fs.openSync(temp, 'wx', 0o600)
    try {
      fs.writeFileSync(fd, `${JSON.stringify(result.data, null, 2)}\n`)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temp, file)
  } catch (error) {
    fs.rmSync(temp, { force: true })
    throw error
  }
  return result.data
}
