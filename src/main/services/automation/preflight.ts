/**
 * What must hold before any profile of a batch starts: a batch that cannot succeed is refused up front,
 * with the reason, instead of spending every account of it (and a GoLogin start each) on the same failure.
 * Checked by "Authorize selected", "Retry" and the REST API's authorize alike.
 */
import type { ApiAppConfig } from '../../../shared/api-app'
import { DomainException, TwitterAPIException } from '../../../shared/errors'
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
  /** OAuth 1.0a: a request token proves X accepts the app's consumer key and secret (`OAuth1Client` fits). */
  oauth1?: { requestToken(app: ApiAppConfig): Promise<unknown> }
  now?: () => number
}

/** How long a 1.0a app whose credentials X accepted is not asked again. */
const CREDENTIALS_CHECK_TTL_MS = 10 * 60_000

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
  /** 1.0a apps whose consumer credentials X accepted, and until when that answer is trusted. */
  private readonly accepted = new Map<string, number>()

  constructor(private readonly deps: PreflightDeps) {}

  /** The API app's configuration, or the reason no account can be authorized for it right now. */
  async check(apiApp: string): Promise<ApiAppConfig> {
    const app = await this.deps.apiApps.get(apiApp)
    assertUsableApp(app)
    this.checkSandbox(app)
    this.checkGoLogin()
    await this.checkOAuth1Credentials(app)
    return app
  }

  /**
   * A 1.0a app redeemed by the panel: one request token shows whether X accepts its consumer key and secret,
   * before a batch spends a profile start per account on the same refusal. Only X's refusal refuses the batch;
   * a passing failure (X unreachable, 5xx) leaves the accounts to try.
   */
  private async checkOAuth1Credentials(app: ApiAppConfig): Promise<void> {
    const { oauth1 } = this.deps
    if (!oauth1 || app.oauthVersion !== '1.0a' || app.redemption === 'callback') return
    const now = this.deps.now?.() ?? Date.now()
    const key = `${app.name}\n${app.clientId}\n${app.clientSecret ?? ''}\n${app.redirectUri}`
    if ((this.accepted.get(key) ?? 0) > now) return
    try {
      await oauth1.requestToken(app)
      this.accepted.set(key, now + CREDENTIALS_CHECK_TTL_MS)
    } catch (error) {
      if (!(error instanceof TwitterAPIException) || error.statusCode < 400 || error.statusCode >= 500) return
      throw new DomainException('INVALID_API_APP', `X refused the consumer key and secret of API app "${app.name}" (${error.message}); check them in Settings → API apps.`, {
        details: { apiApp: app.name, statusCode: error.statusCode },
      })
    }
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
