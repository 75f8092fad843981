import { describe, expect, it } from 'vitest'
import { LogSystem } from '../../../src/main/logging/logger'
import { CachedDatabaseFigures, type DatabaseFigures } from '../../../src/main/services/metrics/database-figures'
import { PanelMetrics, type MetricSources } from '../../../src/main/services/metrics/panel-metrics'
import { parseScrape, valueOf } from '../../integration/metrics/scrape'

const FIGURES: DatabaseFigures = {
  sessions: [
    { status: 'completed', errorCode: null, count: 4 },
    { status: 'failed', errorCode: 'USER_DENIED', count: 2 },
    { status: 'failed', errorCode: 'SOMETHING_NEW', count: 1 },
    { status: 'pending', errorCode: null, count: 7 },
  ],
  tokens: [{ status: 'valid', count: 4 }],
  expiringWithin24h: 3,
}

function sources(overrides: Partial<MetricSources> = {}): MetricSources {
  return {
    databaseFigures: async () => ({ figures: FIGURES, fresh: true }),
    slots: () => ({ slotsInUse: 2, maxConcurrent: 5, waiting: 1, stopPending: 0 }),
    gologinTokenStopped: () => false,
    health: () => ({ ok: true }),
    draining: () => false,
    ...overrides,
  }
}

describe('panel metrics', () => {
  it('counts events at their log points, whatever the log level, with labels from fixed sets only', async () => {
    const logs = new LogSystem({ dir: null, level: 'error' })
    const metrics = new PanelMetrics({ logs, mode: 'worker', version: '1.2.3', processMetrics: false })
    metrics.observe(sources())
    const log = logs.logger('test')
    log.info('authorization.finished', { status: 'completed', totalMs: 12_000, stepsMs: { starting_profile: 2_000, consent: 5_000, made_up_step: 1 } })
    log.warn('authorization.finished', { status: 'failed', errorCode: 'not-a-code @alice', totalMs: 3_000, stepsMs: {} })
    log.debug('gologin.api.answered', { status: 200, kind: 'http' })
    log.debug('gologin.api.answered', { status: 429, kind: 'http' })
    log.debug('gologin.budget.waited', { ms: 250 })
    log.debug('x.call', { what: 'code exchange', status: 200 })
    log.debug('x.call', { what: 'users/me for @alice', status: 'error' })
    log.info('tokens.refreshed', { username: 'alice' })
    log.warn('tokens.refresh_rejected', { username: 'alice' })
    log.warn('batch.lease_renew_failed', { claims: 3 })
    log.debug('batch.claimed', { sessionId: 'abc' })

    const text = await metrics.scrape()
    const samples = parseScrape(text)
    expect(valueOf(samples, 'gologin_panel_attempts_total', { status: 'completed', error_code: 'none' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_attempts_total', { status: 'failed', error_code: 'OTHER' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_attempt_step_duration_seconds_sum', { step: 'consent' })).toBe(5)
    expect(samples.some((s) => s.labels.step === 'made_up_step')).toBe(false)
    expect(valueOf(samples, 'gologin_panel_gologin_requests_total', { status: '429' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_gologin_429_total')).toBe(1)
    expect(valueOf(samples, 'gologin_panel_gologin_budget_wait_seconds_sum')).toBe(0.25)
    expect(valueOf(samples, 'gologin_panel_x_calls_total', { endpoint: 'oauth2_token_exchange', status: '200' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_x_calls_total', { endpoint: 'other', status: 'error' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_token_refreshes_total', { outcome: 'refreshed' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_token_refreshes_total', { outcome: 'rejected' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_token_refreshes_total', { outcome: 'store_failed' })).toBe(0)
    expect(valueOf(samples, 'gologin_panel_lease_renewals_failed_total')).toBe(1)
    expect(valueOf(samples, 'gologin_panel_claims_total')).toBe(1)
    // From the database and memory at scrape time.
    expect(valueOf(samples, 'gologin_panel_sessions', { state: 'failed', error_code: 'OTHER' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_sessions', { state: 'cancelled', error_code: 'none' })).toBe(0)
    expect(valueOf(samples, 'gologin_panel_queue_depth')).toBe(7)
    expect(valueOf(samples, 'gologin_panel_tokens', { status: 'valid' })).toBe(4)
    expect(valueOf(samples, 'gologin_panel_tokens_expiring_24h')).toBe(3)
    expect(valueOf(samples, 'gologin_panel_slots_in_use')).toBe(2)
    expect(valueOf(samples, 'gologin_panel_info', { mode: 'worker', version: '1.2.3' })).toBe(1)
    expect(text).not.toContain('alice')
    expect(text).not.toContain('abc')
    metrics.close()
  })

  it('two cores in one process keep registries of their own, both with the process metrics', async () => {
    const a = new PanelMetrics({ logs: new LogSystem({ dir: null }), mode: 'browser', version: '1' })
    const bLogs = new LogSystem({ dir: null })
    const b = new PanelMetrics({ logs: bLogs, mode: 'worker', version: '1' })
    bLogs.logger('t').debug('batch.claimed', {})
    const [fromA, fromB] = [parseScrape(await a.scrape()), parseScrape(await b.scrape())]
    expect(valueOf(fromA, 'gologin_panel_claims_total')).toBe(0)
    expect(valueOf(fromB, 'gologin_panel_claims_total')).toBe(1)
    for (const samples of [fromA, fromB]) expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0)
    a.close()
    b.close()
  })

  it('database figures: one read per cache period, and the last figures (marked stale) when the database does not answer in time', async () => {
    let reads = 0
    let now = 0
    let hang = false
    const cached = new CachedDatabaseFigures({
      read: () => {
        reads++
        return hang ? new Promise<DatabaseFigures>(() => undefined) : Promise.resolve(FIGURES)
      },
      cacheMs: 1_000,
      timeoutMs: 20,
      now: () => now,
    })
    await Promise.all([cached.get(), cached.get()])
    await cached.get()
    expect(reads).toBe(1)
    now = 5_000
    hang = true
    expect(await cached.get()).toEqual({ figures: FIGURES, fresh: false })
    expect(await cached.get()).toEqual({ figures: FIGURES, fresh: false })
    // The hung read is still the one under way: no second query piles up behind it.
    expect(reads).toBe(2)
  })
})
