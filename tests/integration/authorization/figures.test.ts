/**
 * Every figure the panel shows agrees with the database (issue 21): random sequences of batch actions (start,
 * complete, fail, pause, resume, cancel, retry failed, retry cancelled, restart) on the sandbox, and after each
 * step the status bar's figures (the pushed `monitor` snapshot) and every batch bar's figures (the pushed
 * `progress`, merged as the renderer merges it) are compared with counts read from the database: equal to a
 * count taken within the last 2 s. The seed of a failing sequence is printed; FIGURES_SEED=<n> replays it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchProgress } from '../../../src/shared/contract/batches'
import type { MonitorSnapshot } from '../../../src/shared/contract/monitor'
import { FAILED_STATUSES } from '../../../src/shared/contract/sessions'
import type { EventBatch, RequestChannel, RequestInput, RequestOutput } from '../../../src/shared/ipc-contract'
import { createCore, type Core } from '../../../src/main/core'
import { sqliteDateTime } from '../../../src/main/db'
import { startSandboxMode, type SandboxBehaviour, type SandboxMode } from '../../../src/main/sandbox'
import { seededRandom } from '../../../src/main/soak/faults'
import { tempDir } from '../../helpers/temp-dir'
import { databaseEnv, onPostgres } from '../../helpers/test-database'

/** Figures must equal a database count taken at most this long before. */
const WITHIN_MS = 2_000
const ACCOUNTS = 12
/** Failing accounts (each in its own way) and slow ones (so pause and cancel find accounts running and queued). */
const BEHAVIOURS: Record<string, SandboxBehaviour> = {
  user00001: 'logged_out',
  user00004: 'denies',
  user00007: 'suspended',
  user00002: 'slow',
  user00005: 'slow',
  user00009: 'slow',
}

interface DbCounts {
  at: number
  pending: number
  running: number
  failuresLastHour: number
  batches: Map<string, { sessions: number; open: number; completed: number; failed: number; cancelled: number }>
}

let sandbox: SandboxMode | null = null
let core: Core | null = null

afterEach(async () => {
  await core?.close()
  core = null
  await sandbox?.close()
  sandbox = null
})

