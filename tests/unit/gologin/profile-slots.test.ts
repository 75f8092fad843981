import { describe, expect, it } from 'vitest'
import { AppException, GoLoginAPIException, ValidationException } from '../../../src/shared/errors'
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
  stopFails = new Set<string>()
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
    if (this.stopFails.has(profileId)) throw new GoLoginAPIException(500, 'stop failed')
    this.running.delete(profileId)
  }

  /** Resolves at the next start call. */
  nextStart(): Promise<void> {
    return new Promise((resolve) => this.startWaiters.push(resolve))
  }
}

function setup(options: { maxConcurrent?: number; startTimeoutMs?: number; stopTimeoutMs?: number } = {}) {
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

  it('aborts a start slower than the timeout, and stops the profile only after the late start settled', async () => {
    const { launcher, slots } = setup({ startTimeoutMs: 30 })
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
    expect(slots.figures()).toMatchObject(idle)
  })

  it('a caller abort during the start cancels it and still stops the profile', async () => {
    const { launcher, slots } = setup()
    launcher.scripts.set('p1', (_id, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))))
    const controller = new AbortController()
    const started = launcher.nextStart()
    const pending = failure(slots.startProfile('p1', { signal: controller.signal }))
    await started
    controller.abort()
    expect((await pending).code).toBe('CANCELLED')
    expect(launcher.calls).toEqual(['start p1', 'stop p1'])
    expect(slots.figures()).toMatchObject(idle)
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

  it('frees the slot even when the stop fails, and logs it', async () => {
    const { launcher, slots, logger } = setup()
    launcher.stopFails.add('a')
    const handle = await slots.startProfile('a')
    await handle.release()
    expect(slots.figures()).toMatchObject(idle)
    expect(logger.lines.some((line) => line.includes('gologin.profile.stop_failed'))).toBe(true)
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

  it('a failing in_use store does not block the profile', async () => {
    const launcher = new FakeLauncher()
    const slots = new ProfileSlots({ launcher, logger: captureLogger(), usage: { markInUse: async () => Promise.reject(new Error('db locked')) } })
    await slots.withProfile('a', async () => undefined)
    expect(launcher.calls).toEqual(['start a', 'started a', 'stop a'])
  })

  it('refuses an empty profile id', async () => {
    const { slots } = setup()
    expect((await failure(slots.startProfile(' '))).code).toBe('VALIDATION_ERROR')
  })
})
