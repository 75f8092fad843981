/**
 * The GoLogin side of the panel as the rest of it uses it: profile sync (one at a time, progress on
 * the `sync` event), which profile holds which X account, the operator's mapping (edit, CSV import),
 * the grid's profile list, and the token check. The API client and its rate limiter come from the
 * GoLogin runtime; nothing here talks to GoLogin any other way.
 */
import type { ImportPreview, ProfileRow, SyncProgress } from '../../../shared/contract/profiles'
import { AppException, DomainException, InfrastructureException, ProfileNotFoundException, ValidationException } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import { applyMappingEdit, PatternMapper, type ApiAppDirectory, type MappingEdit } from './account-mapping'
import { GoLoginApiClient } from './api-client'
import { MappingImport } from './mapping-import'
import { withHostLock } from '../../db/host-lock'
import { isoFromSqlite } from '../../db/sqlite-handle'
import { ProfileQueries, type ProfilePage } from './profile-queries'
import { runProfileSync, type SyncDatabase, type SyncOutcome, type SyncStep } from './profile-sync'
import type { SecretRegistry } from './types'

/** The parts of the API client the service uses (the runtime's `GoLoginApiClient` fits). */
export type GoLoginClientPort = Pick<GoLoginApiClient, 'pages' | 'testConnection' | 'status' | 'limiter'> & Partial<Pick<GoLoginApiClient, 'stops'>>

export interface GoLoginServiceDeps {
  client: GoLoginClientPort
  database: SyncDatabase
  /** Reads `usernamePattern` at the start of each sync (`SettingsService` fits). */
  settings: { get(key: 'usernamePattern'): string }
  apiApps: ApiAppDirectory
  events: Pick<EventHub, 'emit'>
  logger: Logger
  /** Learns a candidate token given to `testConnection` so the logs scrub it. */
  secrets?: SecretRegistry
  /** A client for a candidate token; by default a real one sharing the main client's rate limiter. */
  clientForToken?: (token: string) => Pick<GoLoginApiClient, 'testConnection'>
}

export const NO_TOKEN_MESSAGE = 'Set the GoLogin API token in Settings first.'
/** `details.reason` of the CONFLICT a sync answers while another host of the database is syncing. */
export const SYNC_ELSEWHERE = 'sync_elsewhere'

export class GoLoginService {
  private readonly log: Logger
  private readonly queries: ProfileQueries
  private readonly imports: MappingImport
  private progress: SyncProgress = idleProgress()
  private running: Promise<SyncOutcome> | null = null
  /** Aborts the running sync (panel closing, or a caller's signal). */
  private syncRun: AbortController | null = null
  private readonly closing = new AbortController()

  constructor(private readonly deps: GoLoginServiceDeps) {
    this.log = deps.logger
    this.queries = new ProfileQueries(deps.database)
    this.imports = new MappingImport({ database: deps.database, log: deps.logger.child('import') })
  }

  // ---- sync ----

  /**
   * Syncs every profile from GoLogin; a call during a running sync joins it. Rejects with the
   * reason (also in `syncStatus().error` and the log) when the sync fails. `signal` (the sync
   * worker's, aborted when the panel quits) stops the sync between two requests, whoever started it.
   */
  syncProfiles(signal?: AbortSignal): Promise<SyncOutcome> {
    if (!this.running) {
      const run = new AbortController()
      const stop = (reason: unknown) => run.abort(reason instanceof DomainException ? reason : new DomainException('INTERRUPTED', 'The profile sync was stopped.'))
      const onClose = () => stop(this.closing.signal.reason)
      this.closing.signal.addEventListener('abort', onClose, { once: true })
      this.syncRun = run
      this.running = this.runSync(run.signal).finally(() => {
        this.closing.signal.removeEventListener('abort', onClose)
        this.running = null
        this.syncRun = null
      })
    }
    if (signal && this.syncRun) {
      const run = this.syncRun
      if (signal.aborted) run.abort(new DomainException('INTERRUPTED', 'The profile sync was stopped.'))
      else signal.addEventListener('abort', () => run.abort(new DomainException('INTERRUPTED', 'The profile sync was stopped.')), { once: true })
    }
    return this.running
  }

  /** Starts a sync (or joins the running one) and answers its progress at once; no token → `VALIDATION_ERROR`. */
  startSync(): SyncProgress {
    const wasRunning = this.running !== null
    const run = this.syncProfiles()
    // The outcome is reported through the progress; the failure is already logged.
    run.catch(() => undefined)
    if (!wasRunning && !this.progress.running && this.progress.errorCode === 'VALIDATION_ERROR') {
      throw new ValidationException(this.progress.error ?? NO_TOKEN_MESSAGE, { field: 'gologinToken' })
    }
    return this.syncStatus()
  }

