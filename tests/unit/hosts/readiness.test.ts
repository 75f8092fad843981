import { describe, expect, it } from 'vitest'
import { DrainState } from '../../../src/main/services/hosts/drain-state'
import type { HostHealthState } from '../../../src/main/services/hosts/host-health'
import { Readiness } from '../../../src/main/services/hosts/readiness'

function readiness(ping: () => Promise<unknown>, health: HostHealthState = { ok: true }) {
  const drain = new DrainState()
  return { drain, probes: new Readiness({ ping, health: () => health, drain, mode: 'worker', pingTimeoutMs: 30 }) }
}

describe('host readiness', () => {
  it('is ready when the database answers, GoLogin is usable and the host is not draining', async () => {
    const { probes } = readiness(async () => [{ 1: 1 }])
    expect(await probes.readiness()).toMatchObject({ ready: true, checks: { database: { ok: true }, gologin: { ok: true }, drain: { ok: true } } })
    expect(probes.liveness()).toMatchObject({ status: 'alive', mode: 'worker' })
  })

  it('a database that does not answer: not ready within the ping bound, and one ping at a time while it hangs', async () => {
    let pings = 0
    const { probes } = readiness(() => {
      pings++
      return new Promise(() => undefined)
    })
    const began = performance.now()
    const [first, second] = await Promise.all([probes.readiness(), probes.readiness()])
    expect(performance.now() - began).toBeLessThan(1_000)
    expect(first).toMatchObject({ ready: false, checks: { database: { ok: false, detail: 'The database did not answer within 30 ms' } } })
    expect(second.ready).toBe(false)
    await probes.readiness()
    expect(pings).toBe(1)
  })

  it('a database that refuses: not ready, naming the error code only (a driver message may hold a host name)', async () => {
    const { probes } = readiness(() => Promise.reject(Object.assign(new Error('connect ECONNREFUSED db.internal:5432'), { code: 'ECONNREFUSED' })))
    const report = await probes.readiness()
    expect(report.checks.database).toEqual({ ok: false, detail: 'The database refused the check (ECONNREFUSED)' })
    expect(JSON.stringify(report)).not.toContain('db.internal')
  })

  it('GoLogin as the host last saw it, and the drain state, each with its reason', async () => {
    const { probes, drain } = readiness(async () => 1, { ok: false, reason: 'GoLogin refused the API token (429 stop): no GoLogin request is sent', since: '2026-12-07T18:00:00.000Z' })
    expect((await probes.readiness()).checks.gologin).toEqual({ ok: false, detail: 'GoLogin refused the API token (429 stop): no GoLogin request is sent (since 2026-12-07T18:00:00.000Z)' })
    drain.start()
    const report = await probes.readiness()
    expect(report.ready).toBe(false)
    expect(report.checks.drain.detail).toMatch(/^Draining since \d{4}-/)
  })
})
