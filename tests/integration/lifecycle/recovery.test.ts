/**
 * Start-up recovery and the journal of started profiles, against a real database and real profile
 * slots (with a recording launcher): what a crash leaves behind is put right before anything starts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { ProfileSlots, type ProfileLauncher } from '../../../src/main/services/gologin'
import { INTERRUPTED_MESSAGE, lastLogTime, recoverAfterCrash, restartNotice, StartedProfilesJournal } from '../../../src/main/services/lifecycle'
import { tempDir } from '../../helpers/temp-dir'
import { openTestDb } from '../db/test-db'
import { seedProfile, seedSession, sessionRow } from '../workers/session-fixtures'

type TestDb = Awaited<ReturnType<typeof openTestDb>>
const open: TestDb[] = []
afterEach(async () => {
  for (const db of open.splice(0)) await db.close()
})

const log = () => new LogSystem({ dir: null }).logger('lifecycle')

/** A launcher that records starts and stops; `unreachable` ids fail to stop. */
function recordingLauncher(unreachable: string[] = []) {
  const running = new Set<string>()
  const stops: string[] = []
  const launcher: ProfileLauncher & { running: Set<string>; stops: string[] } = {
    kind: 'test',
    running,
    stops,
    async start(profileId) {
      running.add(profileId)
      return { browserWSEndpoint: `ws://127.0.0.1:9/devtools/browser/${profileId}` }
    },
    async stop(profileId) {
      stops.push(profileId)
      if (unreachable.includes(profileId)) throw new Error('GoLogin app not reachable')
      running.delete(profileId)
    },
  }
  return launcher
}

describe('StartedProfilesJournal', () => {
  it('writes a profile down before its start reaches the launcher and crosses it out once stopped', async () => {
    const dir = tempDir()
    const journal = new StartedProfilesJournal({ dataDir: dir, log: log() })
    const seenAtStart: string[][] = []
    const launcher = recordingLauncher()
    const start = launcher.start.bind(launcher)
    launcher.start = async (profileId, options) => {
      seenAtStart.push(new StartedProfilesJournal({ dataDir: dir, log: log() }).read())
      return start(profileId, options)
    }
    const slots = new ProfileSlots({ launcher, logger: log(), maxConcurrent: 2 })
    journal.follow(slots)

    const a = await slots.startProfile('profile-a')
    const b = await slots.startProfile('profile-b')
    expect(seenAtStart).toEqual([['profile-a'], ['profile-a', 'profile-b']])
    expect(journal.read()).toEqual(['profile-a', 'profile-b'])
    await a.release()
    expect(journal.read()).toEqual(['profile-b'])
    await b.release()
    expect(journal.read()).toEqual([])
    expect(fs.existsSync(journal.file)).toBe(false)
    await slots.close()
  })

  it('treats a damaged journal as empty instead of failing start-up', () => {
    const dir = tempDir()
    const journal = new StartedProfilesJournal({ dataDir: dir, log: log() })
    fs.writeFileSync(journal.file, '{"profileIds": ["a", ')
    expect(journal.read()).toEqual([])
  })
})

