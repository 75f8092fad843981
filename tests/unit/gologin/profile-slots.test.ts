import { describe, expect, it, vi } from 'vitest'
import { AppException, DATABASE_WRITE_FAILED, GoLoginAPIException, ValidationException } from '../../../src/shared/errors'
import { ProfileSlots, type ProfileHandle } from '../../../src/main/services/gologin/profile-slots'
import type { CdpEndpoint, ProfileLauncher, StartProfileOptions } from '../../../src/main/services/gologin/types'
import { captureLogger } from './capture-logger'

type StartScript = (profileId: string, signal: AbortSignal) => Promise<CdpEndpoint>

/** A launcher that records calls and tracks how many profiles run at once. */
class FakeLauncher implements ProfileLauncher {
  readonly kind = 'fake'
  readonly calls: string[] = []
  readonly running = new Set<string>()
  peak = 0
  scripts = new Map<string, StartScript>()
  /** Profile id → stop calls still to fail (Infinity: every one). */
  stopFails = new Map<string, number>()
  private startWaiters: Array<() => void> = []

  async start(profileId: string, options: StartProfileOptions = {}): Promise<CdpEndpoint> {
    this.calls.push(`start ${profileId}`)
    this.startWaiters.splice(0).forEach((wake) => wake())
    const script = this.scripts.get(profileId)
    const endpoint = script ? await script(profileId, options.signal!) : { browserWSEndpoint: `ws://127.0.0.1:1/devtools/browser/${profileId}` }
    this.calls.push(`started ${profileId}`)
    this.running.add(profileId)
    this.peak = Math.max(this.peak, this.running.size)
    return endpoint
  }

  async stop(profileId: string): Promise<void> {
    this.calls.push(`stop ${profileId}`)
    const failures = this.stopFails.get(profileId) ?? 0
    if (failures > 0) {
      this.stopFails.set(profileId, failures - 1)
      throw new GoLoginAPIException(500, 'stop failed')
    }
    this.running.delete(profileId)
  }

  /** Resolves at the next start call. */
  nextStart(): Promise<void> {
    return new Promise((resolve) => this.startWaiters.push(resolve))
  }
}

