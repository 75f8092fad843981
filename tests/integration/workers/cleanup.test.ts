/**
 * The hourly cleanup against a real database and screenshot folder: stale sessions time out with the
 * operator's sentence, work a batch still holds is left alone, stale in-use flags are reset (running
 * profiles keep theirs), and old screenshots are deleted with their path cleared.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EventHub } from '../../../src/main/ipc/event-hub'
import { LogSystem } from '../../../src/main/logging/logger'
import { SessionCleanup, type LiveSessions } from '../../../src/main/services/lifecycle/session-cleanup'
import type { EventBatch } from '../../../src/shared/ipc-contract'
import { openTestDb } from '../db/test-db'
import { hoursAgo, seedProfile, seedSession, sessionRow } from './session-fixtures'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

async function setup(options: { running?: string[]; live?: LiveSessions; timeoutHours?: number; retentionDays?: number } = {}) {
  const db = await openTestDb()
  open.push(db)
  const screenshotDir = path.join(db.dir, 'screenshots')
  fs.mkdirSync(screenshotDir)
  const events = new EventHub(1)
  const pushed: EventBatch[] = []
  events.subscribe((batches) => pushed.push(...batches))
  const cleanup = new SessionCleanup({
    db,
    slots: { list: () => (options.running ?? []).map((profileId) => ({ profileId })) },
    live: options.live,
    sessionTimeoutHours: () => options.timeoutHours ?? 2,
    screenshotRetentionDays: () => options.retentionDays ?? 7,
    screenshotDir,
    dataDir: db.dir,
    events,
    log: new LogSystem({ dir: null }).logger('cleanup'),
  })
  const patches = (channel: string) => {
    events.flush()
    return pushed.filter((batch) => batch.channel === channel).flatMap((batch) => batch.items as Array<Record<string, unknown>>)
  }
  return { db, cleanup, screenshotDir, patches }
}

describe('SessionCleanup', () => {
  it('times out pending and in-progress sessions older than the limit, with the real sentence', async () => {
    const { db, cleanup, patches } = await setup()
    const oldRunning = await seedSession(db, { profileId: 'p1', status: 'in_progress', step: 'consent', createdAt: hoursAgo(5), startedAt: hoursAgo(3) })
    const oldQueued = await seedSession(db, { profileId: 'p2', status: 'pending', createdAt: hoursAgo(2.5) })
    const recentRunning = await seedSession(db, { profileId: 'p3', status: 'in_progress', createdAt: hoursAgo(4), startedAt: hoursAgo(0.5) })
    const recentQueued = await seedSession(db, { profileId: 'p4', status: 'pending', createdAt: hoursAgo(1) })
    const oldFailed = await seedSession(db, { profileId: 'p5', status: 'failed', errorCode: 'X_LOGGED_OUT', createdAt: hoursAgo(9), completedAt: hoursAgo(9) })

    const report = await cleanup.run()

    expect(report.timedOut).toBe(2)
    for (const stale of [oldRunning, oldQueued]) {
      expect(await sessionRow(db, stale.sessionId)).toMatchObject({
        status: 'timeout',
        errorCode: 'AUTH_TIMEOUT',
        errorMessage: 'Session timed out after 2 hours',
        completedAt: expect.any(Date),
      })
    }
    expect((await sessionRow(db, recentRunning.sessionId)).status).toBe('in_progress')
    expect((await sessionRow(db, recentQueued.sessionId)).status).toBe('pending')
    expect(await sessionRow(db, oldFailed.sessionId)).toMatchObject({ status: 'failed', errorCode: 'X_LOGGED_OUT' })
    expect(patches('sessions').map((p) => [p.id, p.status])).toEqual(
      expect.arrayContaining([
        [oldRunning.sessionId, 'timeout'],
        [oldQueued.sessionId, 'timeout'],
      ]),
    )
    expect(patches('profiles')).toEqual(expect.arrayContaining([{ id: 'p1', lastStatus: 'timeout', lastErrorCode: 'AUTH_TIMEOUT' }]))
  })

  it('uses the configured limit in the sentence', async () => {
    const { db, cleanup } = await setup({ timeoutHours: 1 })
    const stale = await seedSession(db, { profileId: 'p1', status: 'pending', createdAt: hoursAgo(1.5) })
    await cleanup.run()
    expect((await sessionRow(db, stale.sessionId)).errorMessage).toBe('Session timed out after 1 hour')
  })

  it('leaves alone the sessions of a batch still queued in the runner, however old', async () => {
    const live: LiveSessions = { isLive: ({ batchId }) => batchId === 'batch-live' }
    const { db, cleanup } = await setup({ live })
    const queued = await seedSession(db, { profileId: 'p1', batchId: 'batch-live', status: 'pending', createdAt: hoursAgo(20) })
    const orphan = await seedSession(db, { profileId: 'p2', batchId: 'batch-gone', status: 'pending', createdAt: hoursAgo(20) })
    await cleanup.run()
    expect((await sessionRow(db, queued.sessionId)).status).toBe('pending')
    expect((await sessionRow(db, orphan.sessionId)).status).toBe('timeout')
  })

  it('resets in-use flags of profiles the slots are not running, and only those', async () => {
    const { db, cleanup, patches } = await setup({ running: ['running-1'] })
    await seedProfile(db, 'running-1', { inUse: true })
    await seedProfile(db, 'stale-1', { inUse: true })
    await seedProfile(db, 'stale-2', { inUse: true })
    await seedProfile(db, 'idle', { inUse: false })

    const report = await cleanup.run()

    expect(report.inUseReset).toBe(2)
    const flags = await db.dataSource.query(`SELECT profile_id, in_use FROM profiles ORDER BY profile_id`)
    expect(flags).toEqual([
      { profile_id: 'idle', in_use: 0 },
      { profile_id: 'running-1', in_use: 1 },
      { profile_id: 'stale-1', in_use: 0 },
      { profile_id: 'stale-2', in_use: 0 },
    ])
    expect(patches('profiles')).toEqual(expect.arrayContaining([{ id: 'stale-1', inUse: false }, { id: 'stale-2', inUse: false }]))
  })

  it('deletes screenshots older than the retention and clears their path; newer ones stay', async () => {
    const { db, cleanup, screenshotDir, patches } = await setup({ retentionDays: 7 })
    const file = (name: string) => {
      const full = path.join(screenshotDir, name)
      fs.writeFileSync(full, 'png')
      return full
    }
    const old = await seedSession(db, { profileId: 'p1', status: 'failed', createdAt: hoursAgo(24 * 10), completedAt: hoursAgo(24 * 10), screenshotPath: file('old.png') })
    const recent = await seedSession(db, { profileId: 'p2', status: 'failed', createdAt: hoursAgo(24), completedAt: hoursAgo(24), screenshotPath: file('recent.png') })
    const gone = await seedSession(db, { profileId: 'p3', status: 'failed', createdAt: hoursAgo(24 * 9), completedAt: hoursAgo(24 * 9), screenshotPath: path.join(screenshotDir, 'gone.png') })
    const stray = file('stray-from-a-crash.png')
    const eightDaysAgo = hoursAgo(24 * 8)
    fs.utimesSync(stray, eightDaysAgo, eightDaysAgo)
    const freshStray = file('fresh-stray.png')

    const report = await cleanup.run()

    expect(report.screenshotsRemoved).toBe(2)
    expect(fs.readdirSync(screenshotDir).sort()).toEqual(['fresh-stray.png', 'recent.png'])
    expect((await sessionRow(db, old.sessionId)).screenshotPath).toBeNull()
    expect((await sessionRow(db, gone.sessionId)).screenshotPath).toBeNull()
    expect((await sessionRow(db, recent.sessionId)).screenshotPath).toBe(path.join(screenshotDir, 'recent.png'))
    expect(patches('sessions')).toEqual(expect.arrayContaining([{ id: old.sessionId, hasScreenshot: false }]))
    expect(fs.existsSync(freshStray)).toBe(true)
  })

  it('never deletes a file outside the data folder, even if a row points there', async () => {
    const { db, cleanup } = await setup({ retentionDays: 0 })
    const outside = path.join(path.dirname(db.dir), `outside-${path.basename(db.dir)}.png`)
    fs.writeFileSync(outside, 'keep me')
    try {
      const row = await seedSession(db, { profileId: 'p1', status: 'failed', createdAt: hoursAgo(1), completedAt: hoursAgo(1), screenshotPath: outside })
      await cleanup.run()
      expect(fs.existsSync(outside)).toBe(true)
      expect((await sessionRow(db, row.sessionId)).screenshotPath).toBeNull()
    } finally {
      fs.rmSync(outside, { force: true })
    }
  })
})