  syncStatus(): SyncProgress {
    return { ...this.progress }
  }

  /** When the newest sync that wrote profiles started, whichever host ran it (null: never synced). */
  async lastSyncedAt(): Promise<Date | null> {
    const [row] = (await this.deps.database.dataSource.query('SELECT MAX(last_synced) AS at FROM profiles')) as Array<{ at: Date | string | null }>
    const iso = isoFromSqlite(row?.at)
    return iso ? new Date(iso) : null
  }

  private async runSync(signal: AbortSignal): Promise<SyncOutcome> {
    const startedAt = new Date()
    this.setProgress({ ...idleProgress(), running: true, startedAt: startedAt.toISOString() })
    try {
      if (!this.deps.client.status().hasToken) throw new ValidationException(NO_TOKEN_MESSAGE, { field: 'gologinToken' })
      if (this.closing.signal.aborted) throw new DomainException('INTERRUPTED', 'The panel is shutting down; the sync did not start.')
      signal.throwIfAborted()
      const apps = (await this.deps.apiApps.list()).map((app) => app.name)
      const mapper = new PatternMapper(this.deps.settings.get('usernamePattern'), apps)
      // One host of a shared database syncs at a time: two at once would each take the other's fresh rows for
      // profiles gone from GoLogin, and spend the shared GoLogin budget twice.
      const locked = await withHostLock(this.deps.database.dataSource, 'profileSync', async (lockLost) => {
        this.log.info('gologin.sync.started', {}, 'Profile sync started')
        return runProfileSync({
          source: this.deps.client,
          database: this.deps.database,
          mapper,
          log: this.log,
          syncedAt: startedAt,
          // Without the lock another host may sync beside this one: stop at the next page.
          signal: AbortSignal.any([signal, lockLostSignal(lockLost)]),
          onStep: (step) => this.setProgress({ ...this.progress, ...step }),
        })
      })
      if (!locked.ran) {
        throw new DomainException('CONFLICT', 'Another host of this database is syncing the profiles right now; its changes show here as it writes them. Sync again once it has finished.', {
          details: { reason: SYNC_ELSEWHERE },
        })
      }
      const outcome = locked.value
      this.setProgress({ ...this.progress, ...stepOf(outcome), running: false, finishedAt: new Date().toISOString() })
      this.log.info(
        'gologin.sync.finished',
        { ...stepOf(outcome), complete: outcome.complete, ms: Date.now() - startedAt.getTime() },
        `Profile sync done: ${outcome.fetched} profiles (${outcome.added} added, ${outcome.updated} updated, ${outcome.unchanged} unchanged, ${outcome.deactivated} no longer in GoLogin)`,
      )
      return outcome
    } catch (error) {
      const failure = asAppException(error)
      this.setProgress({ ...this.progress, running: false, finishedAt: new Date().toISOString(), error: failure.message, errorCode: failure.code })
      if (isSyncElsewhere(failure)) this.log.info('gologin.sync.elsewhere', {}, 'Profile sync skipped: another host of this database is syncing')
      else this.log.error('gologin.sync.failed', { code: failure.code, fetched: this.progress.fetched, err: error }, `Profile sync failed: ${failure.message}`)
      throw failure
    } finally {
      // Rows written before a failure are real changes too; a sync that never listed a page changed nothing.
      if (this.progress.pagesDone > 0) this.deps.events.emit('profiles:reload', { reason: 'sync', at: new Date().toISOString() })
    }
  }

  private setProgress(progress: SyncProgress): void {
    this.progress = progress
    this.deps.events.emit('sync', { ...progress })
  }

  // ---- profiles ----

  listProfiles(input: { cursor: number; limit: number }): Promise<ProfilePage> {
    return this.queries.page(input.cursor, input.limit)
  }

  /** `PROFILE_NOT_FOUND` when GoLogin never listed this id. */
  async getProfile(profileId: string): Promise<ProfileRow> {
    const row = await this.queries.byId(profileId)
    if (!row) throw new DomainException('PROFILE_NOT_FOUND', `No GoLogin profile with id ${profileId}; sync profiles first.`, { details: { profileId } })
    return row
  }

  /**
   * The active profile mapped to an X username (any case, `@` optional); the operator's mapping
   * wins over a pattern one. `PROFILE_NOT_FOUND` when none is, or only a profile gone from GoLogin.
   */
  async getProfileForAccount(username: string): Promise<ProfileRow> {
    const [best] = await this.queries.byUsername(username)
    if (!best) throw new ProfileNotFoundException(username.trim().replace(/^@+/, ''))
    if (!best.isActive) {
      throw new DomainException('PROFILE_NOT_FOUND', `@${best.username} is mapped to profile "${best.name}", which is no longer in GoLogin.`, {
        details: { account: best.username, profileId: best.id },
      })
    }
    return best
  }

