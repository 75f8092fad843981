import { describe, expect, it } from 'vitest'
import { hostsOverview, logSummary, type HostRecord } from '../../../src/main/services/hosts/hosts-overview'

const NOW = Date.parse('2026-12-04T12:00:00.000Z')
const ago = (ms: number) => new Date(NOW - ms).toISOString()

function record(hostId: string, heartbeatAgoMs: number, summary: unknown = null): HostRecord {
  return { hostId, startedAt: ago(3_600_000), heartbeatAt: ago(heartbeatAgoMs), slots: 5, running: 2, summary }
}

describe('the Hosts page view', () => {
  it('shows this host first, then live hosts, a host silent for longer than the claim lease as offline, and none silent for a day', async () => {
    const overview = await hostsOverview({
      shared: true,
      hostId: 'panel',
      leaseMs: 30_000,
      now: () => NOW,
      list: async () => [record('worker-b', 500), record('worker-dead', 31_000), record('panel', 900), record('worker-c', 29_000), record('last-week', 7 * 86_400_000)],
    })
    expect(overview.hosts.map((h) => [h.hostId, h.thisHost, h.online])).toEqual([
      ['panel', true, true],
      ['worker-b', false, true],
      ['worker-c', false, true],
      ['worker-dead', false, false],
    ])
  })

  it('reads the heartbeat summary it knows and leaves the rest unknown, never failing on an odd one', async () => {
    const overview = await hostsOverview({
      shared: true,
      hostId: 'panel',
      leaseMs: 1_000,
      now: () => NOW,
      list: async () => [
        record('panel', 0, { slotsInUse: 3, waiting: 7, logs: { warnings: 2, errors: 1, lastError: 'Profile sync failed: GoLogin answered 503' } }),
        record('old-version', 0, 'not an object'),
      ],
    })
    expect(overview.hosts[0]).toMatchObject({ slotsInUse: 3, waiting: 7, warnings: 2, errors: 1, lastError: 'Profile sync failed: GoLogin answered 503', online: true })
    expect(overview.hosts[1]).toMatchObject({ slotsInUse: null, waiting: null, warnings: null, errors: null, lastError: null, online: true })
  })

  it('shows a host draining from its heartbeat, a drain asked of it that it has not taken yet, and what it is; an offline host neither', async () => {
    const draining = { draining: true, since: ago(60_000), exitWhenEmpty: true }
    const overview = await hostsOverview({
      shared: true,
      hostId: 'panel',
      leaseMs: 10_000,
      now: () => NOW,
      list: async () => [
        { ...record('rack-1', 500, { kind: 'worker', drain: draining }), drainRequest: null },
        { ...record('rack-2', 500, { kind: 'worker', drain: { draining: false, since: null, exitWhenEmpty: false } }), drainRequest: 'drain' },
        { ...record('gone', 60_000, { kind: 'worker', drain: draining }), drainRequest: 'resume' },
        { ...record('old-version', 500, { drain: 'yes' }), drainRequest: 'explode' },
      ],
    })
    const view = (id: string) => overview.hosts.find((h) => h.hostId === id)
    expect(view('rack-1')).toMatchObject({ kind: 'worker', draining: { since: ago(60_000), exitWhenEmpty: true }, drainRequest: null })
    expect(view('rack-2')).toMatchObject({ kind: 'worker', draining: null, drainRequest: 'drain' })
    expect(view('gone')).toMatchObject({ online: false, draining: null, drainRequest: null })
    expect(view('old-version')).toMatchObject({ kind: null, draining: null, drainRequest: null })
  })

  it('on SQLite says this machine runs alone, without reading anything', async () => {
    const overview = await hostsOverview({ shared: false, hostId: 'solo', leaseMs: 60_000, list: () => Promise.reject(new Error('no hosts table')) })
    expect(overview).toEqual({ shared: false, thisHost: 'solo', hosts: [] })
  })

  it('summarises the log of the last 15 minutes: warnings, errors and the newest error', () => {
    const entries = [
      { ts: ago(20 * 60_000), level: 'error', event: 'old.error', msg: 'too old to count' },
      { ts: ago(10 * 60_000), level: 'warn', event: 'w1' },
      { ts: ago(5 * 60_000), level: 'error', event: 'e1', msg: 'first error' },
      { ts: ago(60_000), level: 'info', event: 'i1' },
      { ts: ago(1_000), level: 'error', event: 'gologin.stop_failed' },
    ]
    expect(logSummary(entries, NOW)).toEqual({ warnings: 1, errors: 2, lastError: 'gologin.stop_failed' })
    expect(logSummary([], NOW)).toEqual({ warnings: 0, errors: 0, lastError: null })
  })
})
