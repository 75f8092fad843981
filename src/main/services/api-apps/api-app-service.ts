import { Not, In, type DataSource, type EntityManager } from 'typeorm'
import { scopeWarnings, type ApiAppConfig } from '../../../shared/api-app'
import { apiAppInputSchema, type ApiAppView } from '../../../shared/contract/settings'
import { DomainException, ValidationException } from '../../../shared/errors'
import { ApiAppEntity } from '../../db/entities'
import { apiAppMac, apiAppMacVerifies, REFUSED_ROW_MESSAGE, type ApiAppMacFields } from '../../db/row-mac'
import type { Logger } from '../../logging/logger'
import { fieldsError, issuesToFields } from '../settings/field-errors'
import { readEnvApiApps } from './env-api-apps'

export interface ApiAppStore {
  dataSource: DataSource
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>
}

export interface ApiAppServiceDeps {
  database: ApiAppStore
  log: Logger
  /** Source of `<APP>_CLIENT_ID` / `_CLIENT_SECRET` / `_CALLBACK_URL`; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Called with every client secret in use, so the log redactor can scrub it. */
  onSecret?: (value: string) => void
  /** Called after any change (save, delete, environment applied), e.g. to push a fresh list. */
  onChange?: () => void
}

/**
 * X developer apps (`api_apps`): listed without secrets, read decrypted for internal use, created
 * and updated with validation (the secret is write-only: an update without one keeps the stored
 * one), deleted only while nothing depends on them. Apps defined by environment variables are
 * upserted at start-up and are read-only here. Each row carries a MAC (`row-mac.ts`): a row changed
 * in the database without the data key is refused (the last good copy this host read, or none).
 */
export class ApiAppService {
  /** The last configuration read with a valid MAC, by name in lower case. */
  private readonly lastGood = new Map<string, ApiAppConfig>()
  /** Refused rows already reported (name and MAC), so a refused row is logged once, not on every read. */
  private readonly reported = new Set<string>()

  constructor(private readonly deps: ApiAppServiceDeps) {}

  private get repo() {
    return this.deps.database.dataSource.getRepository(ApiAppEntity)
  }

  /** Start-up: upserts the apps the environment defines; throws a `VALIDATION_ERROR` naming bad variables. */
  async applyEnvironment(): Promise<{ applied: string[] }> {
    const { apps, problems } = readEnvApiApps(this.deps.env ?? process.env)
    if (problems.length) {
      const variables = Object.fromEntries(problems.map((p) => [p.variable, p.message]))
      throw new ValidationException(`Invalid API app environment variable(s): ${problems.map((p) => p.message).join('; ')}`, { variables })
    }
    await this.deps.database.transaction(async (manager) => {
      for (const app of apps) {
        const existing = await manager.findOneBy(ApiAppEntity, { name: app.name })
        if (existing && !existing.envManaged) {
          this.deps.log.warn('api_apps.env_takeover', { name: existing.name }, `API app ${existing.name} is now defined by environment variables ${app.name}_*`)
        }
        await manager.save(ApiAppEntity, {
          ...(existing ? { id: existing.id } : {}),
          clientSecret: app.clientSecret,
          ...authenticated({
            name: existing ? existing.name : app.name,
            oauthVersion: '2.0',
            clientType: 'confidential',
            clientId: app.clientId,
            redirectUri: app.redirectUri,
            scopes: app.scopes,
            redemption: 'panel',
            startUrl: null,
            callbackMarker: null,
            envManaged: true,
          }),
        })
      }
      // Apps whose variables were removed become ordinary, editable apps (their history stays).
      const released = await manager.find(ApiAppEntity, { where: { envManaged: true, name: Not(In(apps.map((app) => app.name))) } })
      for (const app of released) await manager.update(ApiAppEntity, { id: app.id }, authenticated({ ...macFields(app), envManaged: false }))
    })
    for (const app of apps) this.deps.onSecret?.(app.clientSecret)
    const all = await this.repo.find()
    for (const app of all) if (app.clientSecret) this.deps.onSecret?.(app.clientSecret)
    if (apps.length) this.deps.log.info('api_apps.env_applied', { names: apps.map((app) => app.name) }, `API apps from the environment: ${apps.map((a) => a.name).join(', ')}`)
    this.deps.onChange?.()
    return { applied: apps.map((app) => app.name) }
  }