  // ---- mapping ----

  /** Operator edit: stored as an `edit` mapping that sync never overwrites. */
  async updateMapping(edit: MappingEdit): Promise<ProfileRow> {
    const apps = (await this.deps.apiApps.list()).map((app) => app.name)
    const mapping = await this.deps.database.transaction((manager) => applyMappingEdit(manager, edit, apps))
    this.log.info('profiles.mapping.edited', { profileId: edit.profileId, ...mapping }, `Mapping of profile ${edit.profileId} set to ${mapping.username ? `@${mapping.username}` : 'no account'} / ${mapping.apiApp ?? 'no API app'}`)
    this.deps.events.emit('profiles', { id: edit.profileId, ...mapping })
    return this.getProfile(edit.profileId)
  }

  async importPreview(csv: string, fileName?: string): Promise<ImportPreview> {
    const apps = (await this.deps.apiApps.list()).map((app) => app.name)
    return this.imports.preview(csv, apps, fileName)
  }

  async importApply(previewId: string): Promise<{ applied: number }> {
    const apps = (await this.deps.apiApps.list()).map((app) => app.name)
    const { applied } = await this.imports.apply(previewId, apps)
    this.deps.events.emit('profiles:reload', { reason: 'import', at: new Date().toISOString() })
    return { applied }
  }

  // ---- connection ----

  /** Checks the given token (else the stored one) with one request under the shared rate limit. */
  async testConnection(token?: string): Promise<{ profileCount: number }> {
    const candidate = token?.trim()
    if (!candidate && !this.deps.client.status().hasToken) throw new ValidationException(NO_TOKEN_MESSAGE, { field: 'gologinToken' })
    const client = candidate ? this.clientFor(candidate) : this.deps.client
    const result = await client.testConnection({ signal: this.closing.signal })
    this.log.info('gologin.connection_ok', { profileCount: result.profileCount, candidate: Boolean(candidate) }, `GoLogin token works: ${result.profileCount} profiles`)
    return result
  }

  private clientFor(token: string): Pick<GoLoginApiClient, 'testConnection'> {
    if (this.deps.clientForToken) return this.deps.clientForToken(token)
    return new GoLoginApiClient({
      logger: this.log.child('api-check'),
      apiUrl: this.deps.client.status().apiUrl,
      token,
      // Same budget as every other GoLogin call: a check can never push the panel over the rate; and a
      // candidate token some host already saw revoked is refused without asking GoLogin again.
      limiter: this.deps.client.limiter,
      stops: this.deps.client.stops ?? null,
      secrets: this.deps.secrets,
    })
  }

  /** Stops a running sync (what it wrote stays) and waits for it to end. */
  async close(): Promise<void> {
    this.closing.abort(new DomainException('INTERRUPTED', 'The panel stopped during the profile sync.'))
    await this.running?.catch(() => undefined)
  }
}

function idleProgress(): SyncProgress {
  return {
    running: false,
    startedAt: null,
    finishedAt: null,
    pagesDone: 0,
    pagesTotal: null,
    fetched: 0,
    total: null,
    added: 0,
    updated: 0,
    unchanged: 0,
    deactivated: 0,
    error: null,
    errorCode: null,
  }
}

function stepOf(outcome: SyncOutcome): SyncStep {
  const { complete: _complete, ...step } = outcome
  return step
}

/** The lock's loss as the sync's stop reason, in the operator's words. */
function lockLostSignal(lost: AbortSignal): AbortSignal {
  const stop = new AbortController()
  const abort = () =>
    stop.abort(new InfrastructureException('INTERRUPTED', 'The database connection holding the profile-sync lock was lost, so the sync stopped (it must never run beside another host’s). Sync again.', { cause: lost.reason }))
  if (lost.aborted) abort()
  else lost.addEventListener('abort', abort, { once: true })
  return stop.signal
}

function asAppException(error: unknown): AppException {
  if (error instanceof AppException) return error
  return new InfrastructureException('INTERNAL_ERROR', 'The profile sync failed unexpectedly. The log has the details.', { cause: error })
}

/** The sync did not run because another host of the shared database holds the sync (not a failure of GoLogin). */
export function isSyncElsewhere(error: unknown): boolean {
  return error instanceof AppException && error.code === 'CONFLICT' && (error.details as { reason?: string } | undefined)?.reason === SYNC_ELSEWHERE
}
