/**
 * Runs profiles in GoLogin's cloud browser: the connect URL itself starts the profile
 * (`wss://cloudbrowser.gologin.com/connect?token=…&profile=…`), and `DELETE /browser/{id}/web` on the
 * cloud API stops it, through the rate-limited API client.
 */
import { GoLoginAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import type { CdpEndpoint, ProfileLauncher, StartProfileOptions } from './types'

export const GOLOGIN_CLOUD_BROWSER_URL = 'wss://cloudbrowser.gologin.com/connect'

/** The part of `GoLoginApiClient` the cloud launcher needs. */
export interface CloudBrowserApi {
  getToken(): string | null
  readonly tokenRevoked: boolean
  stopCloudBrowser(profileId: string, options?: { signal?: AbortSignal }): Promise<void>
  connectCloudBrowser<T>(connect: () => Promise<T>, options?: { signal?: AbortSignal; onRefused?: () => void }): Promise<T>
}

export interface CloudBrowserLauncherOptions {
  api: CloudBrowserApi
  logger: Logger
  connectUrl?: string
}

export class CloudBrowserLauncher implements ProfileLauncher {
  readonly kind = 'cloud'
  private readonly connectUrl: string
  /** Profiles started here whose connect never reached GoLogin (or was refused): nothing runs there to stop. */
  private readonly unreached = new Set<string>()

  constructor(private readonly options: CloudBrowserLauncherOptions) {
    this.connectUrl = options.connectUrl ?? GOLOGIN_CLOUD_BROWSER_URL
  }

  async start(profileId: string, options: StartProfileOptions = {}): Promise<CdpEndpoint> {
    // Nothing is started until the browser connects (guardConnect): until then a stop has nothing to do.
    this.unreached.add(profileId)
    options.signal?.throwIfAborted()
    const token = this.options.api.getToken()
    if (this.options.api.tokenRevoked) throw new GoLoginAPIException(429, 'The GoLogin token is revoked; issue a new token in GoLogin and enter it in Settings.')
    if (!token) throw new GoLoginAPIException(401, 'No GoLogin API token is set. Enter your GoLogin token in Settings.')
    const url = new URL(this.connectUrl)
    url.searchParams.set('token', token)
    url.searchParams.set('profile', profileId)
    this.options.logger.debug('gologin.cloud.connect', { profileId })
    return { browserWSEndpoint: url.href }
  }

  /** Stops the cloud browser; a profile whose connect never reached GoLogin (or that GoLogin refused) has nothing to stop. */
  async stop(profileId: string, options: StartProfileOptions = {}): Promise<void> {
    if (this.unreached.delete(profileId)) return
    await this.options.api.stopCloudBrowser(profileId, options)
  }

  /** The connect URL starts the profile at GoLogin: it is a rate-limited GoLogin request like any other. */
  async guardConnect<T>(profileId: string, connect: () => Promise<T>): Promise<T> {
    return this.options.api.connectCloudBrowser(async () => {
      // From here GoLogin may start the browser, whatever the outcome (a handshake refused with 401/429 excepted).
      this.unreached.delete(profileId)
      return connect()
    }, { onRefused: () => this.unreached.add(profileId) })
  }
}
