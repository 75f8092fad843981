/**
 * Profile sync with several hosts on one PostgreSQL database: one host syncs at a time. A second host asked to
 * sync meanwhile says another host is syncing (its automatic sync takes that sync for its own) instead of
 * listing GoLogin again and taking the first host's fresh rows for profiles gone from GoLogin.
 * (PostgreSQL project only: the two hosts share a server.)
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { withHostLock } from '../../../src/main/db/host-lock'
import { startGoLoginSandbox } from '../../../src/main/sandbox/gologin'
import { freshPostgresUrl } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'
import { API_APP_ENV } from './harness'

const closers: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

async function host(dataDir: string, env: Record<string, string>): Promise<Core> {
  const core = await createCore({ dataDir, mode: 'browser', env, eventWindowMs: 5, logLevel: 'warn' })
  closers.push(() => core.close())
  return core
}

describe('profile sync on a shared database', () => {
  it('runs on one host at a time: another host is told so, lists nothing, and marks nothing gone', async () => {
    const sandbox = await startGoLoginSandbox({ profiles: 60 })
    closers.push(() => sandbox.close())
    const env = { GOLOGIN_API_URL: sandbox.apiUrl, GOLOGIN_TOKEN: sandbox.token, PROFILE_SYNC_INTERVAL: '0', DATABASE_URL: await freshPostgresUrl(), ...API_APP_ENV }
    const dirA = tempDir('host-a-')
    const a = await host(dirA, env)
    // Host B holds the same data key (as an imported key file would give it).
    const dirB = tempDir('host-b-')
    fs.copyFileSync(path.join(dirA, 'data.key'), path.join(dirB, 'data.key'))
    const b = await host(dirB, env)

    expect(await a.gologinService.lastSyncedAt()).toBeNull()
    await a.gologinService.syncProfiles()
    const firstSync = await b.gologinService.lastSyncedAt()
    expect(firstSync).not.toBeNull()
    const listed = sandbox.stats().cloud.byEndpoint['GET /browser/v2']

    // While host A syncs (holds the sync), host B's sync is refused with the reason and sends nothing to GoLogin.
    let release!: () => void
    let holding!: () => void
    const held = new Promise<void>((resolve) => (holding = resolve))
    const lock = withHostLock(a.db.dataSource, 'profileSync', () => {
      holding()
      return new Promise<void>((resolve) => (release = resolve))
    })
    await held
    // The Sync button starts a sync, which ends at once saying why (the grid shows the sync status).
    const started = await b.router.dispatch('profiles:sync', {}, { transport: 'test' })
    expect(started.success).toBe(true)
    await expect(b.gologinService.syncProfiles()).rejects.toMatchObject({ code: 'CONFLICT' })
    expect(b.gologinService.syncStatus()).toMatchObject({ running: false, errorCode: 'CONFLICT', error: expect.stringMatching(/Another host of this database is syncing the profiles right now/) })
    expect(sandbox.stats().cloud.byEndpoint['GET /browser/v2']).toBe(listed)
    release()
    expect(await lock).toEqual({ ran: true, value: undefined })

    // Once it is free, host B syncs; every profile stays active.
    const outcome = await b.gologinService.syncProfiles()
    expect(outcome).toMatchObject({ fetched: 60, deactivated: 0 })
    const [{ n }] = (await b.db.dataSource.query('SELECT COUNT(*)::int AS n FROM profiles WHERE is_active')) as Array<{ n: number }>
    expect(n).toBe(60)
    expect((await a.gologinService.lastSyncedAt())!.getTime()).toBeGreaterThan(firstSync!.getTime())
  })
})
