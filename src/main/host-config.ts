/**
 * What belongs to this machine and not to the shared database: `host.json` in the data folder. Every host of one
 * database has its own GoLogin desktop app, CPU and RAM, so how many profiles it runs at once is its own:
 * `{ "slots": 6 }`, or `{ "slots": null }` (and no file at all) for the shared `maxConcurrentProfiles` setting.
 * Read at start-up (a change applies at the next start); written 0600 and atomically (temp file, then rename).
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
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
})

export type HostConfig = z.output<typeof hostConfigSchema>

export const DEFAULT_HOST_CONFIG: HostConfig = Object.freeze({ slots: null })

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
    throw new ValidationException(
      `${file}: ${field}: ${issue?.message ?? 'invalid value'}; "slots" must be a whole number from ${HOST_SLOTS_MIN} to ${HOST_SLOTS_MAX}, or null for the shared setting.`,
      { file, field },
    )
  }
  return result.data
}

/** Writes `host.json` (0600, atomically); it applies at the next start. */
export function writeHostConfig(dataDir: string, config: HostConfig): HostConfig {
  const result = hostConfigSchema.safeParse(config)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : 'slots'
    throw new ValidationException(`${field}: ${issue?.message ?? 'invalid value'} (a whole number from ${HOST_SLOTS_MIN} to ${HOST_SLOTS_MAX}, or null for the shared setting)`, { field })
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
