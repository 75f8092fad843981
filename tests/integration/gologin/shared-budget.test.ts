/**
 * Four hosts on one PostgreSQL database and one GoLogin account (the sandbox, each host by its own entrance),
 * listing profiles and starting cloud browsers at once: the sandbox never counts more than the configured rate
 * in any sliding window; then it answers one host 429, and every host stops within one request.
 * Four cores in this process rather than four processes: each core has its own pool, budget, token stop and
 * settings, so they share only what separate machines would (the database, the data key, the sandbox), the
 * sandbox counts from the outside either way, and four Node processes with Chromium would not fit this suite's
 * time on a 2-core machine.
 */
import WebSocket from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { tempDir } from '../../helpers/temp-dir'
import { freshPostgresUrl } from '../../helpers/test-database'
import { startHost, until, type Host } from './hosts'

// 20 requests per 2 s stands for 20 per minute: the same sizing (allowances scale with the window), in seconds.
const RATE = { max: 20, windowMs: 2_000 }

let sandbox: GoLoginSandbox | null = null
afterEach(async () => {
  await sandbox?.close()
  sandbox = null
})

/**
 * Lists every profile page as a sync does. (A sync itself runs on one host at a time: the others are told another
 * host is syncing; the listing is what puts the load on GoLogin.)
 */
async function listProfiles(host: Host): Promise<void> {
  for await (const page of host.core.gologin.client.pages()) void page
}

/** Starts a profile's cloud browser through the host's slots (the connect is the GoLogin request), then stops it. */
async function startAndStop(host: Host, profileId: string): Promise<void> {
  const handle = await host.core.gologin.slots.startProfile(profileId)
  try {
    const url = 'browserWSEndpoint' in handle.endpoint ? handle.endpoint.browserWSEndpoint : ''
    await handle.guardConnect!(
      () =>
        new Promise<void>((resolve, reject) => {
          const socket = new WebSocket(url)
          socket.once('open', () => (socket.close(), resolve()))
          socket.once('error', reject)
        }),
    )
  } finally {
    await handle.release()
  }
}

describe('four hosts, one GoLogin budget', () => {
  it('never exceed the shared rate (counted by the sandbox), and a 429 to one host stops all four within one request each', { timeout: 120_000 }, async () => {
    const s = (sandbox = await startGoLoginSandbox({ profiles: 90, sharedBrowser: true, rateLimit: RATE }))
    const keyDir = tempDir('keys-')
    const databaseUrl = await freshPostgresUrl()
    const hosts: Host[] = []
    for (const id of ['host-1', 'host-2', 'host-3', 'host-4']) {
      hosts.push(await startHost({ id, sandbox: s, keyDir, databaseUrl, core: { gologinRateWindowMs: RATE.windowMs } }))
    }
    // The rate set in Settings on one host applies to the budget of all four.
    await hosts[0].core.settings.update({ gologinRequestsPerMinute: RATE.max })
    await until('every host uses the new rate', () => hosts.every((h) => h.core.gologin.client.status().rate.requestsPerWindow === RATE.max))

    // Each host lists the profiles twice (3 pages each) while starting and stopping three cloud browsers: 12 requests a host.
    const profiles = s.profiles().map((p) => p.id)
    await Promise.all(
      hosts.map((host, h) =>
        Promise.all([
          listProfiles(host).then(() => listProfiles(host)),
          ...[0, 1, 2].map((n) => startAndStop(host, profiles[h * 3 + n])),
        ]),
      ),
    )
    const cloud = s.stats().cloud
    expect(cloud.revoked).toBe(false)
    expect(cloud.total).toBe(48)
    expect(cloud.byEntrance).toEqual({ 'host-1': 12, 'host-2': 12, 'host-3': 12, 'host-4': 12 })
    expect(Object.keys(cloud.byStatus).sort()).toEqual(['101', '200', '204'])
    expect(cloud.maxInWindow).toBeLessThanOrEqual(RATE.max)
    // The budget was what held them back: the hosts asked for more than the rate allows.
    expect(hosts.reduce((sum, h) => sum + h.core.gologin.client.status().rate.granted, 0)).toBe(48)

    // Every host lists and starts in a loop, one GoLogin request at a time, until its client is stopped.
    const before = s.cloudRequests().length
    const loops = hosts.map(async (host, h) => {
      for (let round = 0; !host.core.gologin.client.tokenRevoked; round++) {
        await listProfiles(host).catch(() => undefined)
        if (host.core.gologin.client.tokenRevoked) break
        await startAndStop(host, profiles[40 + h * 10 + (round % 10)]).catch(() => undefined)
      }
    })
    await until('every host has sent requests again', () => hosts.every((h) => s.cloudRequests().slice(before).filter((r) => r.entrance === h.id).length >= 2))
    s.failNextRequests(1, 429, 'host-2')
    await Promise.all(loops)

    const requests = s.cloudRequests()
    const refused = requests.findIndex((r) => r.status === 429)
    expect(requests[refused].entrance).toBe('host-2')
    const after: Record<string, number> = { 'host-1': 0, 'host-2': 0, 'host-3': 0, 'host-4': 0 }
    for (const r of requests.slice(refused + 1)) after[r.entrance]++
    expect(after['host-2']).toBe(0)
    for (const id of ['host-1', 'host-3', 'host-4']) expect(after[id], `${id} after the 429`).toBeLessThanOrEqual(1)
    expect(s.stats().cloud.byStatus['429']).toBe(1)
    for (const host of hosts) {
      await until(`${host.id} shows the revoked token`, () => host.notices.some((n) => n.title === 'GoLogin token revoked'))
      expect(host.core.gologin.client.status().tokenRevoked).toBe(true)
    }
    expect(s.stats().cloud.maxInWindow).toBeLessThanOrEqual(RATE.max)
  })
})
