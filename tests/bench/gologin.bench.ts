/**
 * GoLogin listing speed: 40,000 sandbox profiles (1,334 pages) through the real API client, with the
 * rate limiter set high enough not to throttle. `withBenchGoLoginClient` is reusable for the
 * DB-backed sync benchmark (`gologin.sync40k.*`): it hands a ready client over and cleans up after.
 */
import { LogSystem } from '../../src/main/logging/logger'
import { startGoLoginSandbox, type GoLoginSandbox } from '../../src/main/sandbox/gologin'
import { GoLoginApiClient } from '../../src/main/services/gologin/api-client'
import { MAX_REQUESTS_PER_WINDOW } from '../../src/main/services/gologin/rate-limiter'
import type { GoLoginProfilePage } from '../../src/main/services/gologin/types'
import type { Metrics } from './run-all'

export const BENCH_PROFILE_COUNT = 40_000

/** Runs `fn` with a sandbox of `profiles` profiles and a client allowed to go as fast as it can. */
export async function withBenchGoLoginClient<T>(
  profiles: number,
  fn: (client: GoLoginApiClient, sandbox: GoLoginSandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await startGoLoginSandbox({ profiles, rateLimit: { max: 1_000_000, windowMs: 60_000 } })
  try {
    const client = new GoLoginApiClient({
      apiUrl: sandbox.apiUrl,
      token: sandbox.token,
      requestsPerMinute: MAX_REQUESTS_PER_WINDOW,
      logger: new LogSystem({ dir: null, level: 'warn' }).logger('bench'),
    })
    return await fn(client, sandbox)
  } finally {
    await sandbox.close()
  }
}

export interface ListingResult {
  ms: number
  pages: number
  profiles: number
  rowsPerSecond: number
}

/** Lists every profile page by page, handing each page to `onPage` (a sync writes it there). */
export async function benchGoLoginListing(
  profiles = BENCH_PROFILE_COUNT,
  onPage: (page: GoLoginProfilePage) => Promise<void> | void = () => {},
): Promise<ListingResult> {
  return withBenchGoLoginClient(profiles, async (client) => {
    let pages = 0
    let rows = 0
    const started = performance.now()
    for await (const page of client.pages()) {
      pages++
      rows += page.profiles.length
      await onPage(page)
    }
    const ms = performance.now() - started
    if (rows !== profiles) throw new Error(`listed ${rows} profiles instead of ${profiles}`)
    return { ms, pages, profiles: rows, rowsPerSecond: (rows / ms) * 1000 }
  })
}

export async function run(): Promise<Metrics> {
  const result = await benchGoLoginListing()
  return {
    'gologin.list40k.ms': { value: result.ms, unit: 'ms' },
    'gologin.list40k.rows_per_s': { value: result.rowsPerSecond, unit: 'rows/s' },
  }
}