  async list(): Promise<ApiAppView[]> {
    const apps = await this.repo.find({ order: { name: 'ASC' } })
    return apps.map((app) => (this.verified(app) ? toView(app) : { ...toView(app), refused: REFUSED_ROW_MESSAGE }))
  }

  /**
   * The decrypted configuration for the OAuth flow; `INVALID_API_APP` if unknown or incomplete, or if its row
   * was changed without the data key and this host has no good copy of it.
   */
  async get(name: string): Promise<ApiAppConfig> {
    const app = await this.repo.findOneBy({ name })
    if (!app) throw new DomainException('INVALID_API_APP', `Unknown API app: ${name}`, { details: { apiApp: name } })
    if (!this.verified(app)) {
      const good = this.lastGood.get(app.name.toLowerCase())
      if (good) return { ...good, scopes: [...good.scopes] }
      throw new DomainException('INVALID_API_APP', `API app ${app.name} was changed in the database without the data key, so it is not used; re-enter it in Settings → API apps`, {
        details: { apiApp: app.name, table: 'api_apps' },
      })
    }
    // In pass-through the app's own server redeems with its secret: the panel needs none.
    if (app.clientType === 'confidential' && !app.clientSecret && app.redemption !== 'callback') {
      const what = app.oauthVersion === '1.0a' ? 'consumer secret' : 'client secret'
      throw new DomainException('INVALID_API_APP', `API app ${app.name} has no ${what}; add it in Settings → API apps`, { details: { apiApp: app.name } })
    }
    const config = this.configOf(app)
    this.lastGood.set(app.name.toLowerCase(), config)
    return { ...config, scopes: [...config.scopes] }
  }

  /** Whether the row's MAC verifies; a refused row is logged (once per stored MAC) naming the app. */
  private verified(app: ApiAppEntity): boolean {
    if (apiAppMacVerifies(app)) return true
    const signature = `${app.name}\n${app.mac ?? ''}`
    if (!this.reported.has(signature)) {
      this.reported.add(signature)
      this.deps.log.error('api_apps.row_refused', { table: 'api_apps', apiApp: app.name }, `API app ${app.name} was changed in the database without the data key: not used. Re-enter it in Settings → API apps.`)
    }
    return false
  }

  private configOf(app: ApiAppEntity): ApiAppConfig {
    return {
      name: app.name,
      oauthVersion: app.oauthVersion,
      clientType: app.clientType,
      clientId: app.clientId,
      clientSecret: app.clientType === 'public' ? null : app.clientSecret,
      redirectUri: app.redirectUri,
      scopes: [...app.scopes],
      redemption: app.redemption ?? 'panel',
      startUrl: app.startUrl ?? null,
      callbackMarker: app.callbackMarker ?? null,
    }
  }

  /** Creates or updates an app by name (case-insensitive). Omitting `clientSecret` keeps the stored one. */
  async save(input: unknown): Promise<ApiAppView> {
    const parsed = apiAppInputSchema.safeParse(input)
    if (!parsed.success) throw fieldsError('API app not saved', issuesToFields(parsed.error.issues))
    const app = parsed.data
    const saved = await this.deps.database.transaction(async (manager) => {
      const existing = await manager.findOneBy(ApiAppEntity, { name: app.name })
      if (existing?.envManaged) throw envManagedError(existing.name)
      const secret = app.clientType === 'public' ? null : app.clientSecret === undefined ? (existing?.clientSecret ?? null) : app.clientSecret
      if (app.clientType === 'confidential' && !secret && app.redemption === 'panel') {
        throw fieldsError('API app not saved', { clientSecret: app.oauthVersion === '1.0a' ? 'is required: the consumer secret signs every OAuth 1.0a request' : 'is required for a confidential client' })
      }
      const stored = await manager.save(ApiAppEntity, {
        ...(existing ? { id: existing.id } : {}),
        clientSecret: secret,
        ...authenticated({
          // The stored name keeps its spelling: profiles and sessions refer to it.
          name: existing ? existing.name : app.name,
          oauthVersion: app.oauthVersion,
          clientType: app.clientType,
          clientId: app.clientId,
          redirectUri: app.redirectUri,
          // 1.0a apps have no scopes: their permissions are set on the X app itself.
          scopes: app.oauthVersion === '1.0a' ? [] : app.scopes,
          redemption: app.redemption,
          startUrl: app.redemption === 'callback' ? (app.startUrl ?? null) : null,
          callbackMarker: app.redemption === 'callback' ? (app.callbackMarker ?? null) : null,
          envManaged: false,
        }),
      })
      return { id: stored.id, name: stored.name, secret }
    })
    if (saved.secret) this.deps.onSecret?.(saved.secret)
    this.deps.log.info('api_apps.saved', { name: saved.name }, `API app ${saved.name} saved`)
    this.deps.onChange?.()
    const view = toView((await this.repo.findOneByOrFail({ id: saved.id })) as ApiAppEntity)
    // Saved all the same (the operator may mean it), but said where an operator reading the log will see it.
    if (view.warnings) this.deps.log.warn('api_apps.scope_warning', { name: view.name, scopes: view.scopes }, `API app ${view.name}: ${view.warnings.join(' ')}`)
    return view
  }

