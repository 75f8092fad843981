/**
 * Batch overhead on the sandbox: "Authorize selected" for 200 accounts with 10 slots, through the
 * whole panel (createCore + router), the X sandbox's consent page answering its metadata call after a
 * fixed 300 ms, and every profile a browser context of one shared Chromium (no launch per account).
 *
 * - `batch.per_account_ms`: wall time per account of a warm batch run one at a time (1 slot): the ideal's unit;
 * - `batch.200x10.ms` / `.ideal_ms` / `.ratio`: the 200-account batch against ceil(200/10) × per-account time;
 * - `batch.per_account_overhead_ms`: per-account time beyond the sandbox's 300 ms consent page delay;
 * - `batch.200x10.slot_occupancy`: share of the slots' time spent inside an account (1 = no gap between accounts);
 * - `batch.200x10.ratio_in_batch`: the ratio with the per-account time measured inside the batch itself;
 * - `batch.200x10.cpu_ms_per_account`: CPU (panel + sandbox + Chromium, reaped renderers included) per account;
 * - `batch.200x10.ratio_to_bound` (issue 15; target ≤ 1.10): the wall time against the least the machine allows,
 *   `bound_ms` = max(ceil(N/slots) × per-account time alone, total CPU ÷ cores): the batch overhead figure that
 *   holds on any number of cores (on 2 cores the CPU term binds; `cpu_bound_ms` is that term);
 * - `batch.200x10.others_cpu_share`: the share of the machine's cores that other processes (other work on a shared
 *   machine) used during the batch: the bound assumes the cores are the batch's alone, so read the ratio with it;
 *   `.ratio_to_free_bound` is the same ratio with the CPU term over the cores those processes left free;
 * - `batch.200x10.cores_for_target`: cores this much CPU needs to fit in 1.15 × the ideal (the ratio target).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BatchProgress } from '../../src/shared/contract/batches'
import type { EventBatch, RequestChannel, RequestInput, RequestOutput } from '../../src/shared/ipc-contract'
import { createCore, type Core } from '../../src/main/core'
import { startSandboxMode } from '../../src/main/sandbox'
import { benchmark, round, type Metrics } from './harness'

const ACCOUNTS = 200
const SLOTS = 10
const SEQUENTIAL = 10
const WARM_UP = 5
const CONSENT_DELAY_MS = 300
const RATIO_TARGET = 1.15

export async function run(): Promise<Metrics> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-batch-'))
  const sandbox = await startSandboxMode({ dataDir, profiles: WARM_UP + SEQUENTIAL + ACCOUNTS, behaviours: 'none', consentDelayMs: CONSENT_DELAY_MS, sharedBrowser: true })
  let core: Core | null = null
  try {
    core = await createCore({ dataDir, mode: 'browser', env: {}, sandbox, logLevel: 'info' })
    const panel = driver(core)
    const ids = sandbox.accounts().map((a) => a.profileId)

    await panel.call('settings:update', { maxConcurrentProfiles: SLOTS })
    await panel.runBatch(ids.slice(0, WARM_UP)) // launches the shared Chromium, warms every code path

    await panel.call('settings:update', { maxConcurrentProfiles: 1 })
    const alone = await panel.runBatch(ids.slice(WARM_UP, WARM_UP + SEQUENTIAL))
    const perAccountMs = alone.ms / SEQUENTIAL

    await panel.call('settings:update', { maxConcurrentProfiles: SLOTS })
    const cpuBefore = cpuMs(dataDir)
    const machineBefore = machineBusyMs()
    const big = await panel.runBatch(ids.slice(WARM_UP + SEQUENTIAL))
    const machineAfter = machineBusyMs()
    const cpuAfter = cpuMs(dataDir)
    const othersMs = Math.max(0, machineAfter - machineBefore - (cpuAfter.total - cpuBefore.total))
    const cpuPerAccount = (cpuAfter.total - cpuBefore.total) / ACCOUNTS
    const nodeCpuPerAccount = (cpuAfter.node - cpuBefore.node) / ACCOUNTS
    if (big.progress.succeeded !== ACCOUNTS) throw new Error(`bench batch: only ${big.progress.succeeded}/${ACCOUNTS} succeeded`)
    if (sandbox.stats().callbackHits.total !== 0) throw new Error('bench batch: the API app callback was reached')

    const idealMs = Math.ceil(ACCOUNTS / SLOTS) * perAccountMs
    const [{ inside }] = await core.db.dataSource.query('SELECT SUM(duration_ms) AS inside FROM authorization_sessions WHERE batch_id = ?', [big.progress.id])
    const cpuBoundMs = (cpuPerAccount * ACCOUNTS) / os.cpus().length
    return {
      'batch.per_account_ms': { value: round(perAccountMs), unit: 'ms' },
      'batch.200x10.ms': { value: round(big.ms), unit: 'ms' },
      'batch.200x10.ideal_ms': { value: round(idealMs), unit: 'ms' },
      'batch.200x10.ratio': { value: round3(big.ms / idealMs), unit: 'x' },
      'batch.per_account_overhead_ms': { value: round(perAccountMs - CONSENT_DELAY_MS), unit: 'ms' },
      'batch.200x10.slot_occupancy': { value: round3(inside / (big.ms * SLOTS)), unit: 'share' },
      // The same ratio with the per-account time the accounts took inside this batch (10 pages sharing the
      // machine's cores), i.e. what the batch runner itself adds: queueing, slot hand-over, bookkeeping.
      'batch.200x10.ratio_in_batch': { value: round3(big.ms / (Math.ceil(ACCOUNTS / SLOTS) * (inside / ACCOUNTS))), unit: 'x' },
      'batch.200x10.cpu_ms_per_account': { value: round(cpuPerAccount), unit: 'ms' },
      'batch.200x10.node_cpu_ms_per_account': { value: round(nodeCpuPerAccount), unit: 'ms' },
      'batch.200x10.cpu_bound_ms': { value: round(cpuBoundMs), unit: 'ms' },
      'batch.200x10.bound_ms': { value: round(Math.max(idealMs, cpuBoundMs)), unit: 'ms' },
      'batch.200x10.ratio_to_bound': { value: round3(big.ms / Math.max(idealMs, cpuBoundMs)), unit: 'x' },
      'batch.200x10.others_cpu_share': { value: round3(othersMs / (big.ms * os.cpus().length)), unit: 'share' },
      'batch.200x10.ratio_to_free_bound': {
        value: round3(big.ms / Math.max(idealMs, (cpuPerAccount * ACCOUNTS) / Math.max(0.1, os.cpus().length - othersMs / big.ms))),
        unit: 'x',
      },
      'batch.200x10.cores_for_target': { value: round((cpuPerAccount * ACCOUNTS) / (idealMs * RATIO_TARGET)), unit: 'count' },
      'batch.cpu_cores': { value: os.cpus().length, unit: 'count' },
    }
  } finally {
    await core?.close()
    await sandbox.close()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

function driver(core: Core) {
  const finished = new Map<string, BatchProgress>()
  const waiting = new Map<string, (progress: BatchProgress) => void>()
  core.events.subscribe((batches: EventBatch[]) => {
    for (const batch of batches) {
      if (batch.channel !== 'progress') continue
      for (const item of batch.items as BatchProgress[]) {
        if (item.state !== 'finished' && item.state !== 'cancelled') continue
        finished.set(item.id, item)
        waiting.get(item.id)?.(item)
      }
    }
  })
  const call = async <C extends RequestChannel>(channel: C, input?: RequestInput<C>): Promise<RequestOutput<C>> => {
    const answer = await core.router.dispatch(channel, input, { transport: 'test' })
    if (!answer.success) throw new Error(`${channel}: ${answer.errorCode} ${answer.error}`)
    return answer.data as RequestOutput<C>
  }
  return {
    call,
    /** "Authorize selected" for these profiles; resolves with the wall time until the batch finished. */
    async runBatch(profileIds: string[]): Promise<{ ms: number; progress: BatchProgress }> {
      const started = performance.now()
      const { batchId } = await call('batch:start', { profileIds, apiApp: 'SANDBOX1' })
      const progress = finished.get(batchId) ?? (await new Promise<BatchProgress>((resolve) => waiting.set(batchId, resolve)))
      return { ms: performance.now() - started, progress }
    },
  }
}

/** CPU used so far by this process and the sandbox's Chromium (its live processes and the renderers they reaped), ms. */
function cpuMs(dataDir: string): { total: number; node: number } {
  const own = process.cpuUsage()
  let ticks = 0
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      if (!fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(dataDir)) continue
      const fields = fs.readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ')
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])
    } catch {
      // The process ended while we looked.
    }
  }
  const node = (own.user + own.system) / 1000
  return { total: node + ticks * (1000 / 100), node }
}

/** CPU time every process of the machine has used so far (/proc/stat: all but idle and iowait), ms. */
function machineBusyMs(): number {
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
  const [user, nice, system, , , irq, softirq, steal] = fields
  return (user + nice + system + irq + softirq + steal) * (1000 / 100)
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

benchmark('batch', run)