describe('figures agree with the database', () => {
  it('through random sequences of batches: complete, fail, pause, resume, cancel, retry, restart', { timeout: 240_000 }, async () => {
    const seeds = process.env.FIGURES_SEED ? [Number(process.env.FIGURES_SEED)] : [Date.now() % 100_000, (Date.now() * 7) % 100_000]
    const dataDir = tempDir('panel-figures-')
    sandbox = await startSandboxMode({ dataDir, profiles: ACCOUNTS, behaviours: BEHAVIOURS, consentDelayMs: 50, slowConsentDelayMs: 1_500, sharedBrowser: true })
    const env = { ...(await databaseEnv(dataDir)), MAX_CONCURRENT_PROFILES: '3' }
    const profileIds = sandbox.accounts().map((account) => account.profileId)

    // What the renderer holds: the last monitor snapshot and every batch's merged progress (a reload starts over).
    let monitor: MonitorSnapshot | null = null
    const shown = new Map<string, BatchProgress>()
    /** Skipped accounts per batch, as its start answered (they have no session row). */
    const skipped = new Map<string, number>()
    const start = async () => {
      core = await createCore({ dataDir, mode: 'browser', env, sandbox: sandbox!, eventWindowMs: 10, logLevel: 'warn' })
      core.events.subscribe((batches: EventBatch[]) => {
        for (const batch of batches) {
          if (batch.channel === 'monitor') monitor = batch.items.at(-1) as MonitorSnapshot
          if (batch.channel === 'progress') for (const item of batch.items as BatchProgress[]) shown.set(item.id, { ...shown.get(item.id)!, ...item })
        }
      })
      // The page's first load after a (re)start.
      shown.clear()
      for (const progress of await call('batch:active')) shown.set(progress.id, progress)
      monitor = await call('monitor:get')
    }
    const call = async <C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>> => {
      const answer = await core!.router.dispatch(channel, input, { transport: 'test' })
      if (!answer.success) throw new Error(`${channel}: ${answer.errorCode} ${answer.error}`)
      return answer.data as RequestOutput<C>
    }

    const count = async (): Promise<DbCounts> => {
      const at = Date.now()
      const rows = (await core!.db.dataSource.query(
        'SELECT batch_id AS "batchId", status, COUNT(*) AS n FROM authorization_sessions GROUP BY batch_id, status',
      )) as Array<{ batchId: string; status: string; n: number | string }>
      const hourAgo = sqliteDateTime(new Date(at - 3_600_000))
      const [{ failures }] = (await core!.db.dataSource.query(
        onPostgres
          ? `SELECT COUNT(*) AS failures FROM authorization_sessions WHERE status IN ('failed', 'timeout') AND completed_at > $1`
          : `SELECT COUNT(*) AS failures FROM authorization_sessions WHERE status IN ('failed', 'timeout') AND completed_at > ?`,
        [hourAgo],
      )) as Array<{ failures: number | string }>
      const counts: DbCounts = { at, pending: 0, running: 0, failuresLastHour: Number(failures), batches: new Map() }
      for (const row of rows) {
        const n = Number(row.n)
        if (row.status === 'pending') counts.pending += n
        if (row.status === 'in_progress') counts.running += n
        const batch = counts.batches.get(row.batchId) ?? { sessions: 0, open: 0, completed: 0, failed: 0, cancelled: 0 }
        batch.sessions += n
        if (row.status === 'pending' || row.status === 'in_progress') batch.open += n
        else if (row.status === 'completed') batch.completed += n
        else if (row.status === 'cancelled') batch.cancelled += n
        else batch.failed += n
        counts.batches.set(row.batchId, batch)
      }
      return counts
    }

    /** How the shown figures differ from one database count (none: they agree). */
    const differences = (db: DbCounts): string[] => {
      const out: string[] = []
      if (!monitor) return ['no monitor figures shown']
      if (monitor.pendingSessions !== db.pending) out.push(`Queued ${monitor.pendingSessions}, pending sessions ${db.pending}`)
      if (monitor.runningSessions !== db.running) out.push(`running ${monitor.runningSessions}, in_progress sessions ${db.running}`)
      if (monitor.failuresLastHour !== db.failuresLastHour) out.push(`Failed/h ${monitor.failuresLastHour}, failures in the last hour ${db.failuresLastHour}`)
      for (const bar of shown.values()) {
        const row = db.batches.get(bar.id) ?? { sessions: 0, open: 0, completed: 0, failed: 0, cancelled: 0 }
        const skips = skipped.get(bar.id) ?? bar.skipped
        const expected = {
          total: row.sessions + skips,
          done: row.completed + row.failed + row.cancelled + skips,
          succeeded: row.completed,
          failed: row.failed,
          cancelled: row.cancelled,
          skipped: skips,
          queuedAndRunning: row.open,
        }
        const actual = { total: bar.total, done: bar.done, succeeded: bar.succeeded, failed: bar.failed, cancelled: bar.cancelled, skipped: bar.skipped, queuedAndRunning: bar.queued + bar.running }
        if (JSON.stringify(actual) !== JSON.stringify(expected)) out.push(`batch ${bar.id.slice(0, 8)} (${bar.state}) shows ${JSON.stringify(actual)}, the database ${JSON.stringify(expected)}`)
      }
      return out
    }

    /** Rules that hold at every moment, whatever the lag. */
    const invariants = (where: string) => {
      for (const bar of shown.values()) {
        expect(bar.done, `${where}: done never above total`).toBeLessThanOrEqual(bar.total)
        expect(bar.done, `${where}: done is the outcomes counted apart`).toBe(bar.succeeded + bar.failed + bar.cancelled + bar.skipped)
        if (bar.state !== 'running') expect(bar.etaMs, `${where}: no ETA while ${bar.state}`).toBeNull()
      }
    }

    let seed = 0
    let step = ''
    const agree = async () => {
      invariants(`seed ${seed}, ${step}`)
      const seen: DbCounts[] = []
      for (;;) {
        const db = await count()
        seen.push(db)
        const recent = seen.filter((counts) => counts.at >= Date.now() - WITHIN_MS)
        if (recent.some((counts) => differences(counts).length === 0)) return
        if (Date.now() - seen[0].at > WITHIN_MS) throw new Error(`seed ${seed}, ${step}: the figures disagree with the database: ${differences(db).join('; ')}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }

    const t0 = Date.now()
    await start()
    for (seed of seeds) {
      const random = seededRandom(seed)
      const pick = <T,>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)]
      for (let i = 0; i < 7; i++) {
        const live = [...shown.values()].filter((p) => p.state === 'running' || p.state === 'paused')
        const ended = [...shown.values()].filter((p) => p.state === 'finished' || p.state === 'cancelled')
        const actions = [
          'start',
          'start',
          ...(live.length ? ['pause', 'resume', 'cancel', 'wait'] : []),
          ...(ended.some((p) => p.failed > 0) ? ['retry failed'] : []),
          ...(ended.some((p) => p.cancelled > 0) ? ['retry cancelled'] : []),
          ...(i > 2 ? ['restart'] : []),
        ]
        const action = pick(actions)!
        step = `step ${i}: ${action}`
        if (action === 'start') {
          const chosen = profileIds.filter(() => random() < 0.5)
          const started = await call('batch:start', { profileIds: chosen.length ? chosen : profileIds.slice(0, 3), apiApp: 'SANDBOX1' })
          skipped.set(started.batchId, started.skipped.length)
        } else if (action === 'pause') {
          await call('batch:pause', { batchId: pick(live)!.id })
        } else if (action === 'resume') {
          await call('batch:resume', { batchId: pick(live)!.id })
        } else if (action === 'cancel') {
          await call('batch:cancel', { batchId: pick(live)!.id })
        } else if (action === 'wait') {
          // Until one more attempt of the batch ends (or it is paused with nothing running).
          const batch = pick(live)!
          const before = batch.done
          const deadline = Date.now() + 8_000
          while (Date.now() < deadline) {
            const now = shown.get(batch.id)!
            if (now.done > before || now.state !== 'running') break
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
        } else if (action === 'retry failed' || action === 'retry cancelled') {
          const kind = action === 'retry failed' ? 'failed' : 'cancelled'
          const from = pick(ended.filter((p) => p[kind] > 0))!
          const statuses = kind === 'failed' ? [...FAILED_STATUSES] : (['cancelled'] as const)
          // The dialog's plan offers exactly the batch's sessions of that kind (queued or skipped with a reason).
          const plan = await call('batch:retryPlan', { batchId: from.id, statuses: [...statuses] })
          expect(plan.queued + plan.skipped.length, `seed ${seed}, ${step}`).toBe(shown.get(from.id)![kind])
          const retry = await call('batch:retry', { batchId: from.id, statuses: [...statuses] }).catch((error: Error) => {
            // Every account of the plan may have been skipped (already retried, or in progress now).
            if (plan.queued === 0) return null
            throw error
          })
          if (retry) skipped.set(retry.batchId, retry.skipped.length)
        } else {
          await core!.close()
          core = null
          await start()
        }
        await agree()
        if (process.env.FIGURES_TRACE) console.log(`seed ${seed} ${step} ${Date.now() - t0} ms`)
      }
      // The operator cancels what is left: every batch ends, and the figures still agree.
      step = 'end of sequence'
      for (const bar of [...shown.values()]) if (bar.state === 'running' || bar.state === 'paused') await call('batch:cancel', { batchId: bar.id })
      // Running accounts stop cleanly first (PostgreSQL: a host's next look ends the batch).
      const ended = () => [...shown.values()].every((bar) => bar.state === 'finished' || bar.state === 'cancelled')
      const deadline = Date.now() + 30_000
      while (!ended() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
      expect([...shown.values()].map((bar) => bar.state).filter((state) => state !== 'finished' && state !== 'cancelled'), `seed ${seed}, ${step}`).toEqual([])
      await agree()
    }
  })
})
