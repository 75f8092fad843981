/**
 * What must hold before any profile of a batch starts: a batch that cannot succeed is refused up front,
 * with the reason, instead of spending every account of it (and a GoLogin start each) on the same failure.
 * Checked by "Authorize selected", "Retry" and the REST API's authorize alike.
 */
import type { ApiAppConfig } from '../../../shared/api-app'
import { DomainException } from '../../../shared/errors'
import { assertUsableApp } from '../oauth/token-requests'

export interface PreflightDeps {
  apiApps: { get(name: string): Promise<ApiAppConfig> }
  /** Which launcher starts profiles (the cloud one needs the GoLogin token). */
  launcherMode: () => 'desktop' | 'cloud'
  gologin: { status(): { hasToken: boolean; tokenRevoked: boolean } }
  /** Sandbox mode's simulated X (null when the panel talks to the real X): which client ids it knows. */
  sandbox: { knowsClient(clientId: string): boolean } | null
  /** The X authorize URL in use (a stand-in's, or X's own). */
  xAuthorizeUrl: () => string
}

/** X's own hosts: an app of the sandbox cannot work there (any other host is a stand-in the operator chose). */
function isRealX(authorizeUrl: string): boolean {
  try {
    return /(^|\.)(x|twitter)\.com$/i.test(new URL(authorizeUrl).hostname)
  } catch {
    return false
  }
}

/** Client ids of the API apps sandbox mode creates (`SANDBOX1`, `SANDBOX2`). */
const SANDBOX_CLIENT_PREFIX = 'sandbox-client-'

export class AuthorizationPreflight {
  constructor(private readonly deps: PreflightDeps) {}

  /** The API app's configuration, or the reason no account can be authorized for it right now. */
  async check(apiApp: string): Promise<ApiAppConfig> {
    const app = await this.deps.apiApps.get(apiApp)
    assertUsableApp(app)
    this.checkSandbox(app)
    this.checkGoLogin()
    return app
  }

  private checkSandbox(app: ApiAppConfig): void {
    const { sandbox } = this.deps
    if (sandbox && !sandbox.knowsClient(app.clientId)) {
      throw new DomainException(
        'INVALID_API_APP',
        `API app "${app.name}" is a real X app, but sandbox mode is on (X is simulated): its accounts cannot be authorized here. Turn sandbox mode off in Settings and restart, or use SANDBOX1/SANDBOX2.`,
        { details: { apiApp: app.name, sandboxMode: true } },
      )
    }
    if (!sandbox && app.clientId.startsWith(SANDBOX_CLIENT_PREFIX) && isRealX(this.deps.xAuthorizeUrl())) {
      throw new DomainException(
        'INVALID_API_APP',
        `API app "${app.name}" belongs to the sandbox (simulated X), but sandbox mode is off: X would not know it. Choose one of your own API apps.`,
        { details: { apiApp: app.name, sandboxMode: false } },
      )
    }
  }

  private checkGoLogin(): void {
    if (this.deps.launcherMode() !== 'cloud') return
    const { hasToken, tokenRevoked } = this.deps.gologin.status()
    if (!hasToken) {
      throw new DomainException('VALIDATION_ERROR', 'Profiles start in GoLogin’s cloud browser, which needs the GoLogin API token: set it in Settings first.', {
        details: { field: 'gologinToken' },
      })
    }
    if (tokenRevoked) {
      throw new DomainException('GOLOGIN_TOKEN_REVOKED', 'GoLogin revoked the API token, so no cloud profile can start. Issue a new token in GoLogin and enter it in Settings.')
    }
  }
}
