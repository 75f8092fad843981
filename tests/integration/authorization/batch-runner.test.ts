/**
 * The BatchRunner's scheduling and bookkeeping on a real database (planner, store, queries), with an
 * automator the test finishes by hand, so every interleaving is chosen, not timed.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { SessionPatch } from '../../../src/shared/contract/sessions'
import { DomainException, type AppException } from '../../../src/shared/errors'
import { upsertProfiles, type Database } from '../../../src/main/db'
import { LogSystem } from '../../../src/main/logging/logger'
import { readBatchCounts } from '../../../src/main/services/automation/batch-counts'
import { BatchPlanner } from '../../../src/main/services/automation/batch-planner'
import { BatchRunner } from '../../../src/main/services/automation/batch-runner'
import { DrainState } from '../../../src/main/services/hosts/drain-state'
import type { SessionOutcome } from '../../../src/main/services/automation/profile-automator'
import { SessionQueries } from '../../../src/main/services/automation/session-queries'
import { SessionStore, type SessionJob } from '../../../src/main/services/automation/session-store'
import { openTestDb } from '../db/test-db'

type Finish = 'completed' | 'failed'

interface Running {
  job: SessionJob
  signal: AbortSignal
  finish(how: Finish): Promise<void>
}

interface World {
  db: Database
  runner: BatchRunner
  queries: SessionQueries
  progress: BatchProgress[]
  notices: Array<{ id: string; body: string }>
  sessionPatches: SessionPatch[]
  /** Attempts started, in order. */
  started: Running[]
  /** The first started attempt of this username not finished yet. */
  running(username: string): Running
  untilStarted(count: number): Promise<void>
  untilDone(batchId: string): Promise<BatchProgress>
  /** The first progress of the batch that matches (pushed already or to come). */
  untilProgress(batchId: string, match: Partial<BatchProgress>): Promise<BatchProgress>
  /** From now on the preflight refuses every batch with this error. */
  refuse(error: AppException): void
  peak: number
}

let world: (World & { close(): Promise<void> }) | null = null

afterEach(async () => {
  await world?.close()
  world = null
})

const USERS = Array.from({ length: 8 }, (_, i) => `acct${i}`)

