/**
 * Throughput of `GET /api/v1/profiles?page_size=100` over real HTTP, with 40,000 profiles in the real
 * `profiles` table (SQLite, or PostgreSQL: tests/bench/database.ts) (written by the data layer's `upsertProfiles`), API-key auth on and the
 * rate limit lifted: 10 requests in flight for 5 s, walking every page.
 */
import { upsertProfiles } from '../../src/main/db'
import type { RestApiBackend } from '../../src/main/host/rest-api/backend'
import { DbRestApiReads } from '../../src/main/host/rest-api/db-reads'
import { startRestApi } from '../../src/main/host/rest-api/server'
import { LogSystem } from '../../src/main/logging/logger'
import { ApiKeyService } from '../../src/main/services/api-keys/api-key-service'
import { onThisDatabase, withBenchDatabase } from './database'
import { benchmark, type Metrics } from './harness'

const PROFILES = 40_000
const PAGE_SIZE = 100
const IN_FLIGHT = 10
const DURATION_MS = 5_000

export function run(): Promise<Metrics> {
  return withBenchDatabase(async (db) => {
    const logs = new LogSystem({ dir: null, level: 'warn' })
    await upsertProfiles(
      db.dataSource,
      Array.from({ length: PROFILES }, (_, i) => ({
        profileId: `6650cc${i.toString(16).padStart(18, '0')}`,
        profileName: `Bench profile ${i}`,
        metadata: { folder: `folder-${i % 20}`, tags: ['bench'], notes: `@bench_${i}`, os: 'win' },
        mapping: { twitterUsername: `bench_${i}`, apiApp: i % 2 ? 'AIOTT1' : 'AIOTT2', source: 'pattern' as const },
      })),
      { syncedAt: new Date() },
    )
    const reads = new DbRestApiReads(db)
    const unused = async (): Promise<never> => {
      throw new Error('not used by this benchmark')
    }
    const backend: RestApiBackend = {
      listProfiles: (page, pageSize) => reads.listProfiles(page, pageSize),
      getProfile: (accountId) => reads.getProfile(accountId),
      getSession: (sessionId, opts) => reads.getSession(sessionId, opts),
      authorize: unused,
      syncProfiles: unused,
      health: async () => ({ profilesLimit: 10, activeProfiles: 0, pendingAuthorizations: 0 }),
    }
    const apiKeys = new ApiKeyService({ database: db, log: logs.logger('keys') })
    const { key } = await apiKeys.create('bench')
    const api = await startRestApi({ backend, apiKeys, log: logs.logger('rest'), port: 0, rateLimit: { max: 1_000_000_000, timeWindowMs: 60_000 } })
    try {
      const pages = Math.ceil(PROFILES / PAGE_SIZE)
      let nextPage = 0
      const fetchPage = async () => {
        const page = (nextPage++ % pages) + 1
        const response = await fetch(`${api.url}/api/v1/profiles?page=${page}&page_size=${PAGE_SIZE}`, { headers: { 'x-api-key': key } })
        const body = (await response.json()) as { data: unknown[]; total: number }
        if (response.status !== 200 || body.data.length !== PAGE_SIZE || body.total !== PROFILES) {
          throw new Error(`unexpected answer for page ${page}: ${response.status}`)
        }
      }
      for (let i = 0; i < 200; i++) await fetchPage() // warm-up: JIT, prepared statements, sockets

      const latencies: number[] = []
      const started = performance.now()
      const deadline = started + DURATION_MS
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (performance.now() < deadline) {
            const t0 = performance.now()
            await fetchPage()
            latencies.push(performance.now() - t0)
          }
        }),
      )
      const seconds = (performance.now() - started) / 1000
      latencies.sort((a, b) => a - b)
      const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]
      return onThisDatabase({
        'api.profiles.rps': { value: Math.round(latencies.length / seconds), unit: 'req/s' },
        'api.profiles.p50_ms': { value: percentile(0.5), unit: 'ms' },
        'api.profiles.p99_ms': { value: percentile(0.99), unit: 'ms' },
      })
    } finally {
      await api.close()
    }
  })
}

benchmark('rest-api', run)