  /**
   * Deletes an app nothing depends on. Refused while profiles are mapped to it or tokens issued
   * for it are still valid (refreshing them needs its credentials); past sessions keep its name.
   */
  async delete(name: string): Promise<void> {
    await this.deps.database.transaction(async (manager) => {
      const app = await manager.findOneBy(ApiAppEntity, { name })
      if (!app) throw new DomainException('NOT_FOUND', `No API app named ${name}`, { details: { apiApp: name } })
      if (app.envManaged) throw envManagedError(app.name)
      const [{ profiles }] = await manager.query(`SELECT COUNT(*) AS profiles FROM profiles WHERE lower(api_app) = lower(?)`, [app.name])
      const [{ tokens }] = await manager.query(
        `SELECT COUNT(*) AS tokens FROM authorization_sessions WHERE lower(api_app) = lower(?) AND token_status = 'valid'`,
        [app.name],
      )
      if (profiles > 0 || tokens > 0) {
        throw new DomainException(
          'CONFLICT',
          `API app ${app.name} is still in use (${profiles} mapped profile(s), ${tokens} valid token(s)). Map those profiles to another app first; valid tokens need the app to refresh.`,
          { details: { apiApp: app.name, profiles, tokens } },
        )
      }
      await manager.delete(ApiAppEntity, { id: app.id })
    })
    this.deps.log.info('api_apps.deleted', { name }, `API app ${name} deleted`)
    this.deps.onChange?.()
  }
}

/** What the MAC of an `api_apps` row covers. */
type AppFields = Pick<ApiAppEntity, keyof ApiAppMacFields>

function macFields(app: ApiAppEntity): AppFields {
  const { name, oauthVersion, clientType, clientId, redirectUri, scopes, redemption, startUrl, callbackMarker, envManaged } = app
  return { name, oauthVersion, clientType, clientId, redirectUri, scopes, redemption, startUrl, callbackMarker, envManaged }
}

/** The row's fields with their MAC (`row-mac.ts`), for a write. */
function authenticated(fields: AppFields): AppFields & { mac: string } {
  return { ...fields, mac: apiAppMac(fields) }
}

function envManagedError(name: string): DomainException {
  return new DomainException(
    'CONFLICT',
    `API app ${name} is defined by the environment variables ${name}_CLIENT_ID, ${name}_CLIENT_SECRET and ${name}_CALLBACK_URL; change them there`,
    { details: { apiApp: name } },
  )
}

function toView(app: ApiAppEntity): ApiAppView {
  const warnings = scopeWarnings({ oauthVersion: app.oauthVersion, scopes: app.scopes ?? [] })
  return {
    name: app.name,
    oauthVersion: app.oauthVersion,
    clientType: app.clientType,
    clientId: app.clientId,
    hasSecret: typeof app.clientSecret === 'string' && app.clientSecret.length > 0,
    redirectUri: app.redirectUri,
    scopes: [...(app.scopes ?? [])],
    redemption: app.redemption ?? 'panel',
    startUrl: app.startUrl ?? null,
    callbackMarker: app.callbackMarker ?? null,
    envManaged: app.envManaged,
    createdAt: new Date(app.createdAt).toISOString(),
    updatedAt: app.updatedAt ? new Date(app.updatedAt).toISOString() : null,
    ...(warnings.length ? { warnings } : {}),
  }
}