async function setup(concurrency = 2, drain?: DrainState): Promise<World> {
  const db = await openTestDb()
  await upsertProfiles(db.dataSource, [
    ...USERS.map((username, i) => ({ profileId: `p${i}`, profileName: `Profile ${i}`, mapping: { twitterUsername: username, apiApp: 'APP1', source: 'import' as const } })),
    { profileId: 'unmapped', profileName: 'No username' },
    { profileId: 'gone', profileName: 'Deleted in GoLogin', isActive: false, mapping: { twitterUsername: 'goneuser', source: 'import' as const } },
    { profileId: 'twin', profileName: 'Same account as p0', mapping: { twitterUsername: 'ACCT0', source: 'import' as const } },
  ])
  const logs = new LogSystem({ dir: null })
  const progress: BatchProgress[] = []
  const notices: Array<{ id: string; body: string }> = []
  const sessionPatches: SessionPatch[] = []
  const listeners = new Set<() => void>()
  const events = {
    emit(channel: string, item: never) {
      if (channel === 'progress') progress.push(item)
      if (channel === 'notice') notices.push(item)
      if (channel === 'sessions') sessionPatches.push(item)
      for (const listener of listeners) listener()
    },
  }
  const store = new SessionStore({ db, events, logger: logs.logger('store') })
  const started: Running[] = []
  const live = new Set<Running>()
  const state = { peak: 0 }
  const automator = {
    run(job: SessionJob, signal: AbortSignal): Promise<SessionOutcome> {
      return new Promise((resolve) => {
        const begun = new Date()
        let settled = false
        const end = async (status: SessionOutcome['status'], error: AppException | null) => {
          if (settled) return
          settled = true
          live.delete(entry)
          if (status === 'completed') {
            const tokens = { accessToken: `at-${job.sessionId}`, refreshToken: null, expiresAt: new Date(Date.now() + 7_200_000), scopes: ['tweet.read'], tokenType: 'bearer' }
            await store.complete(job, { tokens, xUserId: '1', startedAt: begun, finishedAt: new Date() })
          } else {
            await store.fail(job, { status, error: error!, screenshotPath: null, startedAt: begun, finishedAt: new Date() })
          }
          resolve({ status, errorCode: error?.code ?? null, durationMs: 100 })
        }
        const entry: Running = {
          job,
          signal,
          finish: (how) => end(how, how === 'failed' ? new DomainException('X_LOGGED_OUT') : null),
        }
        signal.addEventListener('abort', () => void end('cancelled', signal.reason as AppException), { once: true })
        live.add(entry)
        started.push(entry)
        state.peak = Math.max(state.peak, live.size)
        void store.markStarted(job, begun).then(() => {
          for (const listener of listeners) listener()
        })
      })
    },
  }
  let refusal: AppException | null = null
  const apiApps = {
    async get(name: string) {
      if (name.toUpperCase() !== 'APP1') throw new DomainException('INVALID_API_APP', `Unknown API app: ${name}`)
      return { name: 'APP1' }
    },
  }
  const preflight = {
    async check(name: string) {
      if (refusal) throw refusal
      return apiApps.get(name)
    },
  }
  const runner = new BatchRunner({
    planner: new BatchPlanner({ dataSource: db.dataSource, apiApps: apiApps as never }),
    store,
    automator,
    preflight,
    slots: { figures: () => ({ slotsInUse: live.size, maxConcurrent: concurrency, waiting: 0 }) },
    events,
    logger: logs.logger('batch'),
    concurrency,
    counts: (batchIds) => readBatchCounts(db.dataSource, batchIds),
    drain,
  })
  const until = <T>(check: () => T | undefined | false): Promise<T> =>
    new Promise((resolve) => {
      const found = check()
      if (found) return resolve(found)
      const listener = () => {
        const value = check()
        if (value) {
          listeners.delete(listener)
          resolve(value)
        }
      }
      listeners.add(listener)
    })
  world = {
    db,
    runner,
    queries: new SessionQueries({ dataSource: db.dataSource, screenshotDir: db.dir }),
    progress,
    notices,
    sessionPatches,
    started,
    get peak() {
      return state.peak
    },
    running: (username) => {
      const found = [...live].find((r) => r.job.username === username)
      if (!found) throw new Error(`${username} is not running`)
      return found
    },
    untilStarted: (count) => until(() => started.length >= count && true).then(() => undefined),
    refuse: (error) => void (refusal = error),
    untilDone: (batchId) => until(() => progress.find((p) => p.id === batchId && (p.state === 'finished' || p.state === 'cancelled'))),
    untilProgress: (batchId, match) =>
      until(() => progress.find((p) => p.id === batchId && Object.entries(match).every(([key, value]) => p[key as keyof BatchProgress] === value))),
    async close() {
      await runner.close(5_000)
      await db.close()
    },
  }
  return world
}

const ids = (...indexes: number[]) => indexes.map((i) => `p${i}`)

