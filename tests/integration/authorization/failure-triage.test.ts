/**
 * Failures are triaged (issue 21, row 2), on the whole panel and the sandbox: a retry by failure group, an account
 * set aside as "needs a manual fix" left out of retries until cleared, Open profile holding one of the slots until
 * Done (counted by the sandbox's GoLogin, not the panel), and the failure list as CSV with no secret in it.
 */
import { parse } from 'csv-parse/sync'
import { describe, expect, it, vi } from 'vitest'
import { FAILURE_CSV_COLUMNS } from '../../../src/shared/contract/triage'
import { panelWorld } from './panel-world'

describe('failure triage', () => {
  it('retries by group, leaves a marked account out until cleared, and exports the failures without secrets', { timeout: 180_000 }, async () => {
    const world = await panelWorld({ profiles: 3, behaviours: { user00000: 'logged_out', user00001: 'start_failure' } })
    const [loggedOut, proxy, healthy] = world.sandbox.accounts()
    const first = await world.call('batch:start', { profileIds: [loggedOut.profileId, proxy.profileId, healthy.profileId], apiApp: 'SANDBOX1' })
    expect(await world.untilDone(first.batchId)).toMatchObject({ succeeded: 1, failed: 2 })

    // The dialog's plan: both groups counted, only "retry may help" queued when asked for.
    const plan = await world.call('batch:retryPlan', { batchId: first.batchId, groups: ['retry'] })
    expect(plan.queued).toBe(1)
    expect(plan.triage).toEqual({
      retry: { accounts: 1, codes: [{ code: 'GOLOGIN_API_ERROR', accounts: 1 }], profileIds: [proxy.profileId] },
      person: { accounts: 1, codes: [{ code: 'X_LOGGED_OUT', accounts: 1 }], profileIds: [loggedOut.profileId] },
    })
    // A wrong payload is refused with what is wrong.
    const refused = await world.failure('batch:retryPlan', { batchId: first.batchId, groups: [] })
    expect(refused).toMatchObject({ errorCode: 'VALIDATION_ERROR' })
    expect(refused.error).toMatch(/choose at least one failure group/)
    expect((await world.failure('triage:mark', { profileIds: [] })).error).toMatch(/choose at least one account/)

    // Set aside: the grid shows it, and no retry picks it up, even with both groups ticked.
    expect(await world.call('triage:mark', { profileIds: [loggedOut.profileId, 'no-such-profile'] })).toEqual({ marked: 1, unknown: ['no-such-profile'] })
    const grid = (await world.call('profiles:list', {})).rows
    expect(grid.find((row) => row.id === loggedOut.profileId)).toMatchObject({ manualFixReason: 'X_LOGGED_OUT', manualFixSince: expect.any(String) })
    expect(grid.filter((row) => row.manualFixSince)).toHaveLength(1)
    const retry = await world.call('batch:retry', { batchId: first.batchId })
    expect(retry.queued).toBe(1)
    expect(retry.skipped).toContainEqual({ profileId: loggedOut.profileId, reason: expect.stringMatching(/^needs a manual fix/) })
    world.sandbox.setBehaviour({ username: proxy.username }, 'ok')
    expect(await world.untilDone(retry.batchId)).toMatchObject({ succeeded: 1, failed: 0 })
    expect((await world.sessionsOf(retry.batchId)).map((s) => s.profileId)).toEqual([proxy.profileId])

    // The failure list of the first batch: both failures, their groups, the mark; no token or secret anywhere.
    const exported = await world.call('triage:exportFailures', { batchId: first.batchId })
    if (exported.mode !== 'text') throw new Error(`expected the CSV as text in browser mode, got ${exported.mode}`)
    expect(exported).toMatchObject({ rows: 2, fileName: expect.stringMatching(/^failures-.*\.csv$/) })
    const records = parse(exported.csv, { bom: true, columns: true }) as Array<Record<string, string>>
    expect(Object.keys(records[0])).toEqual([...FAILURE_CSV_COLUMNS])
    const byUser = new Map(records.map((r) => [r.twitter_username, r]))
    expect(byUser.get(loggedOut.username)).toMatchObject({ status: 'failed', error_code: 'X_LOGGED_OUT', failure_group: 'Needs a person', needs_manual_fix: 'yes', api_app: 'SANDBOX1' })
    expect(byUser.get(proxy.username)).toMatchObject({ error_code: 'GOLOGIN_API_ERROR', failure_group: 'Retry may help', needs_manual_fix: '' })
    const secrets = [
      world.sandbox.env.SANDBOX1_CLIENT_SECRET,
      world.sandbox.gologin.token,
      ...world.sandbox.issuedTokens().flatMap((t) => [t.accessToken, t.refreshToken ?? '']),
    ].filter((value) => value.length >= 6)
    expect(secrets.length).toBeGreaterThan(2)
    for (const secret of secrets) expect(exported.csv.includes(secret)).toBe(false)

    // Cleared: the account is retried again (its "needs a person" group asked for once it is fixed).
    expect(await world.call('triage:clear', { profileIds: [loggedOut.profileId] })).toEqual({ cleared: 1 })
    const again = await world.call('batch:retryPlan', { batchId: first.batchId, groups: ['person'] })
    expect(again).toMatchObject({ queued: 1, triage: { person: { profileIds: [loggedOut.profileId] }, retry: { accounts: 0 } } })
    world.sandbox.setBehaviour({ username: loggedOut.username }, 'ok')
    const fixed = await world.call('batch:retry', { batchId: first.batchId, groups: ['person'] })
    expect(await world.untilDone(fixed.batchId)).toMatchObject({ succeeded: 1, failed: 0 })
    expect((await world.call('profiles:list', {})).rows.every((row) => row.manualFixSince === null)).toBe(true)
  })

  it('Open profile holds a slot until Done: a batch waits for it, and GoLogin never runs more than the limit', { timeout: 120_000 }, async () => {
    const world = await panelWorld({ profiles: 2, core: { hostSlots: 1 } })
    const [opened, other] = world.sandbox.accounts()
    const gologin = () => world.sandbox.gologin.stats().browsers

    expect(await world.call('triage:open', { profileId: opened.profileId })).toMatchObject({ profileId: opened.profileId })
    expect(gologin()).toMatchObject({ running: 1, starts: 1 })
    expect(await world.call('triage:opened')).toEqual([expect.objectContaining({ profileId: opened.profileId })])
    expect((await world.failure('triage:open', { profileId: opened.profileId })).errorCode).toBe('CONFLICT')

    // The one slot is taken: the batch's account waits and GoLogin starts nothing more.
    const batch = await world.call('batch:start', { profileIds: [other.profileId], apiApp: 'SANDBOX1' })
    await world.untilProgress(batch.batchId, (p) => p.running === 1 || p.queued === 1)
    expect(gologin()).toMatchObject({ running: 1, starts: 1 })

    expect(await world.call('triage:done', { profileId: opened.profileId })).toEqual({ profileId: opened.profileId, cleared: false })
    expect(await world.untilDone(batch.batchId)).toMatchObject({ succeeded: 1 })
    // GoLogin saw two starts and two stops, never two browsers at once; nothing is left running (the session ends when
    // its tokens are stored, its profile's stop just after: awaited, not read at once).
    await vi.waitFor(() => expect(gologin()).toMatchObject({ running: 0, starts: 2, stops: 2, peak: 1 }), { timeout: 30_000, interval: 50 })
    expect(await world.call('triage:opened')).toEqual([])
    expect((await world.failure('triage:done', { profileId: opened.profileId })).errorCode).toBe('NOT_FOUND')
  })

  it('refuses Open profile in cloud launch mode, saying where to open it instead', async () => {
    const world = await panelWorld({ profiles: 1, launcher: 'cloud' })
    const [account] = world.sandbox.accounts()
    const refused = await world.failure('triage:open', { profileId: account.profileId })
    expect(refused).toMatchObject({ errorCode: 'CONFLICT' })
    expect(refused.error).toMatch(/cloud browser.*GoLogin app/)
    expect(world.sandbox.gologin.stats().browsers.starts).toBe(0)
  })
})
