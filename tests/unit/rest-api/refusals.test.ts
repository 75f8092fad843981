import { describe, expect, it } from 'vitest'
import { AuthFailureLimiter, RefusalLog } from '../../../src/main/host/rest-api/refusals'
import { LogSystem } from '../../../src/main/logging/logger'

function sampled(now: () => number) {
  const logs = new LogSystem({ dir: null, level: 'debug' })
  const refusals = new RefusalLog({ log: logs.logger('rest'), now })
  const lines = () => logs.ring.recent().filter((e) => e.event === 'rest.rejected').map((e) => ({ client: e.fields?.client, count: e.fields?.count, msg: e.msg }))
  return { refusals, lines }
}

describe('refused requests', () => {
  it('logs one line per client per minute, the next one carrying the count of refusals since', () => {
    let now = 0
    const { refusals, lines } = sampled(() => now)
    for (let i = 0; i < 50; i++) refusals.refused('ip:10.0.0.1', { status: 401 })
    refusals.refused('ip:10.0.0.2', { status: 401 })
    expect(lines()).toEqual([
      { client: 'ip:10.0.0.1', count: 1, msg: expect.any(String) },
      { client: 'ip:10.0.0.2', count: 1, msg: expect.any(String) },
    ])
    now = 60_000
    refusals.refused('ip:10.0.0.1', { status: 429 })
    expect(lines()[2]).toEqual({ client: 'ip:10.0.0.1', count: 50, msg: '50 requests from ip:10.0.0.1 refused in the last minute' })
    refusals.refused('ip:10.0.0.1', { status: 429 })
    refusals.refused('ip:10.0.0.1', { status: 429 })
    // Closing reports what is still counted; a client with nothing new writes nothing.
    refusals.close()
    expect(lines().slice(3)).toEqual([{ client: 'ip:10.0.0.1', count: 2, msg: '2 requests from ip:10.0.0.1 refused in the last minute' }])
  })

  it('counts failures per address, in memory, and says how long a blocked one waits', async () => {
    const limiter = new AuthFailureLimiter({ max: 3, windowMs: 60_000 })
    for (let i = 0; i < 3; i++) {
      expect(await limiter.blockedFor('10.0.0.1')).toBeNull()
      await limiter.failed('10.0.0.1')
    }
    const wait = await limiter.blockedFor('10.0.0.1')
    expect(wait).toBeGreaterThan(55_000)
    expect(wait).toBeLessThanOrEqual(60_000)
    expect(await limiter.blockedFor('10.0.0.2')).toBeNull()
  })
})
