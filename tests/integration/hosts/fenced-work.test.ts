/**
 * Fenced work on a shared database (issue 24): hosts on one real PostgreSQL, one of them cut off from it by a fault
 * proxy that blackholes (connections hang, as in a partition), or its connections terminated. Everything is
 * counted from the outside — the sandbox's X (approvals per account, token sets issued, revoked) and GoLogin
 * (which host ran which profile), and the database read over a connection of the test's own — never from the
 * panel's counters: one approval per account, every token set X issued stored or revoked, nothing marked expired
 * while it works, no profile on two hosts, every session ending.
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import { claimWorld, until } from './claims-world'
import { TERMINAL, approvals, assertNoTokenDropped, observer, proxy, seedDueTokens } from './fenced-world'

describe('fenced work on a shared database', () => {
  it('a host cut off longer than its lease on the consent page stops before approving; after the heal each account is approved once', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 8_000, leaseMs: 3_000, captureGraceMs: 2_000 })
    const db = observer(world)
    const link = await proxy(world)
    // Not declared dead meanwhile (that path, which releases its profiles to others, has its own suite): this case is
    // about the host stopping itself.
    const alive = { HOST_DEAD_AFTER_SECONDS: '3600' }
    const cut = await world.host('cut', { prepare: true, slots: 2, databaseUrl: link.through(world.databaseUrl), env: alive })
    const accounts = world.sandbox.accounts().slice(0, 2)
    const started = await cut.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('both attempts are on the consent page', async () => (await db.rows(started.batchId)).filter((r) => r.step === 'consent').length === 2)

    link.blackhole()
    const cutAt = Date.now()
    // Another host is around to take the work over once the leases have run out.
    const other = await world.host('other', { slots: 2, env: alive })
    await until('the cut-off host’s sessions went back to the queue', async () => (await db.rows(started.batchId)).every((r) => r.requeues >= 1), 60_000)
    // It stopped its consent pages on its own, still cut off, and stays cut off past the time their buttons came
    // alive (8 s after the page loaded): X saw no approval from a host that could not keep its claims. (Its browsers'
    // stops wait for the shared GoLogin budget, which lives in the database: they keep their slots meanwhile.)
    await until('the consent buttons would be alive by now', () => Date.now() - cutAt > 10_000, 30_000)
    expect(approvals(world)).toEqual({})
    link.heal()

    await until('every session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(started.batchId)
    expect(rows.map((r) => [r.status, r.error_message, r.claimed_by])).toEqual([['completed', null, expect.any(String)], ['completed', null, expect.any(String)]])
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()], `approvals of @${account.username}`).toBe(1)
    expect(world.sandbox.issuedTokens()).toHaveLength(2)
    expect(await assertNoTokenDropped(world, other)).toEqual({ stored: 2, revoked: 0 })
    expect(world.sandbox.gologin.stats().cloud.hosting.maxEntrancesPerProfile).toBe(1)
  })

  it('a host cut off longer than its lease during the code exchange keeps the account (capture grace) and stores the tokens after the heal', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ leaseMs: 3_000, captureGraceMs: 60_000, sandbox: { slowLink: { tokenMs: 4_000 } } })
    const db = observer(world)
    const link = await proxy(world)
    const cut = await world.host('cut', {
      prepare: true,
      slots: 2,
      databaseUrl: link.through(world.databaseUrl),
      core: { tokenStoreWindowMs: 90_000 },
    })
    const accounts = world.sandbox.accounts().slice(0, 2)
    for (const account of accounts) world.sandbox.setBehaviour({ username: account.username }, 'slow_token')
    const started = await cut.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('both codes are being exchanged', async () => (await db.rows(started.batchId)).filter((r) => r.step === 'exchanging').length === 2)

    link.blackhole()
    const other = await world.host('other', { slots: 2 })
    // X issues the tokens meanwhile; the host cannot store them, and its leases run out well past the old store window.
    await until('X issued both token sets', () => world.sandbox.issuedTokens().length === 2, 60_000)
    await until('the leases ran out 10 s ago', async () => (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM authorization_sessions WHERE batch_id = $1 AND lease_until < clock_timestamp() - interval '10 seconds'`, [started.batchId],
    ))[0].n === 2, 60_000)
    // No other host took an account that may have been approved.
    expect((await db.rows(started.batchId)).every((r) => r.requeues === 0 && r.claimed_by === 'cut')).toBe(true)
    link.heal()

    await until('every session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(started.batchId)
    expect(rows.map((r) => [r.status, r.claimed_by, r.requeues])).toEqual([['completed', 'cut', 0], ['completed', 'cut', 0]])
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()], `approvals of @${account.username}`).toBe(1)
    expect(await assertNoTokenDropped(world, other)).toEqual({ stored: 2, revoked: 0 })
  })

  it('two launches of the same accounts at the same moment queue each account once, and X approves each once', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 5_000 })
    const db = observer(world)
    // Each panel reaches the database over a slow link, so the two launches overlap in the database (and no account
    // of the first is finished before the second is queued: its consent page takes 5 s).
    const links = [await proxy(world), await proxy(world)]
    const one = await world.host('one', { prepare: true, slots: 2, databaseUrl: links[0].through(world.databaseUrl) })
    const two = await world.host('two', { slots: 2, databaseUrl: links[1].through(world.databaseUrl) })
    for (const link of links) link.delay(150)
    const accounts = world.sandbox.accounts().slice(0, 6)
    const profileIds = accounts.map((a) => a.profileId)
    const [a, b] = await Promise.all([
      one.core.authorization.batches.start({ profileIds, apiApp: 'SANDBOX1' }),
      two.core.authorization.batches.start({ profileIds, apiApp: 'SANDBOX1' }),
    ])
    expect(a.queued + b.queued).toBe(6)
    expect(a.skipped.length + b.skipped.length).toBe(6)
    await until('every session ended', async () => [...(await db.rows(a.batchId)), ...(await db.rows(b.batchId))].every((r) => TERMINAL.includes(r.status)), 90_000)
    const perAccount = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM authorization_sessions GROUP BY lower(twitter_username::text)`)
    expect(perAccount.every((row) => row.n === 1)).toBe(true)
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()]).toBe(1)
    expect(await assertNoTokenDropped(world, one)).toEqual({ stored: 6, revoked: 0 })
  })

  it('a host whose slots are all held by profiles it could not stop claims nothing; the other host finishes the batch', { timeout: 120_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 300 })
    const db = observer(world)
    const stuck = await world.host('stuck', { prepare: true, slots: 1, core: { profileStops: { stopTimeoutMs: 2_000, stopRetryDelayMs: { min: 60_000, max: 60_000 } } } })
    const [unstoppable, ...rest] = world.sandbox.accounts().slice(0, 5)
    world.sandbox.setBehaviour({ username: unstoppable.username }, 'stop_failure')
    const first = await stuck.core.authorization.batches.start({ profileIds: [unstoppable.profileId], apiApp: 'SANDBOX1' })
    await until('its attempt ended', async () => (await db.rows(first.batchId)).every((r) => TERMINAL.includes(r.status)), 60_000)
    await until('its only slot is held by the profile GoLogin would not stop', () => stuck.core.gologin.slots.figures().slotsInUse === 1)

    const healthy = await world.host('healthy', { slots: 2 })
    const batch = await healthy.core.authorization.batches.start({ profileIds: rest.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('every session ended', async () => (await db.rows(batch.batchId)).every((r) => TERMINAL.includes(r.status)), 90_000)
    const rows = await db.rows(batch.batchId)
    expect(rows.map((r) => [r.status, r.claimed_by, r.claims])).toEqual(rest.map(() => ['completed', 'healthy', 1]))
    expect(world.sandbox.gologin.stats().cloud.hosting.startsByEntrance.stuck).toBe(1)
  })

  it('PostgreSQL connections terminated in the middle of a batch: every session ends, every token set X issued is stored or revoked', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ consentDelayMs: 1_000, leaseMs: 5_000, captureGraceMs: 10_000 })
    const db = observer(world)
    const one = await world.host('one', { prepare: true, slots: 2 })
    const two = await world.host('two', { slots: 2 })
    const accounts = world.sandbox.accounts().slice(0, 8)
    const started = await one.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    for (let round = 0; round < 3; round++) {
      await until(`attempts are under way (round ${round + 1})`, async () => (await db.rows(started.batchId)).some((r) => r.status === 'in_progress' && r.step !== 'starting_profile'), 60_000)
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'gologin-panel%' AND pid <> pg_backend_pid()`)
    }
    await until('every session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 150_000)
    const rows = await db.rows(started.batchId)
    expect(rows.filter((r) => r.status !== 'completed')).toEqual([])
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()], `approvals of @${account.username}`).toBeLessThanOrEqual(1)
    const { stored } = await assertNoTokenDropped(world, two)
    expect(stored).toBe(8)
    expect(world.sandbox.gologin.stats().cloud.hosting.maxEntrancesPerProfile).toBe(1)
  })

  it('two hosts’ refresh passes over the same 200 due tokens refresh each once and mark none expired', { timeout: 180_000 }, async () => {
    const world = await claimWorld()
    const one = await world.host('one', { prepare: true })
    const two = await world.host('two')
    await seedDueTokens(world, one, 200)
    const repo = one.core.db.dataSource.getRepository(AuthorizationSessionEntity)
    const [a, b] = await Promise.all([one.core.workers.refresher.refreshDue(), two.core.workers.refresher.refreshDue()])
    expect(a.invalidated + b.invalidated).toBe(0)
    expect(a.refreshed + b.refreshed).toBe(200)
    const refreshes = world.sandbox.issuedTokens().filter((t) => t.grant === 'refresh_token')
    expect(refreshes).toHaveLength(200)
    const rows = await repo.find({ where: { apiApp: 'SANDBOX1' } })
    expect(rows.filter((r) => r.tokenStatus !== 'valid')).toEqual([])
    // Every stored token is the live one X issued last for its account.
    const live = new Set(refreshes.filter((t) => !t.refreshUsed && !t.revoked).map((t) => t.accessToken))
    expect(rows.filter((r) => !live.has(r.accessToken!)).map((r) => r.twitterUsername)).toEqual([])
  })
})
