/**
 * Several hosts on one PostgreSQL database: start-up recovery and the hourly cleanup of one host touch only
 * that host's work. Host B starting (or cleaning up) never fails, cancels, times out or un-flags host A's
 * live sessions and profiles.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { recoverAfterCrash, SessionCleanup, StartedProfilesJournal } from '../../../src/main/services/lifecycle'
import { openTestDb } from '../db/test-db'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

const log = () => new LogSystem({ dir: null }).logger('host-scope')
const FIVE_HOURS_AGO = new Date(Date.now() - 5 * 3_600_000).toISOString()

async function seed(db: TestDb, session: { id: string; profile: string; status: string; claimedBy?: string; leased?: boolean; batchId?: string }): Promise<void> {
  await db.dataSource.query(
    `INSERT INTO authorization_sessions (session_id, batch_id, profile_id, twitter_username, api_app, status, attempt, claimed_by, lease_until, claims, created_at)
     VALUES (?, ?, ?, ?, 'APP', ?, 1, ?, ${session.leased ? `CURRENT_TIMESTAMP + interval '1 hour'` : 'NULL'}, ?, ?)`,
    [session.id, session.batchId ?? null, session.profile, `user_${session.profile}`, session.status, session.claimedBy ?? null, session.claimedBy ? 1 : 0, FIVE_HOURS_AGO],
  )
}

async function sessions(db: TestDb): Promise<Record<string, { status: string; requeues: number; claimed_by: string | null }>> {
  const rows: Array<{ session_id: string; status: string; requeues: number; claimed_by: string | null }> = await db.dataSource.query(
    `SELECT session_id, status, requeues, claimed_by FROM authorization_sessions`,
  )
  return Object.fromEntries(rows.map((row) => [row.session_id, { status: row.status, requeues: row.requeues, claimed_by: row.claimed_by }]))
}

async function flags(db: TestDb): Promise<Record<string, boolean>> {
  const rows: Array<{ profile_id: string; in_use: boolean | number }> = await db.dataSource.query(`SELECT profile_id, in_use FROM profiles ORDER BY profile_id`)
  return Object.fromEntries(rows.map((row) => [row.profile_id, Boolean(row.in_use)]))
}

async function world(): Promise<TestDb> {
  const db = await openTestDb()
  open.push(db)
  const batchId = randomUUID()
  await db.dataSource.query(`INSERT INTO batches (id, api_app, state, created_by) VALUES (?, 'APP', 'running', 'host-a')`, [batchId])
  await db.dataSource.query(`INSERT INTO profiles (profile_id, profile_name, in_use, in_use_by) VALUES ('p-a', 'a', TRUE, 'host-a'), ('p-b', 'b', TRUE, 'host-b'), ('p-q', 'q', FALSE, NULL), ('p-old', 'old', FALSE, NULL)`)
  await seed(db, { id: 'a-running', profile: 'p-a', status: 'in_progress', claimedBy: 'host-a', leased: true, batchId })
  await seed(db, { id: 'b-running', profile: 'p-b', status: 'in_progress', claimedBy: 'host-b', leased: true, batchId })
  await seed(db, { id: 'queued', profile: 'p-q', status: 'pending', batchId })
  // An old session of no live batch, left pending by an earlier version: what the cleanup is for.
  await seed(db, { id: 'forgotten', profile: 'p-old', status: 'pending' })
  return db
}

describe('one host of several', () => {
  it('recovers only its own work at start-up: its claims back in the queue, its profiles stopped and un-flagged', async () => {
    const db = await world()
    const stops: string[] = []
    const report = await recoverAfterCrash({
      db,
      journal: new StartedProfilesJournal({ dataDir: db.dir, log: log() }),
      launcher: { stop: async (profileId) => void stops.push(profileId) },
      log: log(),
      shared: { hostId: 'host-b' },
    })
    expect(report).toMatchObject({ interrupted: 1, cancelled: 0, inUseCleared: 1, profilesStopped: ['p-b'] })
    expect(stops).toEqual(['p-b'])
    expect(await sessions(db)).toEqual({
      'a-running': { status: 'in_progress', requeues: 0, claimed_by: 'host-a' },
      'b-running': { status: 'pending', requeues: 1, claimed_by: 'host-b' },
      queued: { status: 'pending', requeues: 0, claimed_by: null },
      forgotten: { status: 'pending', requeues: 0, claimed_by: null },
    })
    expect(await flags(db)).toEqual({ 'p-a': true, 'p-b': false, 'p-old': false, 'p-q': false })
  })

  it('cleans up without timing out claimed or queued work of a live batch, and resets only its own in-use flags', async () => {
    const db = await world()
    const screenshotDir = path.join(db.dir, 'screenshots')
    fs.mkdirSync(screenshotDir)
    const cleanup = new SessionCleanup({
      db,
      slots: { list: () => [] },
      hostId: 'host-b',
      sessionTimeoutHours: () => 2,
      screenshotRetentionDays: () => 7,
      screenshotDir,
      dataDir: db.dir,
      log: log(),
    })
    expect(await cleanup.run()).toMatchObject({ timedOut: 1, inUseReset: 1 })
    const after = await sessions(db)
    expect(Object.fromEntries(Object.entries(after).map(([id, row]) => [id, row.status]))).toEqual({
      'a-running': 'in_progress',
      'b-running': 'in_progress',
      queued: 'pending',
      forgotten: 'timeout',
    })
    expect(await flags(db)).toEqual({ 'p-a': true, 'p-b': false, 'p-old': false, 'p-q': false })
  })
})
