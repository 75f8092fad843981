/**
 * Whether this host's local REST API listens, and where: `host.json` of this host only. It used to be three shared
 * settings (`restApiEnabled`, `restApiHost`, `restApiPort`), so that `0.0.0.0` set on one panel opened a plain-HTTP
 * API on every host of the database; a host that has no `restApi` in its host.json yet takes those values once (an
 * operator keeps what they had) and never reads them again.
 */
import { In, type DataSource } from 'typeorm'
import { DEFAULT_REST_API_EXPOSURE, restApiExposureSchema, type RestApiExposure, type RestApiStatus } from '../../../shared/contract/hosts'
import { SettingEntity } from '../../db/entities'
import { settingMacVerifies } from '../../db/row-mac'
import { readHostConfig, writeHostConfig } from '../../host-config'
import type { RestApiHost } from '../../host/rest-api/rest-api-host'
import { isLoopback } from '../../host/rest-api/server'
import type { Logger } from '../../logging/logger'

/** The shared settings rows of before; read once per host, by `takeLegacyExposure`. */
export const LEGACY_REST_API_KEYS = { enabled: 'restApiEnabled', host: 'restApiHost', port: 'restApiPort' } as const

export interface RestApiExposureDeps {
  dataDir: string
  server: Pick<RestApiHost, 'apply' | 'url'>
  log: Logger
}

export class RestApiExposureService {
  private exposure: RestApiExposure = { ...DEFAULT_REST_API_EXPOSURE }
  private problem: string | null = null

  constructor(private readonly deps: RestApiExposureDeps) {}

  /** At start-up: reads host.json (taking the old shared values into it once) and applies it. */
  async start(dataSource: DataSource): Promise<void> {
    const { dataDir, log } = this.deps
    let stored: RestApiExposure | null
    try {
      stored = readHostConfig(dataDir).restApi
    } catch (error) {
      // Unreadable: the API stays off rather than guess where it may listen.
      this.problem = `${(error as Error).message} The local REST API stays off until it is fixed.`
      log.error('rest.exposure_unreadable', { err: error }, this.problem)
      return
    }
    if (!stored) {
      stored = await takeLegacyExposure(dataSource, log)
      try {
        writeHostConfig(dataDir, { restApi: stored })
        log.info('rest.exposure_taken', { ...stored }, "The local REST API's exposure moved from the shared settings to this host's host.json")
      } catch (error) {
        log.error('rest.exposure_write_failed', { err: error }, "The local REST API's exposure could not be written to host.json; it is taken from the shared settings again at the next start")
      }
    }
    await this.apply(stored)
  }

  status(): RestApiStatus {
    return { exposure: { ...this.exposure }, url: this.deps.server.url, problem: this.problem }
  }

  /** Writes host.json, then applies it at once; a server that cannot start is reported in `problem`. */
  async set(input: RestApiExposure): Promise<RestApiStatus & { message: string }> {
    const { restApi } = writeHostConfig(this.deps.dataDir, { restApi: input })
    const exposure = restApi ?? input
    this.deps.log.info('rest.exposure_set', { ...exposure }, "This host's local REST API exposure was changed")
    await this.apply(exposure)
    const status = this.status()
    const message = status.problem
      ? `Saved for this host, but ${status.problem}`
      : status.url
        ? `The local REST API of this host listens on ${status.url}${isLoopback(exposure.host) ? '' : ' and is reachable from other machines over plain HTTP'}.`
        : 'The local REST API of this host is off.'
    return { ...status, message }
  }

  private async apply(exposure: RestApiExposure): Promise<void> {
    this.exposure = { ...exposure }
    try {
      await this.deps.server.apply(exposure)
      this.problem = null
    } catch (error) {
      this.problem = (error as Error).message
      this.deps.log.error('rest.start_failed', { err: error }, 'The local REST API could not start')
    }
  }
}

/**
 * The old shared values (each unreadable or missing one at its default). A row whose MAC does not verify was written
 * without the data key (settings-service.ts refuses such rows too): it must not open this host's API, so it is ignored.
 */
async function takeLegacyExposure(dataSource: DataSource, log: Logger): Promise<RestApiExposure> {
  const rows = await dataSource.getRepository(SettingEntity).findBy({ key: In(Object.values(LEGACY_REST_API_KEYS)) })
  const value = (key: string): unknown => {
    const row = rows.find((r) => r.key === key)
    if (row && !settingMacVerifies(row)) {
      log.error('settings.row_refused', { table: 'settings', key }, `Settings row ${key} was changed in the database without the data key: not taken into host.json`)
      return undefined
    }
    try {
      return row?.value == null ? undefined : JSON.parse(row.value)
    } catch {
      return undefined
    }
  }
  const exposure = { ...DEFAULT_REST_API_EXPOSURE }
  for (const [field, key] of Object.entries(LEGACY_REST_API_KEYS) as Array<[keyof RestApiExposure, string]>) {
    const candidate = { ...exposure, [field]: value(key) }
    const parsed = restApiExposureSchema.safeParse(candidate)
    if (parsed.success) Object.assign(exposure, parsed.data)
  }
  return exposure
}
