/**
 * An in-memory stand-in for the panel's services, answering every request channel of the contract
 * with generated data and pushing events through the real EventHub. It serves the built renderer
 * through the real browser-mode web host, so the UI can be exercised (and measured) with any number
 * of profiles and any event rate, independent of GoLogin/X simulators.
 */
import { randomUUID } from 'node:crypto'
import { scopeWarnings } from '../../../src/shared/api-app'
import { SETTING_DEFS, SETTING_KEYS, apiAppInputSchema, type ApiAppView, type SettingKey, type SettingsView } from '../../../src/shared/contract/settings'
import type { ProfileRow } from '../../../src/shared/contract/profiles'
import type { SessionRow, SessionStatus } from '../../../src/shared/contract/sessions'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { HostDatabaseStatus, SqliteCopyPreview } from '../../../src/shared/contract/hosts'
import { ValidationException } from '../../../src/shared/errors'
import type { HandlerMap } from '../../../src/main/ipc/router'
import type { EventHub } from '../../../src/main/ipc/event-hub'
import type { LogSystem } from '../../../src/main/logging/logger'

export interface FakeBackendOptions {
  profiles: number
  /** Time one account takes in a simulated batch. */
  accountMs?: number
}

const FOLDERS = ['Batch 1', 'Batch 2', 'Batch 3', 'Warm-up', 'EU']
const COUNTRIES = ['us', 'de', 'gb', 'fr', 'nl', null]

export function fakeProfile(i: number): ProfileRow {
  const username = `user${String(i).padStart(5, '0')}`
  const attempted = i % 3 === 0
  const authorizedAt = attempted && i % 9 !== 0 ? new Date(Date.now() - i * 1_000).toISOString() : null
  const expiresAt = authorizedAt ? new Date(Date.now() + ((i % 240) - 30) * 60_000).toISOString() : null
  const app = i % 2 === 0 ? 'AIOTT1' : 'AIOTT2'
  const tokens: ProfileRow['tokens'] = {}
  if (authorizedAt && i % 17 !== 0) tokens[app] = { tokenStatus: 'valid', expiresAt, authorizedAt, unverified: false, refreshable: i % 4 !== 0, delivered: false }
  return {
    id: `6650${i.toString(16).padStart(20, '0')}`,
    name: `Profile ${String(i).padStart(5, '0')}`,
    username: i % 17 === 0 ? null : username,
    apiApp: i % 2 === 0 ? 'AIOTT1' : 'AIOTT2',
    mappingSource: 'pattern',
    folder: FOLDERS[i % FOLDERS.length],
    tags: ['x', i % 2 === 0 ? 'AIOTT1' : 'AIOTT2'],
    notes: `@${username}`,
    os: 'win',
    proxyCountry: COUNTRIES[i % COUNTRIES.length],
    isActive: i % 50 !== 0,
    inUse: false,
    lastSynced: new Date(Date.now() - 3_600_000).toISOString(),
    lastStatus: attempted ? (i % 9 === 0 ? 'failed' : 'completed') : null,
    lastErrorCode: attempted && i % 9 === 0 ? 'X_LOGGED_OUT' : null,
    lastAttemptAt: attempted ? new Date(Date.now() - i * 1_000).toISOString() : null,
    lastAuthorizedAt: attempted && i % 9 !== 0 ? new Date(Date.now() - i * 1_000).toISOString() : null,
    tokenExpiresAt: attempted && i % 9 !== 0 ? new Date(Date.now() + ((i % 240) - 30) * 60_000).toISOString() : null,
    tokenStatus: attempted && i % 9 !== 0 ? 'valid' : null,
    lastApiApp: attempted ? app : null,
    tokens,
    manualFixSince: null,
    manualFixReason: null,
  }
}

function settingsView(values: Record<string, unknown>, secrets: Set<string>): SettingsView {
  const fields = Object.fromEntries(
    SETTING_KEYS.map((key) => [key, { source: key in values ? 'stored' : 'default', envVar: null, editable: true, secret: SETTING_DEFS[key].secret, isSet: SETTING_DEFS[key].secret ? secrets.has(key) : true }]),
  )
  const shown = Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTING_DEFS[key].secret ? null : (values[key] ?? SETTING_DEFS[key].default)]))
  return { values: shown, fields } as unknown as SettingsView
}

