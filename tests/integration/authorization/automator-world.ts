/**
 * One ProfileAutomator world on real parts: a database in a temp dir, the sandbox (GoLogin + X + the
 * apps' callback servers, real Chromium), the profile slots over the GoLogin desktop launcher, the
 * OAuth client and the BrowserController. Events pushed by the store are captured. Torn down after
 * each test, checking that no browser and no slot is left.
 */
import { randomUUID } from 'node:crypto'
import { afterEach, expect } from 'vitest'
import type { ApiAppConfig } from '../../../src/shared/api-app'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import type { ProfilePatch } from '../../../src/shared/contract/profiles'
import type { SessionPatch } from '../../../src/shared/contract/sessions'
import type { Database } from '../../../src/main/db'
import type { EventHub } from '../../../src/main/ipc/event-hub'
import { LogSystem } from '../../../src/main/logging/logger'
import { startSandboxMode, type SandboxMode, type SandboxModeOptions } from '../../../src/main/sandbox'
import { browserConsentRunner, type ConsentRunner } from '../../../src/main/services/automation/consent-runner'
import { ProfileAutomator, type ProfileAutomatorDeps } from '../../../src/main/services/automation/profile-automator'
import { SessionStore, type SessionJob } from '../../../src/main/services/automation/session-store'
import { DesktopAppLauncher } from '../../../src/main/services/gologin/desktop-launcher'
import { ProfileSlots } from '../../../src/main/services/gologin/profile-slots'
import { OAuthService } from '../../../src/main/services/oauth/oauth-service'
import { tempDir } from '../../helpers/temp-dir'
import { openTestDb } from '../db/test-db'

export interface AutomatorWorld {
  db: Database & { dir: string }
  sandbox: SandboxMode
  slots: ProfileSlots
  store: SessionStore
  oauth: OAuthService
  logs: LogSystem
  app: ApiAppConfig
  screenshotDir: string
  sessionPatches: SessionPatch[]
  profilePatches: ProfilePatch[]
  inUse: Map<string, boolean>
  automator(overrides?: Partial<ProfileAutomatorDeps>): ProfileAutomator
  /** Resolves at the first session patch (seen or to come) that matches. */
  untilPatch(match: (patch: SessionPatch) => boolean): Promise<void>
  /** A pending session of the sandbox account with this username (any case). */
  job(username: string, extra?: Partial<SessionJob>): Promise<SessionJob>
}

let current: { world: AutomatorWorld; events: EventHub } | null = null

afterEach(async () => {
  if (!current) return
  const { world, events } = current
  current = null
  // Counted before anything is stopped here: what a test's own run left running is what the operator would find.
  const leftover = world.sandbox.gologin.browsers()
  const heldSlots = world.slots.list()
  await world.slots.close()
  await world.sandbox.close()
  events.close()
  await world.db.close()
  expect(leftover).toEqual([])
  expect(heldSlots).toEqual([])
})

export async function automatorWorld(options: SandboxModeOptions = {}): Promise<AutomatorWorld> {
  const db = await openTestDb()
  const sandbox = await startSandboxMode({ profiles: 4, behaviours: 'none', consentDelayMs: 50, ...options })
  const logs = new LogSystem({ dir: null, level: 'debug' })
  // Every emit as it happens (the hub would merge patches of one window).
  const listeners = new Set<(batches: EventBatch[]) => void>()
  const events = {
    emit: (channel: string, item: unknown) => {
      for (const listener of listeners) listener([{ channel, items: [item] } as EventBatch])
    },
    subscribe: (listener: (batches: EventBatch[]) => void) => void listeners.add(listener),
    close: () => listeners.clear(),
  } as unknown as EventHub
  const sessionPatches: SessionPatch[] = []
  const profilePatches: ProfilePatch[] = []
  const waiters = new Set<{ match: (patch: SessionPatch) => boolean; resolve: () => void }>()
  events.subscribe((batches: EventBatch[]) => {
    for (const batch of batches) {
      if (batch.channel === 'profiles') profilePatches.push(...(batch.items as ProfilePatch[]))
      if (batch.channel !== 'sessions') continue
      for (const patch of batch.items as SessionPatch[]) {
        sessionPatches.push(patch)
        for (const waiter of waiters) {
          if (!waiter.match(patch)) continue
          waiters.delete(waiter)
          waiter.resolve()
        }
      }
    }
  })
  const inUse = new Map<string, boolean>()
  const slots = new ProfileSlots({
    launcher: new DesktopAppLauncher({ localApiUrl: sandbox.gologin.localApiUrl, logger: logs.logger('desktop'), retryDelayMs: 5 }),
    logger: logs.logger('slots'),
    usage: { markInUse: async (id, value) => void inUse.set(id, value) },
  })
  const oauth = new OAuthService({ logger: logs.logger('oauth'), endpoints: { authorizeUrl: sandbox.x.authorizeUrl, apiUrl: sandbox.x.apiUrl } })
  const store = new SessionStore({ db, events, logger: logs.logger('store') })
  const app: ApiAppConfig = {
    name: 'SANDBOX1',
    oauthVersion: '2.0',
    clientType: 'confidential',
    clientId: sandbox.env.SANDBOX1_CLIENT_ID,
    clientSecret: sandbox.env.SANDBOX1_CLIENT_SECRET,
    redirectUri: sandbox.env.SANDBOX1_CALLBACK_URL,
    scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
  }
  const screenshotDir = tempDir('shots-')
  const world: AutomatorWorld = {
    db,
    sandbox,
    slots,
    store,
    oauth,
    logs,
    app,
    screenshotDir,
    sessionPatches,
    profilePatches,
    inUse,
    automator: (overrides = {}) =>
      new ProfileAutomator({
        store,
        profiles: slots,
        oauth,
        consent: browserConsentRunner({ logger: logs.logger('consent') }) as ConsentRunner,
        apiApps: { get: async () => app },
        limits: () => ({ accountTimeoutSeconds: 60 }),
        screenshotDir,
        logger: logs.logger('authorization'),
        ...overrides,
      }),
    untilPatch: (match) =>
      sessionPatches.some(match) ? Promise.resolve() : new Promise<void>((resolve) => void waiters.add({ match, resolve })),
    async job(username, extra = {}) {
      const account = sandbox.accounts().find((a) => a.username.toLowerCase() === username.toLowerCase())
      if (!account) throw new Error(`no sandbox account ${username}`)
      const job: SessionJob = {
        sessionId: randomUUID(),
        batchId: randomUUID(),
        profileId: account.profileId,
        profileName: account.profileName,
        username,
        apiApp: app.name,
        attempt: 1,
        retryOf: null,
        createdAt: new Date().toISOString(),
        ...extra,
      }
      await store.createPending([job])
      return job
    },
  }
  current = { world, events }
  return world
}
