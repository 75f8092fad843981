/**
 * Fault matrix, the profile's side: stops that fail or hang, a slow start that is cancelled, the CDP
 * connection dropped and the browser closed by hand in the middle of the consent. Each case runs the whole
 * panel on real SQLite and the sandbox, and checks what the operator (and the machine) would: the sessions'
 * final states and codes, the tokens as X issued them, the sandbox's own count of browsers never above the
 * slots and none left at the end, and the journal naming every browser not confirmed stopped.
 */
import { describe, expect, it, vi } from 'vitest'
import { createCore } from '../../../src/main/core'
import { panelWorld } from '../authorization/panel-world'
import { expectAllTerminal, expectTokensAsIssued, journal, sandboxBrowsers, untilSession, watchJournal } from './harness'

const FAST_STOP_RETRIES = { stopTimeoutMs: 2_000, stopRetryDelayMs: { min: 100, max: 400 } }

describe('fault matrix: profiles', () => {
  it('stop fails: the slot stays taken and journalled until a stop is confirmed, never more browsers than slots; one that never stops is stopped by the next start-up', { timeout: 240_000 }, async () => {
    const world = await panelWorld({ profiles: 6, env: { MAX_CONCURRENT_PROFILES: '2' }, core: { profileStops: FAST_STOP_RETRIES, shutdownTimeoutMs: 3_000 } })
    const accounts = world.sandbox.accounts()
    const [stuck, flakyA, flakyB] = accounts
    world.sandbox.gologin.setBehaviour(stuck.profileId, { stopFailures: Number.POSITIVE_INFINITY })
    // The launcher tries a stop three times itself: these fail once in the slots' eyes, then a background retry works.
    for (const flaky of [flakyA, flakyB]) world.sandbox.gologin.setBehaviour(flaky.profileId, { stopFailures: 3 })
    const watch = watchJournal(world)

    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    const done = await world.untilDone(started.batchId, 180_000)

    expect(done).toMatchObject({ state: 'finished', succeeded: 6, failed: 0 })
    expect(await expectTokensAsIssued(world, started.batchId)).toBe(6)
    expect(sandboxBrowsers(world).peak).toBeLessThanOrEqual(2)
    // The flaky ones were stopped by a retry; the stuck one still runs, and everything says so.
    await vi.waitFor(() => expect(world.sandbox.gologin.browsers().map((b) => b.profileId)).toEqual([stuck.profileId]), { timeout: 30_000 })
    expect(journal(world.dataDir)).toEqual([stuck.profileId])
    expect((await world.call('monitor:get')).unstoppedProfiles).toMatchObject([{ profileId: stuck.profileId, stopAttempts: expect.any(Number) }])
    expect(await world.core.db.dataSource.query('SELECT profile_id FROM profiles WHERE in_use = TRUE')).toEqual([{ profile_id: stuck.profileId }])
    // It is not started again until GoLogin confirms its stop.
    expect(await world.call('batch:start', { profileIds: [stuck.profileId], apiApp: 'SANDBOX1' })).toMatchObject({
      queued: 0,
      skipped: [{ profileId: stuck.profileId, reason: 'its browser is not confirmed stopped yet' }],
    })
    watch.stop()
    expect(watch.breaches).toEqual([])

    // Quit while GoLogin still refuses: the journal keeps naming the browser.
    await world.core.close()
    expect(journal(world.dataDir)).toEqual([stuck.profileId])
    expect(world.sandbox.gologin.browsers()).toHaveLength(1)

    // GoLogin works again: the next start-up stops what the journal names.
    world.sandbox.gologin.setBehaviour(stuck.profileId, { stopFailures: 0 })
    const next = await createCore({ dataDir: world.dataDir, mode: 'browser', sandbox: world.sandbox, logLevel: 'warn' })
    try {
      expect(next.recovery.profilesStopped).toEqual([stuck.profileId])
      expect(world.sandbox.gologin.browsers()).toEqual([])
      expect(journal(world.dataDir)).toEqual([])
    } finally {
      await next.close()
    }
    expect(world.chromiumLeft()).toEqual([])
  })

  it('stop hangs: the timed-out stop keeps its slot until a retried stop is confirmed', { timeout: 180_000 }, async () => {
    const world = await panelWorld({ profiles: 4, env: { MAX_CONCURRENT_PROFILES: '2' }, core: { profileStops: FAST_STOP_RETRIES } })
    const accounts = world.sandbox.accounts()
    // The app never answers the first stop of these two (and stops nothing).
    for (const account of accounts.slice(0, 2)) world.sandbox.gologin.setBehaviour(account.profileId, { stopHangs: 1 })
    const watch = watchJournal(world)

    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    const done = await world.untilDone(started.batchId, 150_000)

    expect(done).toMatchObject({ state: 'finished', succeeded: 4 })
    expect(await expectTokensAsIssued(world, started.batchId)).toBe(4)
    expect(world.sandbox.gologin.stats().browsers.stopFailures).toBe(2)
    expect(sandboxBrowsers(world).peak).toBeLessThanOrEqual(2)
    await vi.waitFor(() => expect(sandboxBrowsers(world).running).toBe(0), { timeout: 30_000 })
    await vi.waitFor(() => expect(journal(world.dataDir)).toEqual([]))
    watch.stop()
    expect(watch.breaches).toEqual([])
  })

  it('start slow then cancelled: the session is cancelled at once, the start is let finish, and only then is the profile stopped', { timeout: 120_000 }, async () => {
    const world = await panelWorld({ profiles: 1 })
    const [account] = world.sandbox.accounts()
    world.sandbox.gologin.setBehaviour(account.profileId, { startDelayMs: 2_500 })

    const started = await world.call('batch:start', { profileIds: [account.profileId], apiApp: 'SANDBOX1' })
    await vi.waitFor(() => expect(world.sandbox.gologin.stats().local.byEndpoint['POST /browser/start-profile']).toBe(1), { interval: 10 })
    await world.call('batch:cancel', { batchId: started.batchId })
    const done = await world.untilDone(started.batchId)

    expect(done).toMatchObject({ state: 'cancelled', cancelled: 1 })
    expect((await expectAllTerminal(world, started.batchId))[0]).toMatchObject({ status: 'cancelled', errorCode: 'CANCELLED' })
    // GoLogin was still starting the profile: the panel kept it journalled and its slot taken, and sent no stop yet.
    expect(world.sandbox.gologin.stats().local.byEndpoint['POST /browser/stop-profile']).toBeUndefined()
    expect(journal(world.dataDir)).toEqual([account.profileId])
    await vi.waitFor(() => expect(world.core.gologin.slots.figures().slotsInUse).toBe(0), { timeout: 30_000 })
    expect(world.sandbox.gologin.stats().browsers).toMatchObject({ launched: 1, running: 0, stopsWhileStarting: 0 })
    expect(journal(world.dataDir)).toEqual([])
  })

  it('CDP disconnect mid-consent (cloud browser): the session fails naming the lost connection and the profile is stopped', { timeout: 120_000 }, async () => {
    const world = await panelWorld({ profiles: 1, launcher: 'cloud', slowConsentDelayMs: 10 * 60_000, behaviours: { user00000: 'slow' } })
    const [account] = world.sandbox.accounts()

    const started = await world.call('batch:start', { profileIds: [account.profileId], apiApp: 'SANDBOX1' })
    await untilSession(world, started.batchId, (row) => row.step === 'consent')
    expect(world.sandbox.gologin.dropCloudConnections(account.profileId)).toBeGreaterThan(0)
    const done = await world.untilDone(started.batchId)

    expect(done).toMatchObject({ failed: 1 })
    expect((await expectAllTerminal(world, started.batchId))[0]).toMatchObject({ status: 'failed', errorCode: 'BROWSER_CONNECTION_FAILED' })
    await vi.waitFor(() => expect(sandboxBrowsers(world).running).toBe(0), { timeout: 30_000 })
    expect(world.sandbox.gologin.stats().cloud.cloudBrowserStops).toEqual([account.profileId])
    expect(journal(world.dataDir)).toEqual([])
  })

  it('browser closed by hand mid-consent: the session fails naming the lost browser, the app is told to stop it, nothing is left', { timeout: 120_000 }, async () => {
    const world = await panelWorld({ profiles: 1, slowConsentDelayMs: 10 * 60_000, behaviours: { user00000: 'slow' } })
    const [account] = world.sandbox.accounts()

    const started = await world.call('batch:start', { profileIds: [account.profileId], apiApp: 'SANDBOX1' })
    await untilSession(world, started.batchId, (row) => row.step === 'consent')
    await world.sandbox.gologin.crashBrowser(account.profileId)
    const done = await world.untilDone(started.batchId)

    expect(done).toMatchObject({ failed: 1 })
    expect((await expectAllTerminal(world, started.batchId))[0]).toMatchObject({ status: 'failed', errorCode: 'BROWSER_CONNECTION_FAILED' })
    await vi.waitFor(() => expect(sandboxBrowsers(world).running).toBe(0), { timeout: 30_000 })
    expect(world.sandbox.gologin.stats().local.byEndpoint['POST /browser/stop-profile']).toBe(1)
    expect(journal(world.dataDir)).toEqual([])
    expect(world.chromiumLeft()).toEqual([])
  })
})
