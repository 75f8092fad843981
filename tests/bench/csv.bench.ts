import { randomBytes, randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import v8 from 'node:v8'
import { sealSecretValue, sqliteDateTime, type Database } from '../../src/main/db'
import { LogSystem } from '../../src/main/logging/logger'
import { TokenExportService } from '../../src/main/services/tokens'
import { insertRows, onThisDatabase, withBenchDatabase } from './database'
import { benchmark, median, type Metrics } from './harness'

const ACCOUNTS = 40_000
const REPEATS = 5

/**
 * `tokens:export` of 40,000 accounts (each with an older replaced token too, so the newest-per-account
 * rule has work to do): list, read, decrypt every token, stringify and write the file atomically.
 * Median of repeats on one database. Target: < 1 s.
 */
export function run(): Promise<Metrics> {
  return withBenchDatabase(async (db, dir) => {
    await seed(db)
    const target = path.join(dir, 'tokens.csv')
    const exporter = new TokenExportService({
      dataSource: db.dataSource,
      log: new LogSystem({ dir: null }).logger('bench'),
      dialogs: { chooseSavePath: async () => target, chooseOpenFile: async () => null },
    })
    const times: number[] = []
    const cpu: number[] = []
    let heapPeakMb = 0
    for (let i = 0; i < REPEATS; i++) {
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      // V8's own figure: process.memoryUsage() also reads the RSS from /proc, every 5 ms a cost the export's time carried.
      const watch = setInterval(() => (heapPeakMb = Math.max(heapPeakMb, v8.getHeapStatistics().used_heap_size / 1024 ** 2)), 5)
      const result = await exporter.export({ apiApp: null, onlyValid: true })
      clearInterval(watch)
      times.push(performance.now() - started)
      const used = process.cpuUsage(cpuBefore)
      cpu.push((used.user + used.system) / 1_000)
      if (result.mode !== 'saved' || result.rows !== ACCOUNTS) throw new Error(`expected ${ACCOUNTS} rows, got ${JSON.stringify(result)}`)
    }
    const bytes = fs.statSync(path.join(dir, 'tokens.csv')).size
    return onThisDatabase({
      'csv.export40k.ms': { value: Math.round(median(times)), unit: 'ms' },
      // CPU time of the export (this process, all threads): less sensitive than wall time to a busy machine.
      'csv.export40k.cpu_ms': { value: Math.round(median(cpu)), unit: 'ms' },
      'csv.export40k.file_mb': { value: Math.round((bytes / 1024 ** 2) * 10) / 10, unit: 'MB' },
      'csv.export40k.heap_peak_mb': { value: Math.round(heapPeakMb), unit: 'MB' },
    })
  })
}

/**
 * 40,000 accounts × (one replaced + one valid completed session), tokens sealed as the panel stores them;
 * written a thousand accounts at a time, so no seed data is left on the heap the export's peak is read from.
 */
async function seed(db: Database): Promise<void> {
  const seal = (value: string, column: string, sessionId: string) => sealSecretValue(value, 'authorization_sessions', column, sessionId)
  const scopes = JSON.stringify(['tweet.read', 'tweet.write', 'users.read', 'offline.access'])
  const now = Date.now()
  for (let from = 0; from < ACCOUNTS; from += 1_000) {
    const profiles: unknown[][] = []
    const sessions: unknown[][] = []
    for (let i = from; i < Math.min(from + 1_000, ACCOUNTS); i++) {
      const profileId = `6650${i.toString(16).padStart(20, '0')}`
      const username = `user${String(i).padStart(5, '0')}`
      const app = i % 2 ? 'AIOTT2' : 'AIOTT1'
      profiles.push([profileId, `Profile ${i}`, username, app])
      for (const [ageHours, status] of [[30, 'replaced'], [1, 'valid']] as const) {
        const completed = new Date(now - ageHours * 3_600_000)
        const sessionId = randomUUID()
        sessions.push([
          sessionId, profileId, username, app, 'completed',
          seal(randomBytes(64).toString('base64url'), 'access_token', sessionId), seal(randomBytes(64).toString('base64url'), 'refresh_token', sessionId),
          scopes, String(1_000_000_000 + i), sqliteDateTime(new Date(completed.getTime() + 2 * 3_600_000)), status,
          sqliteDateTime(completed), sqliteDateTime(completed), sqliteDateTime(completed),
        ])
      }
    }
    await insertRows(db, 'profiles', ['profile_id', 'profile_name', 'twitter_username', 'api_app'], profiles)
    await insertRows(
      db,
      'authorization_sessions',
      ['session_id', 'profile_id', 'twitter_username', 'api_app', 'status', 'access_token', 'refresh_token', 'scopes', 'x_user_id', 'expires_at', 'token_status', 'created_at', 'started_at', 'completed_at'],
      sessions,
    )
  }
}

benchmark('csv', run)
