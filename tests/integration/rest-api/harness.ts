/** A REST API over real HTTP (127.0.0.1, port 0) with a real key store (SQLite) and a fake backend. */
import { randomUUID } from 'node:crypto'
import { afterEach } from 'vitest'
import type { ProfileRow, SyncProgress } from '../../../src/shared/contract/profiles'
import { DomainException, ProfileNotFoundException } from '../../../src/shared/errors'
import { openDatabase, type Database } from '../../../src/main/db'
import type { AuthorizeInput, AuthorizeResult, HealthFigures, RestApiBackend, RestSession } from '../../../src/main/host/rest-api/backend'
import { startRestApi, type RestApi, type RestApiOptions } from '../../../src/main/host/rest-api/server'
import { LogSystem, type Logger } from '../../../src/main/logging/logger'
import { FileKeyStore } from '../../../src/main/security/file-key-store'
import { ApiKeyService } from '../../../src/main/services/api-keys/api-key-service'
import { tempDir } from '../../helpers/temp-dir'
import { databaseUrlFor } from '../../helpers/test-database'

export function profileRow(i: number, overrides: Partial<ProfileRow> = {}): ProfileRow {
  return {
    id: `6650aa${i.toString(16).padStart(18, '0')}`,
    name: `Profile ${i}`,
    username: `user_${i}`,
    apiApp: 'AIOTT1',
    mappingSource: 'pattern',
    folder: null,
    tags: [],
    notes: '',
    os: 'win',
    proxyCountry: null,
    isActive: true,
    inUse: false,
    lastSynced: null,
    lastStatus: null,
    lastErrorCode: null,
    lastAttemptAt: null,
    lastAuthorizedAt: null,
    tokenExpiresAt: null,
    tokenStatus: null,
    lastApiApp: null,
    tokens: {},
    manualFixSince: null,
    manualFixReason: null,
    ...overrides,
  }
}

/** An in-memory stand-in for the authorization engine, GoLogin and the data layer. */
export class FakeBackend implements RestApiBackend {
  profiles: ProfileRow[] = Array.from({ length: 7 }, (_, i) => profileRow(i + 1))
  sessions = new Map<string, RestSession>()
  apiApps = new Set(['AIOTT1', 'AIOTT2'])
  /** Set to make the next call of any method throw it. */
  failWith: unknown = null
  healthFigures: HealthFigures = { profilesLimit: 10, activeProfiles: 2, pendingAuthorizations: 3 }
  tokenRequests: boolean[] = []

  constructor(private readonly log: Logger) {}

  private maybeFail(): void {
    const failure = this.failWith
    this.failWith = null
    if (failure) throw failure
  }

  private find(accountId: string): ProfileRow | undefined {
    const name = accountId.replace(/^@/, '').toLowerCase()
    return this.profiles.find((p) => p.id === accountId || p.username?.toLowerCase() === name)
  }

  async authorize(input: AuthorizeInput): Promise<AuthorizeResult> {
    this.log.info('fake.authorize', { accountId: input.accountId, apiApp: input.apiApp })
    this.maybeFail()
    const profile = this.find(input.accountId)
    if (!profile) throw new ProfileNotFoundException(input.accountId)
    if (!this.apiApps.has(input.apiApp)) throw new DomainException('INVALID_API_APP', `Unknown API app: ${input.apiApp}`)
    const mine = [...this.sessions.values()].filter((s) => s.profileId === profile.id && s.apiApp === input.apiApp)
    if (mine.some((s) => s.status === 'in_progress')) {
      throw new DomainException('CONFLICT', `Account ${input.accountId} is already being authorized`)
    }
    const valid = mine.find((s) => s.status === 'completed' && s.tokenStatus === 'valid')
    if (valid && !input.forceReauth) return { sessionId: valid.id, status: valid.status, profileId: profile.id, existing: true }
    const session = sessionRow({ id: randomUUID(), profileId: profile.id, username: profile.username ?? '', apiApp: input.apiApp, status: 'in_progress' })
    this.sessions.set(session.id, session)
    return { sessionId: session.id, status: 'in_progress', profileId: profile.id, existing: false }
  }

