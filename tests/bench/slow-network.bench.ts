/**
 * A 50-account batch on a slow, flaky X (issue 16), through the whole panel with 10 slots: healthy accounts
 * cycle through the sandbox's slow-link behaviours (10 s consent metadata, an approval answered 8 s later by
 * form or XHR, a token endpoint answering after 12 s, a 500 or a reset at the token endpoint, a 503 from
 * /users/me, pages in Spanish, Japanese and Arabic) and plain ones; two profiles have a dead proxy.
 * Profiles are contexts of one shared Chromium.
 *
 * - `slow_network.50x10.healthy`: accounts that can succeed;
 * - `slow_network.50x10.first_attempt_completed`: of those, completed on their first attempt (target: all);
 * - `slow_network.50x10.ms`: the batch's wall time;
 * - `slow_network.50x10.approval_requests` / `.approvals_refused`: what X received (one per healthy account, none refused).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BatchProgress } from '../../src/shared/contract/batches'
import type { EventBatch } from '../../src/shared/ipc-contract'
import { createCore, type Core } from '../../src/main/core'
import { HEALTHY_BEHAVIOURS, startSandboxMode, type SandboxBehaviour } from '../../src/main/sandbox'
import { benchmark, round, type Metrics } from './harness'

const ACCOUNTS = 50
const SLOTS = 10
const CYCLE = HEALTHY_BEHAVIOURS

function plan(): Record<string, SandboxBehaviour> {
  const behaviours: Record<string, SandboxBehaviour> = {}
  for (let i = 0; i < ACCOUNTS; i++) behaviours[`user${String(i).padStart(5, '0')}`] = i % 25 === 24 ? 'proxy_failure' : CYCLE[i % CYCLE.length]
  return behaviours
}

export async function run(): Promise<Metrics> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-slow-'))
  const behaviours = plan()
  const sandbox = await startSandboxMode({ dataDir, profiles: ACCOUNTS, behaviours, slowConsentDelayMs: 10_000, sharedBrowser: true })
  let core: Core | null = null
  try {
    core = await createCore({ dataDir, mode: 'browser', env: {}, sandbox, logLevel: 'info' })
    const finished = new Promise<BatchProgress>((resolve) => {
      core!.events.subscribe((batches: EventBatch[]) => {
        for (const batch of batches) {
          if (batch.channel !== 'progress') continue
          for (const item of batch.items as BatchProgress[]) if (item.state === 'finished' || item.state === 'cancelled') resolve(item)
        }
      })
    })
    await core.router.dispatch('settings:update', { maxConcurrentProfiles: SLOTS }, { transport: 'test' })
    const started = performance.now()
    const answer = await core.router.dispatch('batch:start', { profileIds: sandbox.accounts().map((a) => a.profileId), apiApp: 'SANDBOX1' }, { transport: 'test' })
    if (!answer.success) throw new Error(`batch:start: ${answer.errorCode} ${answer.error}`)
    const progress = await finished
    const ms = performance.now() - started

    const rows: Array<{ twitter_username: string; status: string; attempt: number; error_code: string | null }> = await core.db.dataSource.query(
      'SELECT twitter_username, status, attempt, error_code FROM authorization_sessions WHERE batch_id = ?',
      [progress.id],
    )
    const healthy = rows.filter((row) => behaviours[row.twitter_username] !== 'proxy_failure')
    const firstAttempt = healthy.filter((row) => row.status === 'completed' && row.attempt === 1)
    const missed = healthy.filter((row) => row.status !== 'completed').map((row) => `${row.twitter_username}(${behaviours[row.twitter_username]}): ${row.status} ${row.error_code}`)
    if (missed.length) console.log(`[bench] slow_network: not completed: ${missed.join('; ')}`)
    const x = sandbox.stats().x
    return {
      'slow_network.50x10.healthy': { value: healthy.length, unit: 'count' },
      'slow_network.50x10.first_attempt_completed': { value: firstAttempt.length, unit: 'count' },
      'slow_network.50x10.ms': { value: round(ms), unit: 'ms' },
      'slow_network.50x10.approval_requests': { value: x.approvalRequests, unit: 'count' },
      'slow_network.50x10.approvals_refused': { value: x.approvalsRefused, unit: 'count' },
    }
  } finally {
    await core?.close()
    await sandbox.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

benchmark('slow-network', run)