export function createFakeBackend(events: EventHub, logs: LogSystem, options: FakeBackendOptions) {
  const log = logs.logger('fake')
  const profiles = Array.from({ length: options.profiles }, (_, i) => fakeProfile(i))
  const byId = new Map(profiles.map((p) => [p.id, p]))
  const sessions = new Map<string, SessionRow>()
  const batches = new Map<string, BatchProgress>()
  const stored: Record<string, unknown> = {}
  const secrets = new Set<string>()
  const apps = new Map<string, ApiAppView>()
  const timers = new Set<NodeJS.Timeout>()
  const accountMs = options.accountMs ?? 600
  let streamTimer: NodeJS.Timeout | null = null
  const sqlite = { kind: 'sqlite' as const, location: '/data/panel.db', source: 'default' as const, warning: null }
  // Settings → Database and hosts: on this machine's SQLite until `joinShared` (then its file can be copied).
  let database: HostDatabaseStatus = { current: sqlite, next: sqlite, nextProblem: null, restartRequired: false, lockedByEnv: false, canRelaunch: false, slots: null, sharedSlots: 10, slotsProblem: null, localSqlite: null }
  let copyPreview: SqliteCopyPreview | null = null
  /** Copy attempts still to refuse (their message), and a gate the next copy waits for. */
  const copyRefusals: string[] = []
  let copyGate: Promise<void> | null = null

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timers.add(timer)
  }

  const patchSession = (id: string, patch: Partial<SessionRow>) => {
    const row = { ...sessions.get(id)!, ...patch }
    sessions.set(id, row)
    events.emit('sessions', { id, ...patch })
  }

  const runBatch = (batchId: string, ids: string[]) => {
    const batch = batches.get(batchId)!
    let index = 0
    const next = () => {
      const b = batches.get(batchId)!
      if (b.state === 'cancelled') return
      if (b.state === 'paused') return later(200, next)
      const id = ids[index++]
      if (!id) {
        batches.set(batchId, { ...b, state: 'finished', finishedAt: new Date().toISOString(), running: 0, slotsInUse: 0, etaMs: 0 })
        events.emit('progress', batches.get(batchId)!)
        events.emit('notice', { id: randomUUID(), level: 'info', title: 'Batch finished', body: `${b.succeeded} authorized, ${b.failed} failed` })
        return
      }
      patchSession(id, { status: 'in_progress', step: 'starting_profile', startedAt: new Date().toISOString() })
      later(accountMs / 2, () => patchSession(id, { step: 'consent' }))
      later(accountMs, () => {
        const row = sessions.get(id)!
        const failed = row.username.endsWith('3') && row.attempt === 1
        patchSession(id, failed
          ? { status: 'failed', step: 'consent', errorCode: 'X_LOGGED_OUT', errorMessage: 'The X account is logged out in this profile.', completedAt: new Date().toISOString(), durationMs: accountMs, hasScreenshot: true }
          : { status: 'completed', step: null, completedAt: new Date().toISOString(), durationMs: accountMs, tokenStatus: 'valid' })
        const p = byId.get(row.profileId)!
        const updated = { ...p, lastStatus: failed ? 'failed' : 'completed', lastAttemptAt: new Date().toISOString() } as ProfileRow
        byId.set(p.id, updated)
        events.emit('profiles', { id: p.id, lastStatus: updated.lastStatus, lastAttemptAt: updated.lastAttemptAt })
        const b2 = batches.get(batchId)!
        const done = b2.done + 1
        batches.set(batchId, { ...b2, done, running: ids.length - done > 0 ? 1 : 0, queued: Math.max(0, ids.length - done - 1), succeeded: b2.succeeded + (failed ? 0 : 1), failed: b2.failed + (failed ? 1 : 0), slotsInUse: 1, etaMs: (ids.length - done) * accountMs })
        events.emit('progress', batches.get(batchId)!)
        next()
      })
    }
    events.emit('progress', batch)
    next()
  }

  const startBatch = (profileIds: string[], apiApp: string, retryOf: string | null, attempts = new Map<string, number>()) => {
    const batchId = randomUUID()
    const ids: string[] = []
    const skipped: { profileId: string; reason: string }[] = []
    for (const profileId of profileIds) {
      const p = byId.get(profileId)
      if (!p?.username) {
        skipped.push({ profileId, reason: 'no X username mapped' })
        continue
      }
      const id = randomUUID()
      const row: SessionRow = { id, batchId, profileId, profileName: p.name, username: p.username, apiApp, status: 'pending', step: null, errorCode: null, errorMessage: null, attempt: attempts.get(profileId) ?? 1, retryOf: null, xUserId: null, scopes: null, tokenStatus: null, expiresAt: null, createdAt: new Date().toISOString(), startedAt: null, completedAt: null, durationMs: null, hasScreenshot: false, deliveredToCallback: false, callbackAnswer: null }
      sessions.set(id, row)
      events.emit('sessions', row)
      ids.push(id)
    }
    batches.set(batchId, { id: batchId, apiApp, state: 'running', total: ids.length, queued: ids.length, running: 0, done: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: skipped.length, slotsInUse: 0, maxSlots: 10, etaMs: null, startedAt: new Date().toISOString(), finishedAt: null, retryOf })
    runBatch(batchId, ids)
    return { batchId, queued: ids.length, skipped }
  }

  const setBatchState = (batchId: string, state: BatchProgress['state']) => {
    const b = batches.get(batchId)
    if (!b) throw new ValidationException('Unknown batch')
    batches.set(batchId, { ...b, state })
    events.emit('progress', batches.get(batchId)!)
    return batches.get(batchId)!
  }

  const newest = () => [...sessions.values()].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))

  const handlers: Partial<HandlerMap> = {
    'profiles:list': ({ cursor, limit }) => {
      const rows = [...byId.values()].slice(cursor, cursor + limit)
      return { rows, nextCursor: cursor + limit < byId.size ? cursor + limit : null, total: byId.size }
    },
    'profiles:updateMapping': ({ profileId, username, apiApp }) => {
      const p = byId.get(profileId)!
      const updated = { ...p, ...(username !== undefined ? { username } : {}), ...(apiApp !== undefined ? { apiApp } : {}), mappingSource: 'edit' as const }
      byId.set(profileId, updated)
      return updated
    },
    'profiles:sync': () => {
      const progress = { running: true, startedAt: new Date().toISOString(), finishedAt: null, pagesDone: 0, pagesTotal: 3, fetched: 0, total: byId.size, added: 0, updated: 0, unchanged: 0, deactivated: 0, error: null, errorCode: null }
      later(300, () => events.emit('sync', { ...progress, fetched: Math.round(byId.size / 2), pagesDone: 1 }))
      later(700, () => {
        events.emit('sync', { ...progress, running: false, finishedAt: new Date().toISOString(), fetched: byId.size, pagesDone: 3, unchanged: byId.size })
        events.emit('profiles:reload', { reason: 'sync', at: new Date().toISOString() })
      })
      return progress
    },
    'profiles:syncStatus': () => ({ running: false, startedAt: null, finishedAt: new Date(Date.now() - 600_000).toISOString(), pagesDone: 0, pagesTotal: null, fetched: 0, total: null, added: 0, updated: 0, unchanged: 0, deactivated: 0, error: null, errorCode: null }),
    'profiles:importPreview': ({ csv }) => {
      const lines = csv.trim().split(/\r?\n/).slice(1).map((text, i) => {
        const [profileName = '', username = '', apiApp = ''] = text.split(/[;,]/)
        const profile = profiles.find((p) => p.name === profileName)
        const error = !profile ? `no profile named "${profileName}"` : !/^@?\w{1,15}$/.test(username) ? 'not an X username' : null
        return { line: i + 2, profileName, username, apiApp, error, profileId: profile?.id ?? null }
      })
      return { previewId: randomUUID(), lines, moreErrors: 0, moreOk: 0, okCount: lines.filter((l) => !l.error).length, errorCount: lines.filter((l) => l.error).length, fileError: null }
    },
    'profiles:importApply': () => ({ applied: 1 }),
    'gologin:testConnection': () => ({ profileCount: byId.size }),
    'sessions:list': ({ batchId, statuses, limit, cursor = 0 }) => {
      const rows = newest().filter((s) => (!batchId || s.batchId === batchId) && (!statuses || statuses.includes(s.status)))
      return { rows: rows.slice(cursor, cursor + limit), nextCursor: cursor + limit < rows.length ? cursor + limit : null, total: rows.length }
    },
    'sessions:get': ({ id }) => sessions.get(id)!,
    'sessions:screenshot': () => ({ dataUrl: null }),
    'sessions:batches': () =>
      [...batches.values()].reverse().map((b) => ({ batchId: b.id, apiApp: b.apiApp, createdAt: b.startedAt, total: b.total, completed: b.succeeded, failed: b.failed })),
    'batch:start': ({ profileIds, apiApp }) => startBatch(profileIds, apiApp, null),
    'batch:pause': ({ batchId }) => setBatchState(batchId, 'paused'),
    'batch:resume': ({ batchId }) => setBatchState(batchId, 'running'),
    'batch:cancel': ({ batchId }) => setBatchState(batchId, 'cancelled'),
    'batch:retry': ({ batchId, sessionIds }) => {
      const failed = [...sessions.values()].filter((s) => (sessionIds ? sessionIds.includes(s.id) : s.batchId === batchId) && ['failed', 'timeout', 'cancelled'].includes(s.status))
      const attempts = new Map(failed.map((s) => [s.profileId, s.attempt + 1]))
      return startBatch(failed.map((s) => s.profileId), failed[0]?.apiApp ?? 'AIOTT1', batchId ?? null, attempts)
    },
    'batch:retryPlan': ({ batchId, sessionIds }) => {
      const failed = [...sessions.values()].filter((s) => (sessionIds ? sessionIds.includes(s.id) : s.batchId === batchId) && ['failed', 'timeout', 'cancelled'].includes(s.status))
      return { batchId: '', queued: failed.length, skipped: [] }
    },
    'batch:check': ({ apiApp }) => ({ apiApp, ready: true as const }),
    'batch:active': () => [...batches.values()],
    'tokens:export': () => ({ mode: 'saved', path: '/tmp/tokens.csv', rows: 42 }),
    'monitor:get': () => ({ at: new Date().toISOString(), activeProfiles: byId.size, slotsInUse: 0, maxSlots: 10, pendingSessions: 0, runningSessions: 0, failuresLastHour: 3, failureRatePercent: 4, tokensExpiringNextHour: 12,
      unstoppedProfiles: [], alerts: [], workers: [] }),
    'settings:get': () => settingsView(stored, secrets),
    'settings:update': (patch) => {
      for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
        const def = SETTING_DEFS[key as SettingKey]
        const parsed = def.schema.safeParse(value)
        if (!parsed.success) throw new ValidationException(`${key}: ${parsed.error.issues[0].message}`, { fields: { [key]: parsed.error.issues[0].message } })
        if (!def.secret) stored[key] = parsed.data
        else if (value === null) secrets.delete(key)
        else secrets.add(key)
      }
      const view = settingsView(stored, secrets)
      events.emit('settings', view)
      return view
    },
    'hosts:status': () => database,
    'hosts:copyPreview': () => {
      if (!copyPreview) throw new ValidationException('This host runs on its own SQLite file: join a shared PostgreSQL database first, then copy the file into it.')
      return copyPreview
    },
    'hosts:copyFromSqlite': async () => {
      if (!copyPreview) throw new ValidationException('This host runs on its own SQLite file: join a shared PostgreSQL database first, then copy the file into it.')
      await copyGate
      const refusal = copyRefusals.shift()
      if (refusal) throw new ValidationException(refusal)
      const copied = copyPreview
      // A second copy adds nothing: what was copied is in the shared database now.
      copyPreview = { ...copied, profiles: { add: 0, mappingsFilled: 0, mappingsKept: copied.profiles.mappingsKept }, apiApps: { add: 0, kept: copied.apiApps.kept + copied.apiApps.add }, sessions: { add: 0, already: copied.sessions.already + copied.sessions.add, unfinished: copied.sessions.unfinished }, tokens: { add: 0, newerHere: 0, newerShared: 0 }, settings: { add: 0, kept: copied.settings.kept + copied.settings.add } }
      return copied
    },
    'alerts:listTargets': () => [],
    'apiApps:list': () => [...apps.values()],
    'apiApps:save': (input) => {
      const app = apiAppInputSchema.parse(input)
      const view: ApiAppView = { name: app.name, oauthVersion: app.oauthVersion, clientType: app.clientType, clientId: app.clientId, hasSecret: Boolean(app.clientSecret) || Boolean(apps.get(app.name)?.hasSecret), redirectUri: app.redirectUri, scopes: app.scopes, redemption: app.redemption, startUrl: app.startUrl ?? null, callbackMarker: app.callbackMarker ?? null, envManaged: false, createdAt: new Date().toISOString(), updatedAt: null }
      const warnings = scopeWarnings(app)
      apps.set(app.name, warnings.length ? { ...view, warnings } : view)
      return apps.get(app.name)!
    },
    'apiApps:delete': ({ name }) => {
      apps.delete(name)
      return { deleted: true as const }
    },
  }

  return {
    handlers,
    profiles: () => [...byId.values()],
    addApp(name: string) {
      apps.set(name, { name, oauthVersion: '2.0', clientType: 'confidential', clientId: `${name}-client`, hasSecret: true, redirectUri: 'https://example.com/callback', scopes: ['tweet.read', 'users.read', 'offline.access'], redemption: 'panel', startUrl: null, callbackMarker: null, envManaged: false, createdAt: new Date().toISOString(), updatedAt: null })
    },
    setToken() {
      secrets.add('gologinToken')
    },
    /** Attempts of the first `count` profiles with a username, all finished but the second; `failure` is the error of every third one. */
    addFinishedSessions(count: number, failure: { code: NonNullable<SessionRow['errorCode']>; message: string }): SessionRow[] {
      const batchId = randomUUID()
      const rows = profiles
        .filter((p) => p.username)
        .slice(0, count)
        .map((p, i): SessionRow => {
          const failed = i % 3 === 0
          const at = new Date(Date.now() - (count - i) * 60_000).toISOString()
          // The second one is still running, at the step with the longest label.
          const running = i === 1
          return { id: randomUUID(), batchId, profileId: p.id, profileName: p.name, username: p.username!, apiApp: p.apiApp ?? 'AIOTT1', status: failed ? 'failed' : running ? 'in_progress' : 'completed', step: failed ? 'consent' : running ? 'verifying' : null, errorCode: failed ? failure.code : null, errorMessage: failed ? failure.message : null, attempt: 1, retryOf: null, xUserId: null, scopes: null, tokenStatus: failed ? null : 'valid', expiresAt: null, createdAt: at, startedAt: at, completedAt: running ? null : at, durationMs: running ? null : 41_000, hasScreenshot: failed, deliveredToCallback: false, callbackAnswer: null }
        })
      for (const row of rows) {
        sessions.set(row.id, row)
        events.emit('sessions', row)
      }
      batches.set(batchId, { id: batchId, apiApp: 'AIOTT1', state: 'finished', total: rows.length, queued: 0, running: 0, done: rows.length, succeeded: rows.filter((r) => r.status === 'completed').length, failed: rows.filter((r) => r.status === 'failed').length, cancelled: 0, skipped: 0, slotsInUse: 0, maxSlots: 10, etaMs: 0, startedAt: rows[0]?.createdAt ?? new Date().toISOString(), finishedAt: new Date().toISOString(), retryOf: null })
      return rows
    },
    /** The panel runs on a shared PostgreSQL database, its SQLite file left behind with `preview` to copy. */
    joinShared(preview: SqliteCopyPreview) {
      const postgres = { kind: 'postgres' as const, location: 'postgres://panel@127.0.0.1:5432/panel', source: 'database.json' as const, warning: null }
      database = { ...database, current: postgres, next: postgres, localSqlite: preview.file }
      copyPreview = preview
    },
    /** The next copy fails with this message (as a key the host lacks would). */
    refuseCopy(message: string) {
      copyRefusals.push(message)
    },
    /** Holds copies until the returned function is called (to see the busy state). */
    holdCopy(): () => void {
      let release!: () => void
      copyGate = new Promise((resolve) => (release = resolve))
      return () => {
        copyGate = null
        release()
      }
    },
    /** Pushes `perSecond` session updates (status/step churn over `pool` sessions) until stopped. */
    streamSessions(perSecond: number, pool = 2_000): void {
      const ids: string[] = []
      for (let i = 0; i < pool; i++) {
        const p = profiles[i % profiles.length]
        const id = randomUUID()
        const row: SessionRow = { id, batchId: 'stream', profileId: p.id, profileName: p.name, username: p.username ?? 'nobody', apiApp: 'AIOTT1', status: 'pending', step: null, errorCode: null, errorMessage: null, attempt: 1, retryOf: null, xUserId: null, scopes: null, tokenStatus: null, expiresAt: null, createdAt: new Date(Date.now() - i).toISOString(), startedAt: null, completedAt: null, durationMs: null, hasScreenshot: false, deliveredToCallback: false, callbackAnswer: null }
        sessions.set(id, row)
        events.emit('sessions', row)
        ids.push(id)
      }
      const steps = ['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying'] as const
      const statuses: SessionStatus[] = ['in_progress', 'in_progress', 'in_progress', 'completed', 'failed']
      let n = 0
      const tickMs = 50
      streamTimer = setInterval(() => {
        for (let k = 0; k < (perSecond * tickMs) / 1_000; k++) {
          const id = ids[n++ % ids.length]
          const status = statuses[n % statuses.length]
          events.emit('sessions', { id, status, step: status === 'in_progress' ? steps[n % steps.length] : null })
          if (n % 10 === 0) events.emit('profiles', { id: profiles[n % profiles.length].id, inUse: n % 20 === 0 })
        }
      }, tickMs)
    },
    stopStream(): void {
      if (streamTimer) clearInterval(streamTimer)
      streamTimer = null
    },
    close(): void {
      this.stopStream()
      for (const timer of timers) clearTimeout(timer)
      log.info('fake.closed')
    },
  }
}