  async getSession(sessionId: string, opts: { includeTokens: boolean }): Promise<RestSession | null> {
    this.maybeFail()
    this.tokenRequests.push(opts.includeTokens)
    // Deliberately returns the tokens whatever was asked: the server must still hide them.
    return this.sessions.get(sessionId) ?? null
  }

  async listProfiles(page: number, pageSize: number) {
    this.maybeFail()
    return { items: this.profiles.slice((page - 1) * pageSize, page * pageSize), total: this.profiles.length }
  }

  async getProfile(accountId: string) {
    this.maybeFail()
    return this.find(accountId) ?? null
  }

  async syncProfiles(): Promise<SyncProgress> {
    this.maybeFail()
    return {
      running: true,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: null,
      pagesDone: 1,
      pagesTotal: 3,
      fetched: 30,
      total: 70,
      added: 30,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
      error: null,
      errorCode: null,
    }
  }

  async health(): Promise<HealthFigures> {
    this.maybeFail()
    return this.healthFigures
  }
}

export function sessionRow(overrides: Partial<RestSession> & Pick<RestSession, 'id' | 'profileId' | 'apiApp' | 'status'>): RestSession {
  return {
    batchId: null,
    profileName: null,
    username: 'user_1',
    step: null,
    errorCode: null,
    errorMessage: null,
    attempt: 1,
    retryOf: null,
    xUserId: null,
    scopes: null,
    tokenStatus: null,
    expiresAt: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    completedAt: null,
    durationMs: null,
    hasScreenshot: false,
    deliveredToCallback: false,
    callbackAnswer: null,
    ...overrides,
  }
}

export interface Harness {
  api: RestApi
  backend: FakeBackend
  apiKeys: ApiKeyService
  logs: LogSystem
  db: Database
  /** A fresh active key (default scopes). */
  key: string
  call(path: string, init?: CallInit): Promise<Answer>
}

export interface CallInit {
  method?: string
  /** `null`: send no X-API-Key. Default: the harness key. */
  key?: string | null
  body?: unknown
  /** Sent as is (not JSON-encoded). */
  rawBody?: string
  headers?: Record<string, string>
}

/** A parsed JSON answer, read loosely by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>

export interface Answer {
  status: number
  headers: Headers
  json: Json
}

const open: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close()
})

export async function startHarness(options: Partial<Pick<RestApiOptions, 'rateLimit' | 'bodyLimitBytes' | 'authFailureLimit'>> = {}): Promise<Harness> {
  const dir = tempDir('rest-api-')
  const logs = new LogSystem({ dir: null, level: 'debug', ringCapacity: 20_000 })
  const db = await openDatabase({ dataDir: dir, keyStore: new FileKeyStore({ dir }), log: logs.logger('test'), databaseUrl: await databaseUrlFor(dir) })
  open.push(() => db.close())
  const apiKeys = new ApiKeyService({ database: db, log: logs.logger('api_keys'), onSecret: (value) => logs.redactor.addSecret(value) })
  const backend = new FakeBackend(logs.logger('fake'))
  const api = await startRestApi({ backend, apiKeys, log: logs.logger('rest'), host: '127.0.0.1', port: 0, version: '1.2.3', ...options })
  open.push(() => api.close())
  const { key } = await apiKeys.create('test key')
  const call = (path: string, init: CallInit = {}) => request(api.url, path, { ...init, key: init.key === undefined ? key : init.key })
  return { api, backend, apiKeys, logs, db, key, call }
}

export async function request(baseUrl: string, path: string, init: CallInit = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.key) headers['x-api-key'] = init.key
  let body: string | undefined = init.rawBody
  if (init.body !== undefined) {
    body = JSON.stringify(init.body)
    headers['content-type'] ??= 'application/json'
  }
  const response = await fetch(`${baseUrl}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body })
  const text = await response.text()
  let json: Json
  try {
    json = JSON.parse(text)
  } catch {
    json = { unparsable: text }
  }
  return { status: response.status, headers: response.headers, json }
}
