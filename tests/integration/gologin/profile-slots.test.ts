import fs from 'node:fs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppException } from '../../../src/shared/errors'
import { LogSystem } from '../../../src/main/logging/logger'
import { cdpCall } from '../../../src/main/sandbox/chromium'
import { startGoLoginSandbox, type GoLoginSandbox, type SandboxBrowserInfo } from '../../../src/main/sandbox/gologin'
import { DesktopAppLauncher } from '../../../src/main/services/gologin/desktop-launcher'
import { ProfileSlots, type ProfileSlotsOptions } from '../../../src/main/services/gologin/profile-slots'
import type { CdpEndpoint } from '../../../src/main/services/gologin/types'
import { tempDir } from '../../helpers/temp-dir'
import { isProcessAlive, liveGroupMembers } from './processes'

interface World {
  sandbox: GoLoginSandbox
  slots: ProfileSlots
  inUse: Map<string, boolean>
  /** Every browser the sandbox ran during the test (to check by pid afterwards). */
  seen: Map<number, SandboxBrowserInfo>
  ids: string[]
}

let world: World | null = null

afterEach(async () => {
  if (!world) return
  const { sandbox, slots, seen } = world
  world = null
  // What the test left behind was already checked by the test; here only clean up (refused stops included).
  for (const entry of slots.list()) if (entry.phase === 'stop_failed') await slots.giveUp(entry.profileId)
  await slots.stopAll()
  await sandbox.close()
  for (const browser of seen.values()) {
    expect(isProcessAlive(browser.pid)).toBe(false)
    expect(liveGroupMembers(browser.pid)).toEqual([])
  }
})

async function setup(profiles: number, options: Partial<ProfileSlotsOptions> = {}): Promise<World> {
  const sandbox = await startGoLoginSandbox({ profiles, workDir: tempDir() })
  const logs = new LogSystem({ dir: null })
  const inUse = new Map<string, boolean>()
  const launcher = new DesktopAppLauncher({ localApiUrl: sandbox.localApiUrl, logger: logs.logger('desktop'), retryDelayMs: 5 })
  const slots = new ProfileSlots({
    launcher,
    logger: logs.logger('slots'),
    usage: { markInUse: async (id, value) => void inUse.set(id, value) },
    ...options,
  })
  world = { sandbox, slots, inUse, seen: new Map(), ids: sandbox.profiles().map((p) => p.id) }
  return world
}

/** Remembers the browsers running now, so the test can check their pids after cleanup. */
function noteBrowsers(w: World): SandboxBrowserInfo[] {
  const running = w.sandbox.browsers()
  for (const browser of running) w.seen.set(browser.pid, browser)
  return running
}

/** What a user would notice after any outcome: nothing running, no slot taken, no Chromium left. */
function expectNothingLeft(w: World) {
  expect(w.slots.figures()).toMatchObject({ slotsInUse: 0, waiting: 0 })
  expect(w.slots.running()).toEqual([])
  expect(w.sandbox.browsers()).toEqual([])
  expect(w.sandbox.stats().browsers.running).toBe(0)
  expect([...w.inUse.values()].every((v) => v === false)).toBe(true)
  for (const browser of w.seen.values()) {
    expect(isProcessAlive(browser.pid)).toBe(false)
    expect(fs.existsSync(browser.userDataDir)).toBe(false)
  }
}

async function failure(promise: Promise<unknown>): Promise<AppException> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(AppException)
    return error as AppException
  }
  throw new Error('expected a failure')
}

async function loggedInAs(endpoint: CdpEndpoint): Promise<string | undefined> {
  if (!('browserWSEndpoint' in endpoint)) throw new Error('expected a ws endpoint from the desktop app')
  const { cookies } = (await cdpCall(endpoint.browserWSEndpoint, 'Storage.getCookies')) as { cookies: Array<{ name: string; value: string }> }
  return cookies.find((c) => c.name === 'x_sandbox_user')?.value
}

