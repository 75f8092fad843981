/**
 * LeaseKeeper (issue 24, row 1): an attempt whose claim cannot be renewed is stopped before its lease can run out,
 * whatever the renewals do (fail, hang, answer late, answer "not held"). A fake claim store and a clock of the
 * test's own: every tick is driven by hand, nothing sleeps.
 */
import { describe, expect, it } from 'vitest'
import type { HeldClaim } from '../../../src/main/services/automation/claims'
import { LeaseKeeper, LeaseLostException } from '../../../src/main/services/automation/lease-keeper'
import { captureLogger } from '../gologin/capture-logger'

const LEASE = 10_000
/** The default margin: a quarter of the lease. */
const MARGIN = 2_500

interface Renewal {
  claims: HeldClaim[]
  sentAt: number
  answer(held: string[]): void
  fail(error: Error): void
}

/** A claim store whose renewals wait for the test to answer, fail or leave them hanging. */
function world(options: { onLost?: (sessionId: string) => void; ending?: Set<string> } = {}) {
  let now = 1_000_000
  const renewals: Renewal[] = []
  const store = {
    leaseMs: LEASE,
    renew(claims: readonly HeldClaim[]) {
      return new Promise<Set<string>>((resolve, reject) => {
        renewals.push({ claims: [...claims], sentAt: now, answer: (held) => resolve(new Set(held)), fail: reject })
      })
    },
  }
  const log = captureLogger()
  const keeper = new LeaseKeeper({ store, log, onLost: options.onLost, ending: options.ending, now: () => now })
  return {
    keeper,
    log,
    renewals,
    now: () => now,
    /** Moves the clock to `at` ms after the start and runs one tick, letting answered renewals settle. */
    async at(ms: number, start: number) {
      now = start + ms
      keeper.tick()
      await settle()
    },
  }
}

