/**
 * More fenced work on a shared database (issue 24): a host cut off from PostgreSQL while it stores the tokens X just
 * issued, while its refresh pass rotates tokens, and a host that quits while its code exchanges are slow. As in
 * fenced-work.test.ts, everything is counted from the outside — the sandbox X's approvals and token sets, and the
 * database over a connection of the test's own.
 */
import { describe, expect, it } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import { claimWorld, until } from './claims-world'
import { TERMINAL, approvals, assertNoTokenDropped, observer, proxy, seedDueTokens } from './fenced-world'

/** A cut-off host's statements fail in seconds (as a production host's do in 30 s), so its retries run during the cut. */
const QUICK_TIMEOUTS = { DATABASE_QUERY_TIMEOUT_SECONDS: '3' }

describe('fenced work on a shared database, continued', () => {
  it('a host cut off longer than its lease while it stores the tokens X issued keeps the account and stores them after the heal', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ leaseMs: 3_000, captureGraceMs: 60_000 })
    const db = observer(world)
    const link = await proxy(world)
    const cut = await world.host('cut', { prepare: true, slots: 2, databaseUrl: link.through(world.databaseUrl), env: QUICK_TIMEOUTS, core: { tokenStoreWindowMs: 90_000 } })
    const accounts = world.sandbox.accounts().slice(0, 2)
    // /users/me answers 503 twice: 3 s between X issuing the tokens and the host storing them.
    for (const account of accounts) world.sandbox.x.setAccount({ username: account.username, usersMeFaults: [503, 503] })
    const started = await cut.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('X issued both token sets', () => world.sandbox.issuedTokens().length === 2, 60_000)
    link.blackhole()
    const other = await world.host('other', { slots: 2 })

    await until('the leases ran out 5 s ago', async () => (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM authorization_sessions WHERE batch_id = $1 AND lease_until < clock_timestamp() - interval '5 seconds'`, [started.batchId],
    ))[0].n === 2, 60_000)
    // Nobody took an account whose tokens may be on their way into the database; nothing was revoked meanwhile.
    expect((await db.rows(started.batchId)).map((r) => [r.status, r.claimed_by, r.requeues])).toEqual([['in_progress', 'cut', 0], ['in_progress', 'cut', 0]])
    expect(world.sandbox.issuedTokens().filter((t) => t.revoked)).toEqual([])
    link.heal()

    await until('every session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(started.batchId)
    expect(rows.map((r) => [r.status, r.claimed_by, r.requeues])).toEqual([['completed', 'cut', 0], ['completed', 'cut', 0]])
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()], `approvals of @${account.username}`).toBe(1)
    expect(world.sandbox.issuedTokens()).toHaveLength(2)
    expect(await assertNoTokenDropped(world, other)).toEqual({ stored: 2, revoked: 0 })
  })

  it('with a short token store window the cut-off host revokes what it could not store; a host retries the account and stores one set', { timeout: 180_000 }, async () => {
    const world = await claimWorld({ leaseMs: 3_000, captureGraceMs: 5_000 })
    const db = observer(world)
    const link = await proxy(world)
    const cut = await world.host('cut', { prepare: true, slots: 1, databaseUrl: link.through(world.databaseUrl), env: QUICK_TIMEOUTS, core: { tokenStoreWindowMs: 2_000 } })
    const [account] = world.sandbox.accounts()
    world.sandbox.x.setAccount({ username: account.username, usersMeFaults: [503, 503] })
    const started = await cut.core.authorization.batches.start({ profileIds: [account.profileId], apiApp: 'SANDBOX1' })
    await until('X issued the token set', () => world.sandbox.issuedTokens().length === 1, 60_000)
    link.blackhole()
    const other = await world.host('other', { slots: 1 })

    await until('the cut-off host revoked the set it could not store', () => world.sandbox.issuedTokens()[0].revoked, 60_000)
    await until('its lease ran out', async () => (await db.rows(started.batchId))[0].lapsed || (await db.rows(started.batchId))[0].requeues > 0, 60_000)
    link.heal()

    await until('the session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const [row] = await db.rows(started.batchId)
    expect([row.status, row.requeues]).toEqual(['completed', 1])
    // The first set was revoked, so the account had to be approved again: two approvals, and only the second set lives.
    expect(approvals(world)[account.username.toLowerCase()]).toBe(2)
    const issued = world.sandbox.issuedTokens()
    expect(issued.map((t) => t.revoked)).toEqual([true, false])
    expect(await assertNoTokenDropped(world, other)).toEqual({ stored: 1, revoked: 1 })
    const stored = await other.core.db.dataSource.getRepository(AuthorizationSessionEntity).find({ where: { twitterUsername: account.username }, select: { id: true, sessionId: true, accessToken: true, status: true } })
    expect(stored.filter((r) => r.accessToken).map((r) => r.accessToken)).toEqual([issued[1].accessToken])
  })

  it('a refresh pass cut off from the database after X rotated some tokens stores or revokes every rotated set, and marks nothing expired that X accepts', { timeout: 240_000 }, async () => {
    const world = await claimWorld()
    const link = await proxy(world)
    // The hosts first (each runs a refresh pass as it starts), then the due tokens.
    const a = await world.host('a', { prepare: true, databaseUrl: link.through(world.databaseUrl), env: QUICK_TIMEOUTS })
    const b = await world.host('b')
    await seedDueTokens(world, b, 20)
    const seeded = world.sandbox.issuedTokens().length

    // A slow link first, so that the pass is still under way when the cut comes.
    link.delay(150)
    const passA = a.core.workers.refresher.refreshDue().catch((error: unknown) => error)
    await until('X rotated some of the tokens for host a', () => world.sandbox.issuedTokens().filter((t) => t.grant === 'refresh_token').length >= 3, 60_000)
    link.blackhole()
    const cutAt = Date.now()
    await until('the cut lasted 12 s', () => Date.now() - cutAt > 12_000, 20_000)
    link.delay(0)
    link.heal()
    const passB = await b.core.workers.refresher.refreshDue().catch((error: unknown) => error)
    await passA
    expect(passB).not.toBeInstanceOf(Error)

    const rotated = world.sandbox.issuedTokens().filter((t) => t.grant === 'refresh_token')
    expect(rotated.length).toBeGreaterThanOrEqual(3)
    expect(world.sandbox.issuedTokens().length - seeded).toBe(rotated.length)
    // Every set a refresh got from X is stored or revoked (the seeded sets were rotated away, which is not a loss).
    const repo = b.core.db.dataSource.getRepository(AuthorizationSessionEntity)
    const stored = new Set((await repo.find({ select: { id: true, sessionId: true, accessToken: true } })).map((r) => r.accessToken))
    expect(rotated.filter((t) => !t.revoked && !stored.has(t.accessToken)).map((t) => t.username), 'refreshed sets neither stored nor revoked').toEqual([])
    // Every account holds tokens X accepts, and none of them is marked expired.
    const rows = await repo.find({ where: { apiApp: 'SANDBOX1' } })
    const live = new Set(world.sandbox.issuedTokens().filter((t) => !t.revoked && !t.refreshUsed).map((t) => t.accessToken))
    expect(rows.filter((r) => r.tokenStatus === 'expired' && live.has(r.accessToken!)).map((r) => r.twitterUsername), 'marked expired while X accepts its tokens').toEqual([])
    expect(rows.filter((r) => r.tokenStatus !== 'valid').map((r) => [r.twitterUsername, r.tokenStatus])).toEqual([])
    expect(rows.filter((r) => !live.has(r.accessToken!)).map((r) => r.twitterUsername), 'rows whose stored tokens X no longer accepts').toEqual([])
  })

  it('a host that quits while its code exchanges are slow never lets another host approve the account again, and drops no token', { timeout: 240_000 }, async () => {
    const world = await claimWorld({ leaseMs: 5_000, captureGraceMs: 60_000, sandbox: { slowLink: { tokenMs: 6_000 } } })
    const db = observer(world)
    const quitting = await world.host('quitting', { prepare: true, slots: 2 })
    const accounts = world.sandbox.accounts().slice(0, 2)
    for (const account of accounts) world.sandbox.setBehaviour({ username: account.username }, 'slow_token')
    const started = await quitting.core.authorization.batches.start({ profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    await until('both codes are being exchanged', async () => (await db.rows(started.batchId)).filter((r) => r.step === 'exchanging').length === 2)
    const staying = await world.host('staying', { slots: 2 })

    await quitting.close()
    await until('X issued both token sets', () => world.sandbox.issuedTokens().length === 2, 60_000)
    await until('every token set is stored or revoked', async () => {
      const rows = await staying.core.db.dataSource.getRepository(AuthorizationSessionEntity).find({ select: { id: true, sessionId: true, accessToken: true } })
      const stored = new Set(rows.map((r) => r.accessToken))
      return world.sandbox.issuedTokens().every((t) => t.revoked || stored.has(t.accessToken))
    }, 120_000)
    await until('every session ended', async () => (await db.rows(started.batchId)).every((r) => TERMINAL.includes(r.status)), 120_000)
    const rows = await db.rows(started.batchId)
    expect(rows.map((r) => [r.status, r.requeues])).toEqual([['completed', 0], ['completed', 0]])
    for (const account of accounts) expect(approvals(world)[account.username.toLowerCase()], `approvals of @${account.username}`).toBe(1)
    expect(await assertNoTokenDropped(world, staying)).toEqual({ stored: 2, revoked: 0 })
  })
})
