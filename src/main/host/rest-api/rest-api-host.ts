import { Mutex } from 'async-mutex'
import { startRestApi, type RestApi, type RestApiOptions } from './server'

/** This host's local REST API exposure (`host.json`, services/hosts/rest-api-exposure.ts). */
export interface RestApiConfig {
  enabled: boolean
  host: string
  port: number
}

export type RestApiHostDeps = Omit<RestApiOptions, 'host' | 'port'> & {
  /** Starts a server (tests may pass their own). */
  start?: (options: RestApiOptions) => Promise<RestApi>
}

/**
 * Keeps the REST API in step with its exposure: off by default, started when enabled, restarted when the
 * host or port changes, stopped when disabled or at shutdown. Changes are applied one at a time.
 */
export class RestApiHost {
  private running: { config: RestApiConfig; api: RestApi } | null = null
  private readonly changes = new Mutex()

  constructor(private readonly deps: RestApiHostDeps) {}

  /** The server's URL while it runs, else null. */
  get url(): string | null {
    return this.running?.api.url ?? null
  }

  /** Applies a configuration; a start failure (port in use…) is thrown and leaves the API stopped. */
  apply(config: RestApiConfig): Promise<{ url: string | null }> {
    return this.changes.runExclusive(async () => {
      const current = this.running?.config
      if (current && config.enabled && current.host === config.host && current.port === config.port) return { url: this.url }
      await this.stopRunning()
      if (!config.enabled) return { url: null }
      const { start = startRestApi, ...options } = this.deps
      const api = await start({ ...options, host: config.host, port: config.port })
      this.running = { config: { ...config }, api }
      return { url: api.url }
    })
  }

  close(): Promise<void> {
    return this.changes.runExclusive(() => this.stopRunning())
  }

  private async stopRunning(): Promise<void> {
    const running = this.running
    this.running = null
    await running?.api.close()
  }
}