describe('recoverAfterCrash', () => {
  it('fails interrupted sessions as INTERRUPTED, cancels queued ones, stops journaled and in-use profiles, clears every flag', async () => {
    const db = await openTestDb()
    open.push(db)
    const running = await seedSession(db, { profileId: 'p-run', batchId: 'b1', status: 'in_progress', step: 'consent', startedAt: new Date() })
    const queued = await seedSession(db, { profileId: 'p-queued', batchId: 'b1', status: 'pending' })
    const done = await seedSession(db, { profileId: 'p-done', batchId: 'b1', status: 'completed', completedAt: new Date() })
    await seedProfile(db, 'p-run', { inUse: true })
    await seedProfile(db, 'p-flag-only', { inUse: true })
    await seedProfile(db, 'p-idle')
    const journal = new StartedProfilesJournal({ dataDir: db.dir, log: log() })
    journal.keep(['p-run', 'p-journal-only'])
    const launcher = recordingLauncher()

    const report = await recoverAfterCrash({ db, journal, launcher, log: log() })

    expect(report).toMatchObject({ interrupted: 1, cancelled: 1, inUseCleared: 2, profilesNotStopped: [] })
    expect(report.profilesStopped.sort()).toEqual(['p-flag-only', 'p-journal-only', 'p-run'])
    // What the restart banner says: each account's fate, the running one first, and the last sign of work.
    expect(report.accounts).toEqual([
      expect.objectContaining({ sessionId: running.sessionId, batchId: 'b1', step: 'consent', outcome: 'failed' }),
      expect.objectContaining({ sessionId: queued.sessionId, batchId: 'b1', step: null, outcome: 'not_started' }),
    ])
    expect(Date.parse(report.lastSessionActivityAt!)).toBeGreaterThan(Date.now() - 60_000)
    expect(restartNotice(report, null)).toMatchObject({ failed: 1, notStarted: 1, resumed: 0, stoppedAtSource: 'sessions', stoppedAt: report.lastSessionActivityAt })
    expect(await sessionRow(db, running.sessionId)).toMatchObject({
      status: 'failed',
      errorCode: 'INTERRUPTED',
      errorMessage: `${INTERRUPTED_MESSAGE} (step: consent).`,
      completedAt: expect.any(Date),
    })
    expect(await sessionRow(db, queued.sessionId)).toMatchObject({ status: 'cancelled', errorCode: 'INTERRUPTED', errorMessage: expect.stringContaining('Not started') })
    expect((await sessionRow(db, done.sessionId)).status).toBe('completed')
    expect(await db.dataSource.query(`SELECT COUNT(*) AS n FROM profiles WHERE in_use = TRUE`)).toEqual([{ n: 0 }])
    expect(journal.read()).toEqual([])
    expect(fs.existsSync(journal.file)).toBe(false)
  })

  it('keeps a profile it could not stop in the journal for the next start-up', async () => {
    const db = await openTestDb()
    open.push(db)
    const journal = new StartedProfilesJournal({ dataDir: db.dir, log: log() })
    journal.keep(['p-ok', 'p-unreachable'])
    const report = await recoverAfterCrash({ db, journal, launcher: recordingLauncher(['p-unreachable']), log: log() })
    expect(report).toMatchObject({ profilesStopped: ['p-ok'], profilesNotStopped: ['p-unreachable'] })
    expect(new StartedProfilesJournal({ dataDir: db.dir, log: log() }).read()).toEqual(['p-unreachable'])

    const next = await recoverAfterCrash({ db, journal: new StartedProfilesJournal({ dataDir: db.dir, log: log() }), launcher: recordingLauncher(), log: log() })
    expect(next.profilesStopped).toEqual(['p-unreachable'])
    expect(fs.existsSync(path.join(db.dir, 'started-profiles.json'))).toBe(false)
  })

  it('does nothing (and stops nothing) after a clean stop', async () => {
    const db = await openTestDb()
    open.push(db)
    const finished = await seedSession(db, { profileId: 'p1', status: 'failed', errorCode: 'X_LOGGED_OUT' })
    const launcher = recordingLauncher()
    const report = await recoverAfterCrash({ db, journal: new StartedProfilesJournal({ dataDir: db.dir, log: log() }), launcher, log: log() })
    expect(report).toEqual({ interrupted: 0, cancelled: 0, resumed: 0, inUseCleared: 0, profilesStopped: [], profilesNotStopped: [], accounts: [], lastSessionActivityAt: null })
    expect(restartNotice(report, new Date().toISOString())).toBeNull()
    expect(launcher.stops).toEqual([])
    expect(await sessionRow(db, finished.sessionId)).toMatchObject({ status: 'failed', errorCode: 'X_LOGGED_OUT' })
  })

  it('clears more stale in-use flags than could ever run without calling the launcher for each', async () => {
    const db = await openTestDb()
    open.push(db)
    for (let i = 0; i < 60; i++) await seedProfile(db, `stale-${i}`, { inUse: true })
    const launcher = recordingLauncher()
    const report = await recoverAfterCrash({ db, journal: new StartedProfilesJournal({ dataDir: db.dir, log: log() }), launcher, log: log(), maxInUseToStop: 50 })
    expect(report.inUseCleared).toBe(60)
    expect(launcher.stops).toEqual([])
  })
})

describe('the restart notice', () => {
  it('takes when the panel stopped from the last whole line of the previous run’s log', () => {
    const dir = tempDir('log-tail-')
    const file = path.join(dir, 'panel.log')
    expect(lastLogTime(file)).toBeNull()
    const line = (ts: string) => JSON.stringify({ seq: 1, ts, level: 'info', scope: 'batch', event: 'x' })
    // The crash cut the last line short: the one before it is the last sign of life.
    fs.writeFileSync(file, `${line('2026-12-07T18:00:00.000Z')}\n${line('2026-12-07T18:42:13.250Z')}\n{"seq":3,"ts":"2026-12-07T18:4`)
    expect(lastLogTime(file)).toBe('2026-12-07T18:42:13.250Z')
    const report = { interrupted: 2, cancelled: 0, resumed: 2, inUseCleared: 0, profilesStopped: [], profilesNotStopped: [], accounts: [], lastSessionActivityAt: '2026-12-07T18:40:00.000Z' }
    expect(restartNotice(report, lastLogTime(file))).toEqual({ stoppedAt: '2026-12-07T18:42:13.250Z', stoppedAtSource: 'log', failed: 0, notStarted: 0, resumed: 2, accounts: [] })
  })
})
