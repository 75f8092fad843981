/**
 * Metrics, health and readiness of the panel's REST host (issue 22, rows 1, 2 and 5): a batch on the sandbox, then
 * `/metrics` scraped the way Prometheus does agrees with the database, carries every metric the Grafana dashboard
 * reads, and names no account, profile, session or secret; `/health` answers at once, `/ready` reports each check and
 * turns 503 while the host drains. (Both database projects.)
 */
import { describe, expect, it, vi } from 'vitest'
import { panelWorld } from '../authorization/panel-world'
import { dashboardMetricNames, medianAnswer, parseScrape, valueOf } from './scrape'

describe('metrics of the panel host', () => {
  it('after a sandbox batch, /metrics agrees with the database, has every metric the dashboard reads, names no account or secret; /health and /ready answer fast', { timeout: 180_000 }, async () => {
    const world = await panelWorld({ profiles: 5, env: { MAX_CONCURRENT_PROFILES: '3' } })
    const accounts = world.sandbox.accounts()
    world.sandbox.setBehaviour({ profileId: accounts[3].profileId }, 'denies')
    world.sandbox.setBehaviour({ profileId: accounts[4].profileId }, 'start_failure')
    const started = await world.call('batch:start', { profileIds: accounts.map((a) => a.profileId), apiApp: 'SANDBOX1' })
    expect(await world.untilDone(started.batchId, 150_000)).toMatchObject({ state: 'finished', succeeded: 3, failed: 2 })

    // The last profile stops just after the batch's final progress.
    await vi.waitFor(() => expect(world.core.gologin.slots.figures().slotsInUse).toBe(0), { timeout: 20_000 })
    const { url } = await world.core.restApi.apply({ enabled: true, host: '127.0.0.1', port: 0 })
    const scraped = await fetch(`${url}/metrics`)
    expect(scraped.status).toBe(200)
    expect(scraped.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await scraped.text()
    const samples = parseScrape(text)

    // Sessions by state and error code, tokens by status: as the database counts them.
    const bySession = (await world.core.db.dataSource.query('SELECT status, error_code, COUNT(*) AS n FROM authorization_sessions GROUP BY status, error_code')) as Array<{ status: string; error_code: string | null; n: number | string }>
    expect(bySession.length).toBeGreaterThan(1)
    for (const row of bySession) {
      expect(valueOf(samples, 'gologin_panel_sessions', { state: row.status, error_code: row.error_code ?? 'none' }), `${row.status}/${row.error_code}`).toBe(Number(row.n))
    }
    expect(valueOf(samples, 'gologin_panel_sessions')).toBe(5)
    const byToken = (await world.core.db.dataSource.query('SELECT token_status, COUNT(*) AS n FROM authorization_sessions WHERE token_status IS NOT NULL GROUP BY token_status')) as Array<{ token_status: string; n: number | string }>
    expect(byToken).toEqual([{ token_status: 'valid', n: expect.anything() }])
    for (const row of byToken) expect(valueOf(samples, 'gologin_panel_tokens', { status: row.token_status })).toBe(Number(row.n))
    expect(valueOf(samples, 'gologin_panel_tokens', { status: 'revoked' })).toBe(0)
    // The sandbox issues 2-hour tokens: all three expire within 24 hours.
    expect(valueOf(samples, 'gologin_panel_tokens_expiring_24h')).toBe(3)
    expect(valueOf(samples, 'gologin_panel_queue_depth')).toBe(0)
    expect(valueOf(samples, 'gologin_panel_database_figures_up')).toBe(1)

    // What this host did, counted where it happened.
    expect(valueOf(samples, 'gologin_panel_attempts_total', { status: 'completed', error_code: 'none' })).toBe(3)
    expect(valueOf(samples, 'gologin_panel_attempts_total', { status: 'failed' })).toBe(2)
    expect(valueOf(samples, 'gologin_panel_attempts_total', { error_code: 'USER_DENIED' })).toBe(1)
    for (const step of ['starting_profile', 'connecting', 'consent', 'exchanging', 'verifying']) {
      expect(valueOf(samples, 'gologin_panel_attempt_step_duration_seconds_count', { step }), step).toBeGreaterThanOrEqual(1)
    }
    expect(valueOf(samples, 'gologin_panel_attempt_duration_seconds_count')).toBe(5)
    expect(valueOf(samples, 'gologin_panel_x_calls_total', { endpoint: 'oauth2_token_exchange', status: '200' })).toBe(3)
    expect(valueOf(samples, 'gologin_panel_x_calls_total', { endpoint: 'users_me', status: '200' })).toBe(3)
    expect(valueOf(samples, 'gologin_panel_gologin_requests_total')).toBeGreaterThan(0)
    expect(valueOf(samples, 'gologin_panel_gologin_429_total')).toBe(0)
    expect(valueOf(samples, 'gologin_panel_gologin_budget_wait_seconds_count')).toBe(valueOf(samples, 'gologin_panel_gologin_requests_total'))
    expect(valueOf(samples, 'gologin_panel_slots_total')).toBe(3)
    expect(valueOf(samples, 'gologin_panel_slots_in_use')).toBe(0)
    expect(valueOf(samples, 'gologin_panel_host_draining')).toBe(0)
    expect(valueOf(samples, 'gologin_panel_info', { mode: 'browser' })).toBe(1)
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0)

    // Every metric the Grafana dashboard reads is in the scrape.
    const names = new Set(samples.map((s) => s.name))
    const used = dashboardMetricNames()
    expect(used.length).toBeGreaterThan(10)
    for (const name of used) expect(names.has(name) || names.has(`${name}_bucket`), `dashboard reads ${name}`).toBe(true)

    // No username, profile or session id, issued token or GoLogin token anywhere in it.
    const sessions = await world.sessionsOf(started.batchId)
    const issued = world.sandbox.issuedTokens()
    expect(issued).toHaveLength(3)
    const secretish = [
      ...accounts.flatMap((a) => [a.username, a.profileId, a.profileName]),
      ...sessions.map((s) => s.id),
      ...issued.flatMap((t) => [t.accessToken, t.refreshToken ?? '', t.userId]),
      world.sandbox.env.GOLOGIN_TOKEN,
      started.batchId,
    ].filter((value) => value.length >= 4)
    for (const value of secretish) expect(text.includes(value), `scrape holds ${value}`).toBe(false)
    expect(text.toLowerCase()).not.toContain(accounts[0].username.toLowerCase())

    // Liveness at once; readiness with each check within 100 ms by the host's own measure. Timed from outside, on a
    // machine shared by test workers and browsers, the bound is the fastest of five answers (a prober's retry).
    const health = await medianAnswer(`${url}/health`)
    expect(health.fastestMs).toBeLessThan(100)
    expect(health.status).toBe(200)
    expect(JSON.parse(health.body)).toMatchObject({ status: 'alive', mode: 'browser' })
    const ready = await medianAnswer(`${url}/ready`)
    expect(ready.fastestMs).toBeLessThan(100)
    expect(ready.status).toBe(200)
    const report = JSON.parse(ready.body) as { ms: number }
    expect(report).toMatchObject({ ready: true, checks: { database: { ok: true }, gologin: { ok: true }, drain: { ok: true } } })
    expect(report.ms).toBeLessThan(100)

    // Draining: not ready, saying why; the gauge follows.
    world.core.drain.start()
    const draining = await fetch(`${url}/ready`)
    expect(draining.status).toBe(503)
    expect(await draining.json()).toMatchObject({ ready: false, checks: { database: { ok: true }, drain: { ok: false, detail: expect.stringMatching(/^Draining since /) } } })
    expect(valueOf(parseScrape(await (await fetch(`${url}/metrics`)).text()), 'gologin_panel_host_draining')).toBe(1)
    world.core.drain.stop()
    expect((await fetch(`${url}/ready`)).status).toBe(200)
  })

  it('/metrics needs an API key when the REST API listens beyond loopback; /health and /ready never do', async () => {
    const world = await panelWorld({ profiles: 1 })
    // An IPv4-mapped loopback address: not a loopback name to the API (it takes it as exposed), yet nothing leaves the machine.
    const { url } = await world.core.restApi.apply({ enabled: true, host: '::ffff:127.0.0.1', port: 0 })
    expect((await fetch(`${url}/metrics`)).status).toBe(401)
    expect((await fetch(`${url}/health`)).status).toBe(200)
    // Never a key for /ready; whether it says ready (200) or not (503: its 60 ms database ping can run late on a loaded
    // machine) is the first test's business.
    const ready = await fetch(`${url}/ready`)
    expect(ready.status).not.toBe(401)
    expect(await ready.json()).toMatchObject({ checks: { database: expect.any(Object) } })
    const { key } = await world.call('apiKeys:create', { name: 'prometheus', scopes: [] })
    const withKey = await fetch(`${url}/metrics`, { headers: { 'x-api-key': key } })
    expect(withKey.status).toBe(200)
    expect(await withKey.text()).toContain('gologin_panel_sessions')
  })
})