function setup(options: { maxConcurrent?: number; startTimeoutMs?: number; stopTimeoutMs?: number; stopRetryDelayMs?: { min: number; max: number } } = {}) {
  const launcher = new FakeLauncher()
  const usage: Array<[string, boolean]> = []
  const logger = captureLogger()
  const slots = new ProfileSlots({
    launcher,
    logger,
    usage: { markInUse: async (id, inUse) => void usage.push([id, inUse]) },
    ...options,
  })
  return { launcher, usage, slots, logger }
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

const idle = { slotsInUse: 0, waiting: 0 }

describe('ProfileSlots', () => {
  it('runs the work with the endpoint, then stops the profile and records in_use around it', async () => {
    const { launcher, usage, slots } = setup()
    const result = await slots.withProfile('p1', async (endpoint) => {
      expect(slots.running()).toEqual(['p1'])
      expect(slots.figures()).toEqual({ slotsInUse: 1, maxConcurrent: 10, waiting: 0 })
      return endpoint
    })
    expect(result).toEqual({ browserWSEndpoint: 'ws://127.0.0.1:1/devtools/browser/p1' })
    expect(launcher.calls).toEqual(['start p1', 'started p1', 'stop p1'])
    expect(usage).toEqual([
      ['p1', true],
      ['p1', false],
    ])
    expect(slots.figures()).toMatchObject(idle)
  })

  it('stops the profile when the work throws, and passes the error on', async () => {
    const { launcher, slots } = setup()
    await expect(slots.withProfile('p1', async () => Promise.reject(new Error('consent page broke')))).rejects.toThrow('consent page broke')
    expect(launcher.calls).toEqual(['start p1', 'started p1', 'stop p1'])
    expect(slots.figures()).toMatchObject(idle)
  })

  it('stops a profile whose start failed (the app may have half-started it) and frees the slot', async () => {
    const { launcher, usage, slots } = setup()
    launcher.scripts.set('p1', async () => Promise.reject(new GoLoginAPIException(500, 'app exploded')))
    launcher.scripts.set('p2', async () => Promise.reject(new Error('socket hang up')))
    expect((await failure(slots.startProfile('p1'))).message).toMatch(/app exploded/)
    const wrapped = await failure(slots.startProfile('p2'))
    expect(wrapped.code).toBe('BROWSER_CONNECTION_FAILED')
    expect(launcher.calls).toEqual(['start p1', 'stop p1', 'start p2', 'stop p2'])
    expect(usage.filter(([, inUse]) => !inUse)).toHaveLength(2)
    expect(slots.figures()).toMatchObject(idle)
  })

  it('aborts a start slower than the timeout, stops the profile after the late start settled, and stops it again before freeing the slot', async () => {
    const { launcher, slots } = setup({ startTimeoutMs: 30, stopRetryDelayMs: { min: 5, max: 10 } })
    // Like the desktop app: the start carries on after the caller gave up, then completes.
    launcher.scripts.set(
      'slow',
      (id, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => setImmediate(() => resolve({ browserURL: `http://127.0.0.1:1/${id}` })))),
    )
    const error = await failure(slots.startProfile('slow'))
    expect(error.code).toBe('BROWSER_CONNECTION_FAILED')
    expect(error.message).toMatch(/did not start within/)
    expect(launcher.calls).toEqual(['start slow', 'started slow', 'stop slow'])
    expect(launcher.running.size).toBe(0)
    // GoLogin may still launch a start the panel gave up on: the slot is held for two more stops.
    expect(slots.list()).toMatchObject([{ profileId: 'slow', phase: 'stopping' }])
    await vi.waitFor(() => expect(slots.figures()).toMatchObject(idle))
    expect(launcher.calls.filter((call) => call === 'stop slow')).toHaveLength(3)
  })

  it('a caller abort during the start answers at once, lets the start finish, then stops it; the slot stays taken meanwhile', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 1 })
    let finishStart!: () => void
    launcher.scripts.set('p1', () => new Promise((resolve) => (finishStart = () => resolve({ browserURL: 'http://127.0.0.1:1/p1' }))))
    const controller = new AbortController()
    const started = launcher.nextStart()
    const pending = failure(slots.startProfile('p1', { signal: controller.signal }))
    await started
    controller.abort()
    expect((await pending).code).toBe('CANCELLED')
    // GoLogin is still starting the profile: no stop yet, and the slot is not free.
    expect(launcher.calls).toEqual(['start p1'])
    expect(slots.figures()).toMatchObject({ slotsInUse: 1 })
    expect(slots.list()).toMatchObject([{ profileId: 'p1', phase: 'starting' }])
    finishStart()
    await vi.waitFor(() => expect(slots.figures()).toMatchObject(idle))
    expect(launcher.calls).toEqual(['start p1', 'started p1', 'stop p1'])
    expect(launcher.running.size).toBe(0)
  })

  it('an abort while waiting for a slot gives the place up without starting anything', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 1 })
    const first = await slots.startProfile('a')
    const controller = new AbortController()
    const waiting = failure(slots.startProfile('b', { signal: controller.signal }))
    const third = slots.startProfile('c')
    expect(slots.figures()).toEqual({ slotsInUse: 1, maxConcurrent: 1, waiting: 2 })
    controller.abort()
    expect((await waiting).code).toBe('CANCELLED')
    expect(slots.figures().waiting).toBe(1)
    await first.release()
    const handle = await third
    expect(slots.running()).toEqual(['c'])
    await handle.release()
    expect(launcher.calls.filter((c) => c.endsWith(' b'))).toEqual([])
    expect(slots.figures()).toMatchObject(idle)
  })

  it('refuses a second start of a running profile (CONFLICT) and a try-start when all slots are busy', async () => {
    const { slots } = setup({ maxConcurrent: 1 })
    const handle = await slots.startProfile('a')
    expect((await failure(slots.startProfile('a'))).code).toBe('CONFLICT')
    const limit = await failure(slots.tryStartProfile('b'))
    expect(limit.code).toBe('CONCURRENT_LIMIT')
    expect(limit.message).toMatch(/\(1\)/)
    await handle.release()
    const next = await slots.tryStartProfile('b')
    await next.release()
    expect(slots.figures()).toMatchObject(idle)
  })

  it('release is idempotent: one stop, one freed slot', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 2 })
    const handle = await slots.startProfile('a')
    await Promise.all([handle.release(), handle.release()])
    await handle.release()
    expect(launcher.calls.filter((c) => c === 'stop a')).toHaveLength(1)
    expect(slots.figures()).toEqual({ slotsInUse: 0, maxConcurrent: 2, waiting: 0 })
  })

  it('a failed stop keeps the slot, in_use and the entry, is retried with back-off, and frees the slot once confirmed', async () => {
    const { launcher, usage, slots, logger } = setup({ maxConcurrent: 1, stopRetryDelayMs: { min: 5, max: 20 } })
    launcher.stopFails.set('a', 2)
    const handle = await slots.startProfile('a')
    await handle.release()
    // The first stop failed: the browser may still run, so nothing is released.
    expect(launcher.running.has('a')).toBe(true)
    expect(slots.figures()).toMatchObject({ slotsInUse: 1 })
    expect(slots.list()).toMatchObject([{ profileId: 'a', phase: 'stop_failed', stopAttempts: 1, lastStopError: expect.stringMatching(/stop failed/) }])
    expect(usage).toEqual([['a', true]])
    expect(logger.lines.some((line) => line.includes('gologin.profile.stop_failed'))).toBe(true)
    await vi.waitFor(() => expect(slots.figures()).toMatchObject(idle))
    expect(launcher.calls.filter((c) => c === 'stop a')).toHaveLength(3)
    expect(launcher.running.size).toBe(0)
    expect(usage).toEqual([
      ['a', true],
      ['a', false],
    ])
  })

  it('never runs more browsers than slots when stops fail: 3 failing stops and 2 slots', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 2, stopRetryDelayMs: { min: 60_000, max: 60_000 } })
    for (const id of ['a', 'b', 'c']) launcher.stopFails.set(id, Number.POSITIVE_INFINITY)
    await (await slots.startProfile('a')).release()
    await (await slots.startProfile('b')).release()
    // Both slots are held by unconfirmed stops: a third start waits instead of starting a third browser.
    const third = slots.startProfile('c')
    const fourth = slots.tryStartProfile('d')
    expect((await failure(fourth)).code).toBe('CONCURRENT_LIMIT')
    expect(slots.figures()).toEqual({ slotsInUse: 2, maxConcurrent: 2, waiting: 1 })
    expect(launcher.running).toEqual(new Set(['a', 'b']))
    expect(launcher.peak).toBe(2)
    // A profile whose stop is not confirmed is never started again.
    expect((await failure(slots.startProfile('a'))).code).toBe('PROFILE_STOP_PENDING')
    // The operator gives up on one: its slot goes to the waiting start.
    await slots.giveUp('a')
    const handle = await third
    expect(launcher.peak).toBe(3) // a's browser was never confirmed stopped: the panel says so, it does not hide it
    expect(slots.list().map((e) => [e.profileId, e.phase])).toEqual([
      ['b', 'stop_failed'],
      ['c', 'running'],
    ])
    launcher.stopFails.clear()
    await handle.release()
    await slots.giveUp('b')
    expect(slots.figures()).toMatchObject(idle)
  })

  it('gives up only on a profile whose stop failed', async () => {
    const { slots } = setup()
    const handle = await slots.startProfile('a')
    expect((await failure(slots.giveUp('a'))).code).toBe('CONFLICT')
    expect((await failure(slots.giveUp('nope'))).code).toBe('NOT_FOUND')
    await handle.release()
  })

  it('stopAll tries a failed stop again at once and waits for its confirmation', async () => {
    const { launcher, slots } = setup({ stopRetryDelayMs: { min: 60_000, max: 60_000 } })
    launcher.stopFails.set('a', 1)
    await (await slots.startProfile('a')).release()
    expect(slots.list()).toMatchObject([{ phase: 'stop_failed' }])
    await slots.stopAll()
    expect(launcher.calls.filter((c) => c === 'stop a')).toHaveLength(2)
    expect(slots.figures()).toMatchObject(idle)
  })

  it('keeps 15 concurrent starts to 10 running at once, and all complete', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 10 })
    const ids = Array.from({ length: 15 }, (_, i) => `p${i}`)
    const results = await Promise.all(ids.map((id) => slots.withProfile(id, async () => new Promise<string>((resolve) => setImmediate(() => resolve(id))))))
    expect(results).toEqual(ids)
    expect(launcher.peak).toBe(10)
    expect(launcher.running.size).toBe(0)
    expect(slots.figures()).toMatchObject(idle)
  })

  it('a new limit applies to acquisitions from then on', async () => {
    const { slots } = setup({ maxConcurrent: 1 })
    const a = await slots.startProfile('a')
    const b = slots.startProfile('b')
    expect(slots.figures().waiting).toBe(1)
    slots.setMaxConcurrent(2)
    const handleB = await b
    expect(slots.figures()).toEqual({ slotsInUse: 2, maxConcurrent: 2, waiting: 0 })
    slots.setMaxConcurrent(1)
    const c = slots.startProfile('c')
    await a.release()
    expect(slots.figures().waiting).toBe(1) // still one running (b) = the new limit
    await handleB.release()
    await (await c).release()
    expect(() => slots.setMaxConcurrent(0)).toThrow(ValidationException)
    expect(() => slots.setMaxConcurrent(51)).toThrow(/1 to 50/)
  })

  it('stopAll stops the running, cancels the waiting, tells holders through their signal; close refuses new starts', async () => {
    const { launcher, slots } = setup({ maxConcurrent: 2 })
    const handles: ProfileHandle[] = [await slots.startProfile('a'), await slots.startProfile('b')]
    const waiting = failure(slots.startProfile('c'))
    const figures: number[] = []
    slots.subscribe((f) => figures.push(f.slotsInUse))
    await slots.close()
    expect((await waiting).code).toBe('INTERRUPTED')
    expect(handles.every((h) => h.signal.aborted)).toBe(true)
    expect(launcher.running.size).toBe(0)
    expect(slots.figures()).toMatchObject(idle)
    expect(figures.at(-1)).toBe(0)
    expect((await failure(slots.startProfile('d'))).code).toBe('INTERRUPTED')
  })

  it('a failed in_use write fails the start before GoLogin is asked (unrecorded, another host could start it too), as a database failure that sends the session back to the queue', async () => {
    const launcher = new FakeLauncher()
    const slots = new ProfileSlots({ launcher, logger: captureLogger(), usage: { markInUse: async () => Promise.reject(new Error('db locked')) } })
    const error = await failure(slots.startProfile('a'))
    expect(error.message).toMatch(/Could not record that profile a is in use \(db locked\); it was not started/)
    expect(error.details).toEqual({ reason: DATABASE_WRITE_FAILED })
    expect(launcher.calls).toEqual([])
    expect(slots.figures().slotsInUse).toBe(0)
  })

  it('refuses an empty profile id', async () => {
    const { slots } = setup()
    expect((await failure(slots.startProfile(' '))).code).toBe('VALIDATION_ERROR')
  })
})