/** Lets promise callbacks already due run (answers of renewals). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

function claim(sessionId = 's1'): HeldClaim {
  return { sessionId, claim: 1 }
}

describe('LeaseKeeper', () => {
  it('renewals that keep failing stop the attempt with LeaseLostException at lease − margin, before the lease runs out', async () => {
    const w = world()
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    expect(w.keeper.deadline('s1')).toBe(start + LEASE - MARGIN)
    for (let ms = 1_000; ms < LEASE - MARGIN; ms += 1_000) {
      await w.at(ms, start)
      w.renewals.at(-1)?.fail(new Error('connection terminated'))
      await settle()
      expect(attempt.signal.aborted, `aborted ${ms} ms after the claim`).toBe(false)
    }
    await w.at(LEASE - MARGIN, start)
    expect(attempt.signal.aborted).toBe(true)
    expect(attempt.signal.reason).toBeInstanceOf(LeaseLostException)
    expect((attempt.signal.reason as LeaseLostException).code).toBe('INTERRUPTED')
    expect(w.now()).toBeLessThan(start + LEASE)
  })

  it('a renewal that hangs does not hold up the deadline check: the attempt stops on time, and no second renewal piles up', async () => {
    const w = world()
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    await w.at(1_000, start)
    expect(w.renewals).toHaveLength(1)
    // Never answered (a half-open connection): later ticks still check the deadline.
    for (let ms = 2_000; ms < LEASE - MARGIN; ms += 1_000) await w.at(ms, start)
    expect(attempt.signal.aborted).toBe(false)
    await w.at(LEASE - MARGIN + 10, start)
    expect(attempt.signal.reason).toBeInstanceOf(LeaseLostException)
    expect(w.renewals).toHaveLength(1)
  })

  it('an attempt whose end is being written (the write clears its lease): a renewal that no longer finds it is no lost claim, and nothing more is renewed', async () => {
    const ending = new Set<string>()
    const lost: string[] = []
    const w = world({ ending, onLost: (id) => lost.push(id) })
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    await w.at(1_000, start)
    expect(w.renewals).toHaveLength(1)
    // The store starts the end's write while that renewal is under way; the write commits first and clears the lease.
    ending.add('s1')
    w.renewals[0].answer([])
    await settle()
    expect(attempt.signal.aborted).toBe(false)
    expect(lost).toEqual([])
    expect(w.log.lines.filter((line) => line.includes('batch.lease_lost'))).toEqual([])
    // Its end may take longer than the lease: no renewal for it, no deadline.
    await w.at(LEASE * 2, start)
    expect(w.renewals).toHaveLength(1)
    expect(attempt.signal.aborted).toBe(false)
    w.keeper.untrack('s1')
    expect(ending.size).toBe(0)
  })

  it('a renewal answering that the claim is not held stops the attempt at once, long before its deadline', async () => {
    const w = world()
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    await w.at(500, start)
    w.renewals[0].answer([])
    await settle()
    expect(attempt.signal.reason).toBeInstanceOf(LeaseLostException)
    expect(w.keeper.deadline('s1')! - w.now()).toBeGreaterThan(6_000)
  })

  it('a successful renewal moves the deadline to its send time + lease − margin (not its answer time)', async () => {
    const w = world()
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    await w.at(5_000, start)
    const sent = w.renewals[0]
    expect(sent.claims).toEqual([claim()])
    // Answered slowly: the server set the lease some time after the send, never before it.
    await w.at(7_000, start)
    sent.answer(['s1'])
    await settle()
    expect(w.keeper.deadline('s1')).toBe(start + 5_000 + LEASE - MARGIN)
    // Past the first deadline the attempt goes on; later renewals fail, and it stops at the new one.
    for (let ms = 8_000; ms < 5_000 + LEASE - MARGIN; ms += 1_000) {
      await w.at(ms, start)
      w.renewals.at(-1)?.fail(new Error('timeout'))
      await settle()
    }
    expect(attempt.signal.aborted).toBe(false)
    await w.at(5_000 + LEASE - MARGIN, start)
    expect(attempt.signal.reason).toBeInstanceOf(LeaseLostException)
  })

  it('a renewal that succeeds only after the deadline does not revive the stopped attempt', async () => {
    const w = world()
    const start = w.now()
    const attempt = new AbortController()
    w.keeper.track(claim(), attempt, start)
    await w.at(1_000, start)
    await w.at(LEASE - MARGIN, start)
    expect(attempt.signal.aborted).toBe(true)
    w.renewals[0].answer(['s1'])
    await settle()
    await w.at(LEASE - MARGIN + 1_000, start)
    expect(attempt.signal.reason).toBeInstanceOf(LeaseLostException)
    // A stopped attempt's claim is no longer renewed: it is handed back or runs out.
    expect(w.renewals.slice(1).flatMap((r) => r.claims)).toEqual([])
  })

  it('onLost is told before the attempt is aborted, once', async () => {
    const seen: Array<{ sessionId: string; abortedYet: boolean }> = []
    const attempt = new AbortController()
    const w = world({ onLost: (sessionId) => seen.push({ sessionId, abortedYet: attempt.signal.aborted }) })
    const start = w.now()
    w.keeper.track(claim(), attempt, start)
    await w.at(1_000, start)
    await w.at(LEASE - MARGIN, start)
    // The hung renewal's late "not held" finds the attempt stopped already: nobody is told twice.
    w.renewals[0].answer([])
    await settle()
    expect(seen).toEqual([{ sessionId: 's1', abortedYet: false }])
    expect(attempt.signal.aborted).toBe(true)
  })

  it('each claim keeps its own deadline: one taken later outlives one whose renewals failed', async () => {
    const w = world()
    const start = w.now()
    const first = new AbortController()
    const second = new AbortController()
    w.keeper.track(claim('s1'), first, start)
    w.keeper.track(claim('s2'), second, start + 4_000)
    await w.at(LEASE - MARGIN, start)
    expect(first.signal.aborted).toBe(true)
    expect(second.signal.aborted).toBe(false)
    await w.at(4_000 + LEASE - MARGIN, start)
    expect(second.signal.reason).toBeInstanceOf(LeaseLostException)
  })
})
