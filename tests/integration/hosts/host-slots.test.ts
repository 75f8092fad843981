/**
 * This host's slots (core option `hostSlots`, a worker's `--slots`; else `host.json` from Settings → Database and
 * hosts; else the shared `maxConcurrentProfiles` setting), and the claim lease (`claimLeaseMs` or CLAIM_LEASE_SECONDS).
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { tempDir } from '../../helpers/temp-dir'

const cores: Core[] = []
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close()
})

async function start(options: { hostSlots?: number; claimLeaseMs?: number; hostJson?: string; env?: Record<string, string> } = {}): Promise<Core> {
  const dataDir = tempDir('host-slots-')
  if (options.hostJson !== undefined) fs.writeFileSync(path.join(dataDir, 'host.json'), options.hostJson)
  const core = await createCore({
    dataDir,
    mode: 'browser',
    env: { DATABASE_URL: '', PROFILE_SYNC_INTERVAL: '0', ...options.env },
    sandbox: null,
    logLevel: 'error',
    hostSlots: options.hostSlots,
    claimLeaseMs: options.claimLeaseMs,
  })
  cores.push(core)
  return core
}

describe('this host’s slots', () => {
  // One core at a time: each has its own data key, and a process holds one open database's key.
  const slotsOf = async (options: Parameters<typeof start>[0]) => {
    const core = await start(options)
    const figures = { slots: core.gologin.slots.figures().maxConcurrent, shared: core.settings.get('maxConcurrentProfiles') }
    await core.close()
    return figures
  }

  it('follow the option, else host.json, else the shared setting', async () => {
    expect((await slotsOf({ hostSlots: 3, hostJson: '{"slots": 7}' })).slots).toBe(3)
    expect((await slotsOf({ hostJson: '{"slots": 7}' })).slots).toBe(7)
    const shared = await slotsOf({})
    expect(shared.slots).toBe(shared.shared)
    // A broken host.json leaves the shared setting in force (Settings → Database and hosts names the problem).
    const broken = await slotsOf({ hostJson: 'not json' })
    expect(broken.slots).toBe(broken.shared)
  })

  it('are not moved by the shared setting while the host has its own', async () => {
    const core = await start({ hostSlots: 2 })
    await core.settings.update({ maxConcurrentProfiles: 9 })
    expect(core.gologin.slots.figures().maxConcurrent).toBe(2)
  })

  it('refuse a bad slot count or lease with an error naming it', async () => {
    await expect(start({ hostSlots: 0 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('hostSlots') })
    await expect(start({ hostSlots: 2.5 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' })
    await expect(start({ claimLeaseMs: 10 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('claimLeaseMs') })
    await expect(start({ env: { CLAIM_LEASE_SECONDS: 'soon' } })).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('CLAIM_LEASE_SECONDS') })
  })
})