describe('ProfileSlots with the desktop launcher and real Chromium', () => {
  it('runs 15 profiles through 10 slots: never more than 10 browsers at once, and all 15 complete', async () => {
    const w = await setup(15, { maxConcurrent: 10 })
    let entered = 0
    let openBarrier!: () => void
    const barrier = new Promise<void>((resolve) => (openBarrier = resolve))
    const results = await Promise.all(
      w.ids.map((id) =>
        w.slots.withProfile(id, async (endpoint) => {
          noteBrowsers(w)
          if (++entered === 10) {
            // The first ten hold their slots until all ten run: the other five must be waiting.
            expect(w.slots.figures()).toEqual({ slotsInUse: 10, maxConcurrent: 10, waiting: 5 })
            expect(w.sandbox.stats().browsers.running).toBe(10)
            openBarrier()
          }
          if (entered <= 10) await barrier
          return loggedInAs(endpoint)
        }),
      ),
    )
    expect(results).toEqual(w.sandbox.profiles().map((p) => p.notes.slice(1)))
    const stats = w.sandbox.stats()
    expect(stats.browsers).toMatchObject({ peak: 10, launched: 15, running: 0 })
    expect(stats.local.byEndpoint).toEqual({ 'POST /browser/start-profile': 15, 'POST /browser/stop-profile': 15 })
    expect(w.seen.size).toBe(15)
    expectNothingLeft(w)
  }, 120_000)

  it('a start failure before the launch still sends the stop and frees the slot', async () => {
    const w = await setup(1)
    const [id] = w.ids
    w.sandbox.setBehaviour(id, { startFailures: 1 })
    const error = await failure(w.slots.startProfile(id))
    expect(error.code).toBe('GOLOGIN_API_ERROR')
    expect(error.message).toMatch(/simulated start failure/)
    expect(w.sandbox.stats().local.byEndpoint['POST /browser/stop-profile']).toBe(1)
    expectNothingLeft(w)
    // The slot is free: the next start of the same profile works.
    await w.slots.withProfile(id, async () => void noteBrowsers(w))
    expectNothingLeft(w)
  }, 60_000)

  it('a start that fails after the browser was launched does not leave that browser running', async () => {
    const w = await setup(1)
    const [id] = w.ids
    w.sandbox.setBehaviour(id, { startFailures: 1, startFailureMode: 'after-launch' })
    const pending = failure(w.slots.startProfile(id))
    await vi.waitFor(() => expect(noteBrowsers(w)).toHaveLength(1), { timeout: 30_000, interval: 20 })
    expect((await pending).code).toBe('GOLOGIN_API_ERROR')
    expect(w.sandbox.stats().browsers.launched).toBe(1)
    expectNothingLeft(w)
  }, 60_000)

  it('a failed stop keeps its slot until the sandbox confirms a retried stop; one that keeps failing is held until given up', async () => {
    const w = await setup(2, { stopRetryDelayMs: { min: 50, max: 200 } })
    const [once, always] = w.ids
    // The launcher itself tries a stop three times (two retries) before the slots hear of a failure.
    w.sandbox.setBehaviour(once, { stopFailures: 3 })
    await w.slots.withProfile(once, async () => void noteBrowsers(w))
    // The app refused the first stop: the browser runs, so the slot and in_use stay taken.
    expect(w.sandbox.stats().browsers.running).toBe(1)
    expect(w.slots.figures()).toMatchObject({ slotsInUse: 1 })
    expect(w.inUse.get(once)).toBe(true)
    expect(w.slots.list()).toMatchObject([{ profileId: once, phase: 'stop_failed', stopAttempts: 1 }])
    await vi.waitFor(() => expect(w.slots.figures()).toMatchObject({ slotsInUse: 0 }), { timeout: 10_000, interval: 20 })
    expect(w.sandbox.stats().browsers).toMatchObject({ stopFailures: 3, running: 0 })
    expectNothingLeft(w)

    w.sandbox.setBehaviour(always, { stopFailures: Number.POSITIVE_INFINITY })
    await w.slots.withProfile(always, async () => void noteBrowsers(w))
    await vi.waitFor(() => expect(w.sandbox.stats().browsers.stopFailures).toBeGreaterThanOrEqual(6), { timeout: 10_000, interval: 20 })
    expect(w.slots.figures()).toMatchObject({ slotsInUse: 1 })
    expect(w.slots.list()).toMatchObject([{ profileId: always, phase: 'stop_failed' }])
    expect((await failure(w.slots.startProfile(always))).code).toBe('PROFILE_STOP_PENDING')
    // The operator gives up: the slot is free, but the browser the app refused to stop is still there.
    await w.slots.giveUp(always)
    expect(w.slots.figures()).toMatchObject({ slotsInUse: 0, waiting: 0 })
    expect(w.inUse.get(always)).toBe(false)
    expect(w.sandbox.browsers().map((b) => b.profileId)).toEqual([always])
  }, 60_000)

  it('a start slower than the timeout fails, and the late browser is stopped', async () => {
    const w = await setup(1, { startTimeoutMs: 300, stopRetryDelayMs: { min: 3_000, max: 6_000 } })
    const [id] = w.ids
    w.sandbox.setBehaviour(id, { startDelayMs: 1_000 })
    const error = await failure(w.slots.startProfile(id))
    expect(error.code).toBe('BROWSER_CONNECTION_FAILED')
    expect(error.message).toMatch(/did not start within 300 ms/)
    // The first stop came while the app was still starting it (it stopped nothing), and the app went on to
    // launch the browser after the panel gave up: the slot stays taken until a later stop closed it.
    expect(w.slots.figures()).toMatchObject({ slotsInUse: 1 })
    await vi.waitFor(() => expect(w.slots.figures()).toMatchObject({ slotsInUse: 0 }), { timeout: 20_000, interval: 20 })
    expect(w.sandbox.stats().browsers).toMatchObject({ launched: 1, running: 0 })
    expect(w.sandbox.stats().browsers.stopsWhileStarting).toBeGreaterThanOrEqual(1)
    expectNothingLeft(w)
  }, 60_000)

  it('an abort during the start answers at once; the start is let finish and only then stopped', async () => {
    const w = await setup(1)
    const [id] = w.ids
    w.sandbox.setBehaviour(id, { startDelayMs: 500 })
    const controller = new AbortController()
    const pending = failure(w.slots.startProfile(id, { signal: controller.signal }))
    await vi.waitFor(() => expect(w.sandbox.stats().local.byEndpoint['POST /browser/start-profile']).toBe(1), { interval: 5 })
    controller.abort()
    expect((await pending).code).toBe('CANCELLED')
    // GoLogin is still starting it: no stop was posted, the slot stays taken.
    expect(w.sandbox.stats().local.byEndpoint['POST /browser/stop-profile']).toBeUndefined()
    expect(w.slots.figures()).toMatchObject({ slotsInUse: 1 })
    await vi.waitFor(() => expect(w.slots.figures()).toMatchObject({ slotsInUse: 0 }), { timeout: 10_000, interval: 10 })
    expect(w.sandbox.stats().browsers).toMatchObject({ launched: 1, running: 0, stops: 1 })
    expectNothingLeft(w)
  }, 60_000)

  it('an abort while waiting for a slot never starts the profile and loses no slot', async () => {
    const w = await setup(3, { maxConcurrent: 1 })
    const [a, b, c] = w.ids
    const first = await w.slots.startProfile(a)
    noteBrowsers(w)
    const controller = new AbortController()
    const waiting = failure(w.slots.startProfile(b, { signal: controller.signal }))
    controller.abort()
    expect((await waiting).code).toBe('CANCELLED')
    await first.release()
    await w.slots.withProfile(c, async () => void noteBrowsers(w))
    expect(w.sandbox.stats().local.byEndpoint['POST /browser/start-profile']).toBe(2)
    expect(w.inUse.has(b)).toBe(false)
    expectNothingLeft(w)
  }, 60_000)

  it('stopAll at shutdown stops running and starting profiles and cancels the waiting ones', async () => {
    const w = await setup(4, { maxConcurrent: 3 })
    const [a, b, slow, queued] = w.ids
    w.sandbox.setBehaviour(slow, { startDelayMs: 400 })
    const handles = await Promise.all([w.slots.startProfile(a), w.slots.startProfile(b)])
    const starting = failure(w.slots.startProfile(slow))
    const waiting = failure(w.slots.startProfile(queued))
    noteBrowsers(w)
    await vi.waitFor(() => expect(w.slots.figures()).toMatchObject({ slotsInUse: 3, waiting: 1 }), { interval: 5 })
    await w.slots.stopAll()
    expect((await starting).code).toBe('INTERRUPTED')
    expect((await waiting).code).toBe('INTERRUPTED')
    expect(handles.every((h) => h.signal.aborted)).toBe(true)
    expect(w.sandbox.stats().browsers.launched).toBeLessThanOrEqual(3)
    expectNothingLeft(w)
  }, 60_000)
})