describe('BatchRunner', () => {
  it('queues usable profiles and says why each other one was skipped', async () => {
    const w = await setup()
    const result = await w.runner.start({ profileIds: [...ids(0, 1), 'p1', 'unmapped', 'gone', 'nobody', 'twin'], apiApp: 'app1' })

    expect(result.queued).toBe(2)
    expect(result.skipped).toEqual([
      { profileId: 'p1', reason: 'listed twice' },
      { profileId: 'unmapped', reason: 'no X username mapped' },
      { profileId: 'gone', reason: 'no longer in GoLogin' },
      { profileId: 'nobody', reason: 'unknown profile (sync the profiles first)' },
      { profileId: 'twin', reason: 'listed twice (same X username as another selected profile)' },
    ])
    const page = await w.queries.list({ batchId: result.batchId, limit: 10 })
    expect(page.total).toBe(2)
    expect(page.rows.map((r) => [r.profileName, r.username, r.apiApp, r.attempt])).toEqual(
      expect.arrayContaining([['Profile 0', 'acct0', 'APP1', 1], ['Profile 1', 'acct1', 'APP1', 1]]),
    )
    await w.untilProgress(result.batchId, { total: 7, skipped: 5, done: 5 })
    await expect(w.runner.start({ profileIds: ids(2), apiApp: 'NOPE' })).rejects.toMatchObject({ code: 'INVALID_API_APP' })
  })

  it('never runs more accounts than the slots allow, and starts the next one as soon as one ends', async () => {
    const w = await setup(2)
    const { batchId } = await w.runner.start({ profileIds: ids(0, 1, 2, 3, 4), apiApp: 'APP1' })
    await w.untilStarted(2)
    expect(w.started.map((r) => r.job.username)).toEqual(['acct0', 'acct1'])
    expect(await w.untilProgress(batchId, { queued: 3, running: 2 })).toMatchObject({ etaMs: null })

    await w.running('acct1').finish('completed')
    await w.untilStarted(3)
    expect((await w.untilProgress(batchId, { succeeded: 1, running: 2 })).etaMs).toBeGreaterThan(0)
    await w.running('acct0').finish('failed')
    await w.untilStarted(4)
    for (const username of ['acct2', 'acct3']) await w.running(username).finish('completed')
    await w.untilStarted(5)
    await w.running('acct4').finish('completed')
    const done = await w.untilDone(batchId)

    expect(w.peak).toBe(2)
    expect(done).toMatchObject({ state: 'finished', total: 5, done: 5, succeeded: 4, failed: 1, queued: 0, running: 0, etaMs: null })
    expect(w.notices).toEqual([expect.objectContaining({ id: `batch-${batchId}`, body: '4 authorized, 1 failed, 0 cancelled, 0 skipped' })])
    expect(w.runner.active().map((p) => p.id)).toEqual([batchId])
  })

  it('shares the slots between batches in turn and skips an account another batch holds', async () => {
    const w = await setup(2)
    const a = await w.runner.start({ profileIds: ids(0, 1, 2, 3), apiApp: 'APP1' })
    const b = await w.runner.start({ profileIds: ids(4, 5, 0), apiApp: 'APP1' })
    expect(b.skipped).toEqual([{ profileId: 'p0', reason: expect.stringMatching(/^already in progress \(session /) }])
    expect(w.runner.isBusy({ username: 'ACCT0' })).toBe(true)

    await w.untilStarted(2)
    for (let i = 2; i <= 6; i++) {
      await w.started[i - 2].finish('completed')
      if (i < 6) await w.untilStarted(i + 1)
    }
    await w.started[5].finish('completed')
    await Promise.all([w.untilDone(a.batchId), w.untilDone(b.batchId)])
    // acct0 and acct1 took the free slots first; then the two batches took turns.
    expect(w.started.map((r) => r.job.username)).toEqual(['acct0', 'acct1', 'acct4', 'acct2', 'acct5', 'acct3'])
  })

  it('pauses (running accounts finish, queued ones wait) and resumes', async () => {
    const w = await setup(1)
    const { batchId } = await w.runner.start({ profileIds: ids(0, 1, 2), apiApp: 'APP1' })
    await w.untilStarted(1)
    expect(w.runner.pause(batchId)).toMatchObject({ state: 'paused', etaMs: null })
    await w.untilProgress(batchId, { state: 'paused', queued: 2, running: 1 })
    await w.running('acct0').finish('completed')
    // Paused: no ETA (nothing moves until the operator resumes).
    expect(await w.untilProgress(batchId, { state: 'paused', succeeded: 1, queued: 2, running: 0 })).toMatchObject({ etaMs: null })
    expect(w.started).toHaveLength(1)

    expect(w.runner.resume(batchId)).toMatchObject({ state: 'running' })
    await w.untilStarted(2)
    await w.running('acct1').finish('completed')
    await w.untilStarted(3)
    await w.running('acct2').finish('completed')
    expect(await w.untilDone(batchId)).toMatchObject({ state: 'finished', succeeded: 3 })
  })

  it('drains on one machine: running accounts finish, no queued one starts until it resumes', async () => {
    const drain = new DrainState()
    const w = await setup(2, drain)
    const { batchId } = await w.runner.start({ profileIds: ids(0, 1, 2, 3), apiApp: 'APP1' })
    await w.untilStarted(2)
    drain.start()
    await w.running('acct0').finish('completed')
    await w.running('acct1').finish('completed')
    // The bar's figures are counted in the database (a moment after each end); by then the queue has had every chance
    // to start the next account.
    await w.untilProgress(batchId, { state: 'running', succeeded: 2, queued: 2, running: 0 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(w.started).toHaveLength(2)
    expect((await w.queries.list({ batchId, limit: 10 })).rows.map((s) => s.status).sort()).toEqual(['completed', 'completed', 'pending', 'pending'])

    drain.stop()
    await w.untilStarted(4)
    await w.running('acct2').finish('completed')
    await w.running('acct3').finish('completed')
    expect(await w.untilDone(batchId)).toMatchObject({ state: 'finished', succeeded: 4 })
  })

  it('cancels: running accounts are stopped, queued ones become cancelled in the database', async () => {
    const w = await setup(2)
    const { batchId } = await w.runner.start({ profileIds: ids(0, 1, 2, 3, 4), apiApp: 'APP1' })
    await w.untilStarted(2)
    await w.running('acct0').finish('completed')
    await w.untilStarted(3)

    await w.runner.cancel(batchId)
    const done = await w.untilDone(batchId)

    expect(done).toMatchObject({ state: 'cancelled', succeeded: 1, cancelled: 4, queued: 0, running: 0 })
    expect(w.started.slice(1).every((r) => r.signal.aborted && (r.signal.reason as AppException).code === 'CANCELLED')).toBe(true)
    const rows = (await w.queries.list({ batchId, limit: 10 })).rows
    expect(rows.filter((r) => r.status === 'cancelled').map((r) => r.errorCode)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED'])
    expect(w.started).toHaveLength(3)
    expect(w.runner.isBusy({ profileId: 'p4' })).toBe(false)
    expect(w.notices.at(-1)).toMatchObject({ id: `batch-${batchId}`, body: '1 authorized, 0 failed, 4 cancelled, 0 skipped' })
    await expect(w.runner.cancel('no-such-batch')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('retries failed attempts as new attempts, never twice, and leaves the history alone', async () => {
    const w = await setup(3)
    const first = await w.runner.start({ profileIds: ids(0, 1, 2), apiApp: 'APP1' })
    await w.untilStarted(3)
    await w.running('acct0').finish('failed')
    await w.running('acct1').finish('completed')
    await w.running('acct2').finish('failed')
    await w.untilDone(first.batchId)
    const failed = (await w.queries.list({ batchId: first.batchId, statuses: ['failed'], limit: 10 })).rows
    const completed = (await w.queries.list({ batchId: first.batchId, statuses: ['completed'], limit: 10 })).rows

    const retry = await w.runner.retry({ sessionIds: [...failed.map((s) => s.id), completed[0].id, 'nope'] })
    expect(retry.queued).toBe(2)
    expect(retry.skipped).toEqual([
      { profileId: 'p1', reason: 'not failed (completed)' },
      { profileId: 'nope', reason: 'unknown session' },
    ])
    await w.untilStarted(5)
    const again = await w.runner.retry({ batchId: first.batchId })
    expect(again.queued).toBe(0)
    expect(again.skipped.map((s) => s.reason)).toEqual(['already retried (attempt 2)', 'already retried (attempt 2)'])
    await w.running('acct0').finish('completed')
    await w.running('acct2').finish('completed')
    expect(await w.untilDone(retry.batchId)).toMatchObject({ succeeded: 2, retryOf: null })

    const retried = (await w.queries.list({ batchId: retry.batchId, limit: 10 })).rows
    expect(retried.map((r) => [r.attempt, r.status]).sort()).toEqual([[2, 'completed'], [2, 'completed']])
    expect(retried.map((r) => r.retryOf).sort()).toEqual(failed.map((s) => s.id).sort())
    for (const old of failed) expect(await w.queries.get(old.id)).toMatchObject({ status: 'failed', errorCode: 'X_LOGGED_OUT', attempt: 1 })
    await expect(w.runner.retry({ batchId: 'unknown' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('authorizes one account for the REST API: at once, CONFLICT while in progress, the existing valid token unless forced', async () => {
    const w = await setup(2)
    const first = await w.runner.authorizeAccount({ accountId: '@ACCT3', apiApp: 'APP1' })
    expect(first).toMatchObject({ status: 'pending', profileId: 'p3', existing: false })
    await expect(w.runner.authorizeAccount({ profileId: 'p3', apiApp: 'APP1' })).rejects.toMatchObject({ code: 'CONFLICT' })
    await w.untilStarted(1)
    await w.running('acct3').finish('completed')
    await w.untilDone(w.started[0].job.batchId)

    expect(await w.runner.authorizeAccount({ username: 'acct3', apiApp: 'APP1' })).toEqual({ sessionId: first.sessionId, status: 'completed', profileId: 'p3', existing: true })
    const forced = await w.runner.authorizeAccount({ username: 'acct3', apiApp: 'APP1', forceReauth: true })
    expect(forced).toMatchObject({ status: 'pending', existing: false })
    expect(forced.sessionId).not.toBe(first.sessionId)
    await expect(w.runner.authorizeAccount({ accountId: 'nobody', apiApp: 'APP1' })).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' })
    await expect(w.runner.authorizeAccount({ accountId: 'unmapped', apiApp: 'APP1' })).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' })
  })

  it('on close, cancels live batches cleanly and refuses new ones', async () => {
    const w = await setup(1)
    const { batchId } = await w.runner.start({ profileIds: ids(0, 1, 2), apiApp: 'APP1' })
    await w.untilStarted(1)

    await w.runner.close(5_000)

    expect(w.progress.filter((p) => p.id === batchId).at(-1)).toMatchObject({ state: 'cancelled', cancelled: 3 })
    const rows = (await w.queries.list({ batchId, limit: 10 })).rows
    expect(rows.every((r) => r.status === 'cancelled')).toBe(true)
    await expect(w.runner.start({ profileIds: ids(5), apiApp: 'APP1' })).rejects.toMatchObject({ code: 'INTERRUPTED' })
  })

  it('a batch whose planning or queueing is under way when close begins never starts, and leaves no pending row', async () => {
    const w = await setup(2)
    const starting = w.runner.start({ profileIds: ids(0, 1, 2, 3), apiApp: 'APP1' })
    const closing = w.runner.close(5_000)
    await expect(starting).rejects.toMatchObject({ code: 'INTERRUPTED' })
    await closing
    expect(w.started).toEqual([])
    expect(await w.db.dataSource.query(`SELECT COUNT(*) AS n FROM authorization_sessions WHERE status IN ('pending', 'in_progress')`)).toEqual([{ n: 0 }])
  })

  it('a retry skips accounts authorized again since their failed attempt, unless asked to re-authorize them', async () => {
    const w = await setup(2)
    const first = await w.runner.start({ profileIds: ids(0, 1), apiApp: 'APP1' })
    await w.untilStarted(2)
    await w.running('acct0').finish('failed')
    await w.running('acct1').finish('failed')
    await w.untilDone(first.batchId)
    // acct0 is authorized again by another batch in the meantime.
    const other = await w.runner.start({ profileIds: ids(0), apiApp: 'APP1' })
    await w.untilStarted(3)
    await w.running('acct0').finish('completed')
    await w.untilDone(other.batchId)
    const fresh = (await w.queries.list({ batchId: other.batchId, limit: 1 })).rows[0]

    const plan = await w.runner.retryPlan({ batchId: first.batchId })
    expect(plan).toMatchObject({ batchId: '', queued: 1, triage: { person: { accounts: 1 }, retry: { accounts: 0 } } })
    expect(plan.skipped).toEqual([{ profileId: 'p0', reason: `has a valid token since (session ${fresh.id})` }])
    expect(w.started).toHaveLength(3)
    const forced = await w.runner.retryPlan({ batchId: first.batchId, reauthorize: true })
    expect(forced).toMatchObject({ queued: 2, skipped: [] })
    const retry = await w.runner.retry({ batchId: first.batchId })
    expect(retry).toMatchObject({ queued: 1, skipped: [{ profileId: 'p0' }] })
    await w.untilStarted(4)
    expect(w.started.at(-1)!.job.username).toBe('acct1')
  })

  it('refuses a batch that cannot succeed before any profile starts: start, retry and the REST authorize', async () => {
    const w = await setup(2)
    const failed = await w.runner.start({ profileIds: ids(4), apiApp: 'APP1' })
    await w.untilStarted(1)
    await w.running('acct4').finish('failed')
    await w.untilDone(failed.batchId)
    const refusal = new DomainException('INVALID_API_APP', 'API app "APP1" is a real X app, but sandbox mode is on.')
    w.refuse(refusal)
    await expect(w.runner.start({ profileIds: ids(0, 1), apiApp: 'APP1' })).rejects.toBe(refusal)
    await expect(w.runner.retry({ batchId: failed.batchId })).rejects.toBe(refusal)
    await expect(w.runner.authorizeAccount({ username: 'acct2', apiApp: 'APP1' })).rejects.toBe(refusal)
    await expect(w.runner.check('APP1')).rejects.toBe(refusal)
    expect(w.started).toHaveLength(1)
    expect(await w.db.dataSource.query(`SELECT COUNT(*) AS n FROM authorization_sessions`)).toEqual([{ n: 1 }])
  })

  it('follows a raised concurrency at once', async () => {
    const w = await setup(1)
    await w.runner.start({ profileIds: ids(0, 1, 2), apiApp: 'APP1' })
    await w.untilStarted(1)
    w.runner.setConcurrency(3)
    await w.untilStarted(3)
    expect(w.peak).toBe(3)
  })
})
