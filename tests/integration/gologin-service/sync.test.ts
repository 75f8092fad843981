import { describe, expect, it } from 'vitest'
import type { ProfileRow, SyncProgress } from '../../../src/shared/contract/profiles'
import { insertSession, startPanel, type Panel } from './harness'
import { storedBytes } from '../../helpers/test-database'

async function allRows(panel: Panel): Promise<ProfileRow[]> {
  const page = await panel.call('profiles:list', { cursor: 0, limit: 10_000 })
  return page.rows
}

const byName = (rows: ProfileRow[], name: string) => rows.find((row) => row.name === name)!

describe('GoLogin profile sync', () => {
  it('syncs 3 pages, then marks a profile removed from GoLogin inactive while keeping its sessions and mapping', async () => {
    const panel = await startPanel({ sandbox: { profiles: 90 } })
    const first = await panel.syncAndWait()
    expect(first).toMatchObject({ running: false, error: null, pagesDone: 3, pagesTotal: 3, fetched: 90, total: 90, added: 90, updated: 0, unchanged: 0, deactivated: 0 })
    expect(panel.sandbox.stats().cloud.byEndpoint).toEqual({ 'GET /browser/v2': 3 })

    const rows = await allRows(panel)
    expect(rows).toHaveLength(90)
    expect(rows.map((row) => row.id)).toEqual(panel.sandbox.profiles().map((p) => p.id))
    expect(byName(rows, 'Profile 00042')).toMatchObject({
      username: 'user00042',
      apiApp: 'AIOTT1',
      mappingSource: 'pattern',
      folder: 'Batch 1',
      tags: ['x', 'AIOTT1'],
      notes: '@user00042',
      os: 'win',
      proxyCountry: null,
      isActive: true,
      inUse: false,
      lastStatus: null,
    })
    expect(byName(rows, 'Profile 00043')).toMatchObject({ username: 'user00043', apiApp: 'AIOTT2', proxyCountry: 'de' })
    expect(byName(rows, 'Profile 00042').lastSynced).not.toBeNull()
    // The proxy passwords GoLogin sent never reach the database (SQLite: the file and its WAL).
    const file = await storedBytes(panel.core.db)
    for (const profile of panel.sandbox.profiles().filter((p) => p.proxy?.password)) expect(file.includes(profile.proxy!.password)).toBe(false)

    // The `sync` channel keeps the newest progress per push window: the last one pushed is the outcome.
    const sync = panel.pushed('sync') as SyncProgress[]
    expect(sync.at(-1)).toMatchObject({ running: false, pagesDone: 3, added: 90 })
    expect(panel.pushed('profiles:reload')).toEqual([expect.objectContaining({ reason: 'sync' })])

    const gone = byName(rows, 'Profile 00010')
    await panel.call('profiles:updateMapping', { profileId: gone.id, username: 'kept_mapping', apiApp: 'AIOTT2' })
    await insertSession(panel.core, { profileId: gone.id, status: 'completed', createdAt: '2025-01-01 10:00:00.000', completedAt: '2025-01-01 10:01:00.000', tokenStatus: 'valid' })
    panel.sandbox.removeProfiles([gone.id])

    const second = await panel.syncAndWait()
    expect(second).toMatchObject({ error: null, fetched: 89, added: 0, updated: 0, unchanged: 89, deactivated: 1 })
    const after = byName(await allRows(panel), 'Profile 00010')
    expect(after).toMatchObject({ isActive: false, username: 'kept_mapping', apiApp: 'AIOTT2', mappingSource: 'edit', lastStatus: 'completed' })
    const [{ n }] = await panel.core.db.dataSource.query('SELECT COUNT(*) AS n FROM authorization_sessions WHERE profile_id = ?', [gone.id])
    expect(n).toBe(1)
    await expect(panel.core.gologinService.getProfileForAccount('kept_mapping')).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' })

    // Listed again by GoLogin: active again, nothing lost.
    panel.sandbox.addProfiles([{ ...panel.sandbox.profiles()[0], id: gone.id, name: 'Profile 00010', notes: '@user00010' }])
    const third = await panel.syncAndWait()
    expect(third).toMatchObject({ fetched: 90, added: 0, updated: 1, deactivated: 0 })
    expect(byName(await allRows(panel), 'Profile 00010')).toMatchObject({ isActive: true, username: 'kept_mapping', mappingSource: 'edit' })
  })

  it('keeps an operator-edited mapping through a sync that would pattern-map it differently; pattern mappings follow GoLogin', async () => {
    const panel = await startPanel({ sandbox: { profiles: 30 } })
    await panel.syncAndWait()
    const [edited, followed, emptied, copycat] = panel.sandbox.profiles()
    const row = await panel.call('profiles:updateMapping', { profileId: edited.id, username: '@Operator_Pick', apiApp: 'aiott2' })
    expect(row).toMatchObject({ id: edited.id, username: 'Operator_Pick', apiApp: 'AIOTT2', mappingSource: 'edit' })
    expect(panel.pushed('profiles')).toContainEqual(expect.objectContaining({ id: edited.id, username: 'Operator_Pick', mappingSource: 'edit' }))

    edited.notes = '@someone_else'
    followed.notes = 'moved to @renamed_acct'
    emptied.notes = 'no account here'
    emptied.name = 'Spare profile'
    copycat.notes = 'same account as the first: @OPERATOR_PICK'
    const sync = await panel.syncAndWait()
    expect(sync).toMatchObject({ error: null, updated: 4, unchanged: 26 })

    const rows = await allRows(panel)
    expect(rows.find((r) => r.id === edited.id)).toMatchObject({ username: 'Operator_Pick', apiApp: 'AIOTT2', mappingSource: 'edit', notes: '@someone_else' })
    expect(rows.find((r) => r.id === followed.id)).toMatchObject({ username: 'renamed_acct', mappingSource: 'pattern' })
    expect(rows.find((r) => r.id === emptied.id)).toMatchObject({ username: null, apiApp: null, mappingSource: null, name: 'Spare profile' })
    // A pattern never gives a second profile the account the operator mapped.
    expect(rows.find((r) => r.id === copycat.id)).toMatchObject({ username: null, mappingSource: null })
    expect((await panel.core.gologinService.getProfileForAccount('OPERATOR_PICK')).id).toBe(edited.id)
  })

  it('uses the username pattern from the settings (notes first, then the name)', async () => {
    const panel = await startPanel({ sandbox: { profiles: 2 } })
    const [a, b] = panel.sandbox.profiles()
    a.notes = 'acct=first_acct;'
    b.notes = 'nothing'
    b.name = 'acct=from_name;'
    await panel.core.settings.update({ usernamePattern: 'acct=(\\w{1,15});' })
    await panel.syncAndWait()
    const rows = await allRows(panel)
    expect(rows.map((r) => r.username)).toEqual(['first_acct', 'from_name'])
  })

  it('answers VALIDATION_ERROR without a token, in the request and in the sync status', async () => {
    const panel = await startPanel({ withToken: false })
    const answer = await panel.envelope('profiles:sync', {})
    expect(answer).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR', error: 'Set the GoLogin API token in Settings first.' })
    expect(await panel.call('profiles:syncStatus', {})).toMatchObject({ running: false, errorCode: 'VALIDATION_ERROR', error: 'Set the GoLogin API token in Settings first.' })
    expect(panel.sandbox.stats().cloud.total).toBe(0)
    expect(await panel.envelope('gologin:testConnection', {})).toMatchObject({ success: false, errorCode: 'VALIDATION_ERROR' })
    expect(panel.core.logs.ring.recent().some((line) => line.event === 'gologin.sync.failed')).toBe(true)
  })

  it('joins a sync already running instead of starting a second one', async () => {
    const panel = await startPanel({ sandbox: { profiles: 90 } })
    const first = panel.core.gologinService.syncProfiles()
    const second = panel.core.gologinService.syncProfiles()
    const status = await panel.call('profiles:sync', {})
    expect(status.running).toBe(true)
    expect(second).toBe(first)
    await first
    expect(panel.sandbox.stats().cloud.total).toBe(3)
  })

  it('stops at a 429 with the token-revoked error, keeps the pages written, and deactivates nothing', async () => {
    const panel = await startPanel({ sandbox: { profiles: 300, rateLimit: { max: 1_000, windowMs: 60_000 } } })
    expect(await panel.syncAndWait()).toMatchObject({ error: null, added: 300 })
    const ids = panel.sandbox.profiles().map((p) => p.id)
    panel.sandbox.removeProfiles(ids.slice(-20))
    panel.sandbox.addProfiles(30)
    // 10 requests so far; the sandbox now answers the 16th with 429 (GoLogin revokes the token there).
    panel.sandbox.setRateLimit({ max: 15 })

    const failed = await panel.syncAndWait()
    expect(failed).toMatchObject({ running: false, errorCode: 'GOLOGIN_TOKEN_REVOKED', pagesDone: 5, fetched: 150 })
    expect(failed.error).toMatch(/revoked/i)
    expect(panel.sandbox.revoked).toBe(true)
    const [{ active, total }] = await panel.core.db.dataSource.query('SELECT COUNT(*) FILTER (WHERE is_active = TRUE) AS active, COUNT(*) AS total FROM profiles')
    expect({ active, total }).toEqual({ active: 300, total: 300 })
    expect(panel.core.logs.ring.recent().some((line) => line.event === 'gologin.sync.failed' && line.level === 'error')).toBe(true)

    // From now on no GoLogin call leaves the panel until a new token is set.
    const requests = panel.sandbox.stats().cloud.total
    expect(await panel.syncAndWait()).toMatchObject({ errorCode: 'GOLOGIN_TOKEN_REVOKED', pagesDone: 0 })
    expect(panel.sandbox.stats().cloud.total).toBe(requests)
  })

  it('keeps a 40,000-profile sync under the configured rate, as counted by the sandbox', async () => {
    // 250 requests per 1 s stands for 250 per minute: the same limiter, a window short enough for a test.
    const rate = { max: 250, windowMs: 1_000 }
    const panel = await startPanel({ sandbox: { profiles: 40_000, rateLimit: rate }, core: { gologinRateWindowMs: rate.windowMs } })
    await panel.core.settings.update({ gologinRequestsPerMinute: rate.max })
    const done = await panel.syncAndWait()
    expect(done).toMatchObject({ error: null, pagesDone: 1_334, fetched: 40_000, added: 40_000 })
    const cloud = panel.sandbox.stats().cloud
    expect(cloud.total).toBe(1_334)
    expect(cloud.maxInWindow).toBeLessThanOrEqual(rate.max)
    expect(cloud.revoked).toBe(false)
    const [{ n }] = await panel.core.db.dataSource.query('SELECT COUNT(*) AS n FROM profiles WHERE is_active = TRUE')
    expect(n).toBe(40_000)
  }, 120_000)

  it('checks a candidate token with one request under the shared rate limit, and reports a bad one', async () => {
    const panel = await startPanel({ sandbox: { profiles: 45 }, withToken: false })
    expect(await panel.call('gologin:testConnection', { token: panel.sandbox.token })).toEqual({ profileCount: 45 })
    expect(panel.sandbox.stats().cloud.total).toBe(1)
    expect(panel.core.gologin.client.limiter.figures().granted).toBe(1)
    const bad = await panel.envelope('gologin:testConnection', { token: 'not-the-right-token' })
    expect(bad).toMatchObject({ success: false, errorCode: 'GOLOGIN_API_ERROR' })
    expect(bad.error).toMatch(/401/)
    expect(JSON.stringify(panel.core.logs.ring.recent())).not.toContain('not-the-right-token')
  })
})
