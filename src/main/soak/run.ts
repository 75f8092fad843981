/**
 * A soak run: the sandbox (GoLogin cloud + X, real Chromium per profile) in this process, H hosts as child
 * processes on one database (host 1 the panel in browser mode, the others workers), one batch of N accounts
 * started over the panel's WebSocket, faults drawn per account, a random host SIGKILLed and restarted every few
 * minutes, every host sampled every few seconds. Ends with the facts the verdict judges (report.ts) and the report.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCore } from '../core'
import { prepareSandboxData, startSandboxMode, type SandboxMode } from '../sandbox'
import { applyFaults, CdpDropper, drawFaults, EXPECTED_ERROR_EVENTS, FAILING_FAULTS, faultCounts, seededRandom, type SoakFault } from './faults'
import { SoakHost, type ErrorLine, type HostSpec } from './hosts'
import type { SoakOptions } from './options'
import { callPanel } from './panel-client'
import { chromiumProcesses, fetchHeapUsed, openFds, rssBytes } from './probes'
import { BoundedSeries, type ErrorEventFacts, type HostFacts, type HostSample, type RunSample, type SoakFacts } from './report'
import { createPostgresDatabase, postgresSoakDb, sqliteSoakDb, type SoakDb } from './soak-db'
import { readStoredSessions, tokenFacts } from './token-facts'
import { FD_TOLERANCE } from './verdict'

const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled'])
/** After the batch ends: how long profiles may take to be stopped (failed stops are retried with back-off). */
const SETTLE_TIMEOUT_MS = 180_000
/** How long open fds may take to come back once the batch is over (pg idle timeout 10 s, HTTP keep-alive 5 s). */
const FD_SETTLE_MS = 30_000
const MB = 1024 ** 2

type Say = (line: string) => void

/** Thrown by `runSoak` once its signal aborts (Ctrl-C): the hosts, browsers, database and work folder are gone by then. */
export class SoakInterrupted extends Error {
  constructor() {
    super('The soak was interrupted: hosts stopped, browsers closed, its database and work folder removed; no report was written.')
    this.name = 'SoakInterrupted'
  }
}

/** Waits `ms`, or less when the signal aborts (Node's abortable timer; its AbortError is the wake-up). */
const pause = (ms: number, signal?: AbortSignal): Promise<void> => sleep(ms, undefined, { signal }).catch(() => undefined)

export async function runSoak(options: SoakOptions, entries: { web: string; worker: string }, say: Say = () => undefined, signal?: AbortSignal): Promise<SoakFacts> {
  const random = seededRandom(options.seed)
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'panel-soak-'))
  const cleanups: Array<() => Promise<unknown>> = [async () => fs.rmSync(runDir, { recursive: true, force: true })]
  const hosts: SoakHost[] = []
  const interrupted = () => {
    if (signal?.aborted) throw new SoakInterrupted()
  }
  try {
    say(`Soak: ${options.accounts} accounts, ${options.hosts} host(s) × ${options.slots} slots, ${options.database}, fault rate ${options.faultRate}${options.killEveryMin ? `, kill every ${options.killEveryMin} min` : ''}, seed ${options.seed}; work folder ${runDir}`)
    const sandbox: SandboxMode = await startSandboxMode({ dataDir: path.join(runDir, 'sandbox-data'), profiles: options.accounts, behaviours: 'none', chromePath: options.chromePath, sharedBrowser: options.sharedBrowser })
    cleanups.push(() => sandbox.close())
    const browserDir = path.join(runDir, 'sandbox-data', 'sandbox')

    let databaseUrl: string | null = null
    if (options.database === 'postgres') {
      const created = await createPostgresDatabase(options.postgresUrl)
      cleanups.push(() => created.drop())
      databaseUrl = created.url
    }
    const env: Record<string, string> = {
      ...sandbox.env,
      DATABASE_URL: databaseUrl ?? '',
      PROFILE_SYNC_INTERVAL: '0',
      GOLOGIN_LAUNCHER: 'cloud',
      CLAIM_LEASE_SECONDS: '30',
      MAX_CONCURRENT_PROFILES: String(options.slots),
    }
    const hostDir = (label: string) => path.join(runDir, 'hosts', label)
    // The API apps and mapped profiles, written once by the panel's data folder (its key is every host's).
    const setup = await createCore({ dataDir: hostDir('h1'), mode: 'browser', env, sandbox: null, logLevel: 'warn' })
    await prepareSandboxData(sandbox, { dataSource: setup.db.dataSource, apiApps: setup.apiApps })
    await setup.close()

    const errors = new Map<string, ErrorEventFacts>()
    const warnings = new Map<string, number>()
    const onError = (line: ErrorLine) => {
      if (line.level === 'warn') return void warnings.set(line.event, (warnings.get(line.event) ?? 0) + 1)
      const known = errors.get(line.event)
      if (known) {
        known.count++
        if (!known.hosts.includes(line.host)) known.hosts.push(line.host)
      } else errors.set(line.event, { event: line.event, count: 1, hosts: [line.host], example: line.example, expected: false })
    }
    for (let n = 1; n <= options.hosts; n++) {
      const label = `h${n}`
      const entrance = await sandbox.gologin.openEntrance(label)
      const dataDir = hostDir(label)
      if (n > 1) {
        fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
        fs.copyFileSync(path.join(hostDir('h1'), 'data.key'), path.join(dataDir, 'data.key'))
      }
      const spec: HostSpec = { label, kind: n === 1 ? 'panel' : 'worker', dataDir, slots: options.slots, env: { ...env, GOLOGIN_API_URL: entrance.apiUrl, GOLOGIN_CLOUD_BROWSER_URL: entrance.cloudBrowserUrl } }
      const host = new SoakHost(spec, entries, onError)
      hosts.push(host)
      cleanups.push(() => host.stop())
      await host.start()
      say(`${label} (${spec.kind}) ready, pid ${host.pid}`)
      interrupted()
    }
    const db: SoakDb = databaseUrl ? postgresSoakDb(databaseUrl) : sqliteSoakDb(hostDir('h1'))
    cleanups.push(() => db.close())

    const faults = drawFaults(sandbox.accounts().map((a) => a.profileId), options.faultRate, random)
    applyFaults(sandbox, faults)
    const dropper = new CdpDropper(sandbox, faults)
    if (options.sharedBrowser) await warmSharedBrowser(sandbox, faults)
    const chromiumBaseline = await quietChromium(browserDir)
    interrupted()

    // ---- sampling ----
    const runSeries = new BoundedSeries<RunSample>()
    const hostSeries = new Map(hosts.map((h) => [h.spec.label, new BoundedSeries<HostSample>()]))
    const firstFds = new Map<number, number>()
    const startedAt = new Date()
    const t0 = Date.now()
    const recent: Array<{ at: number; done: number }> = []
    let counts: Record<string, number> = {}
    let done = 0
    const sample = async (): Promise<RunSample> => {
      counts = await db.sessionCounts(batchId).catch(() => counts)
      const total = Object.values(counts).reduce((s, n) => s + n, 0)
      done = Object.entries(counts).filter(([status]) => TERMINAL.has(status)).reduce((s, [, n]) => s + n, 0)
      const now = Date.now()
      recent.push({ at: now, done })
      while (recent.length > 1 && now - recent[0].at > 60_000) recent.shift()
      const window = (now - recent[0].at) / 60_000
      const t = (now - t0) / 1000
      for (const host of hosts) {
        const pid = host.pid
        if (!pid) continue
        const rss = rssBytes(pid)
        const fds = openFds(pid)
        if (rss === null || fds === null) continue
        if (!firstFds.has(pid)) firstFds.set(pid, fds)
        const heap = host.metricsUrl ? await fetchHeapUsed(host.metricsUrl) : null
        hostSeries.get(host.spec.label)!.push({ t, pid, done, rssMb: rss / MB, heapUsedMb: heap === null ? null : heap / MB, fds })
      }
      const point: RunSample = {
        t,
        done,
        queue: Math.max(0, total - done),
        accountsPerMin: window > 0 ? (done - recent[0].done) / window : 0,
        chromium: chromiumProcesses(browserDir),
        dbBytes: await db.sizeBytes().catch(() => null),
        hostsAlive: hosts.filter((h) => h.alive).length,
        browsersRunning: sandbox.gologin.browsers().length,
        runnerRssMb: process.memoryUsage().rss / MB,
      }
      runSeries.push(point)
      return point
    }
    // Each host's first sample is its baseline: taken before the batch.
    for (const host of hosts) {
      const pid = host.pid
      if (pid) firstFds.set(pid, openFds(pid) ?? 0)
    }

    const panel = hosts[0]
    const started = await callPanel(panel.panelUrl!, 'batch:start', { profileIds: sandbox.accounts().map((a) => a.profileId), apiApp: 'SANDBOX1' })
    const batchId = started.batchId
    say(`Batch ${batchId}: ${started.queued} queued; faults ${JSON.stringify(faultCounts(faults))}`)

    // ---- the run ----
    let kills = 0
    const killLog: Array<{ host: string; at: string }> = []
    let restarting = false
    const dropTimer = setInterval(() => dropper.tick(), 500)
    const killTimer = options.killEveryMin
      ? setInterval(() => {
          if (restarting) return
          const alive = hosts.filter((h) => h.alive)
          if (!alive.length) return
          const victim = alive[Math.floor(random() * alive.length)]
          restarting = true
          void (async () => {
            try {
              await victim.kill()
              kills++
              killLog.push({ host: victim.spec.label, at: new Date().toISOString() })
              say(`SIGKILL ${victim.spec.label}; restarting it on its data folder`)
              await victim.start()
              say(`${victim.spec.label} back, pid ${victim.pid}`)
            } catch (error) {
              onError({ level: 'error', event: 'soak:restart_failed', host: victim.spec.label, at: new Date().toISOString(), example: (error as Error).message.slice(0, 400) })
            } finally {
              restarting = false
            }
          })()
        }, options.killEveryMin * 60_000)
      : null
    const deadline = t0 + options.timeoutMin * 60_000
    let finishedInTime = false
    try {
      for (;;) {
        const point = await sample()
        say(progressLine(point, options.accounts, hosts))
        const total = Object.values(counts).reduce((s, n) => s + n, 0)
        if (total >= options.accounts && point.queue === 0) {
          finishedInTime = true
          break
        }
        if (Date.now() > deadline) break
        await pause(options.sampleEveryMs, signal)
        interrupted()
      }
    } finally {
      if (killTimer) clearInterval(killTimer)
      clearInterval(dropTimer)
    }
    while (restarting) await new Promise((resolve) => setTimeout(resolve, 200))
    interrupted()
    for (const host of hosts) if (!host.alive) await host.start().catch((error: Error) => onError({ level: 'error', event: 'soak:restart_failed', host: host.spec.label, at: new Date().toISOString(), example: error.message.slice(0, 400) }))

    // ---- settle: every profile stopped, then the end figures ----
    say('Batch over; waiting for every profile to be stopped…')
    const settleBy = Date.now() + SETTLE_TIMEOUT_MS
    while (Date.now() < settleBy) {
      const running = Object.values(sandbox.gologin.stats().cloud.hosting.runningByEntrance).reduce((s, n) => s + n, 0)
      if (running === 0 && sandbox.gologin.browsers().length === 0 && (await db.profilesInUse()) === 0) break
      await pause(500, signal)
      interrupted()
    }
    // Chromium's helper processes go a moment after their browser.
    const chromiumBy = Date.now() + 15_000
    while (chromiumProcesses(browserDir) > chromiumBaseline && Date.now() < chromiumBy) await new Promise((resolve) => setTimeout(resolve, 250))
    // Idle pool connections and keep-alive sockets close after a few seconds: give the fds that long to come back.
    const fdsBy = Date.now() + FD_SETTLE_MS
    const fdsBack = () => hosts.every((h) => !h.pid || (openFds(h.pid) ?? 0) <= (firstFds.get(h.pid) ?? 0) + FD_TOLERANCE)
    while (!fdsBack() && Date.now() < fdsBy) await new Promise((resolve) => setTimeout(resolve, 500))
    const final = await sample()
    runSeries.append(final)
    say(progressLine(final, options.accounts, hosts))
    const hostFacts: HostFacts[] = hosts.map((host) => {
      const samples = hostSeries.get(host.spec.label)!.points
      const last = samples.at(-1)
      const pid = host.pid
      return {
        label: host.spec.label,
        kind: host.spec.kind,
        slots: host.spec.slots,
        starts: host.starts,
        kills: host.kills,
        fdsBaseline: pid ? (firstFds.get(pid) ?? null) : null,
        fdsEnd: pid && last?.pid === pid ? last.fds : null,
        alive: host.alive,
      }
    })
    const hosting = sandbox.gologin.stats().cloud.hosting

    // ---- stop the hosts, then read what they stored ----
    for (const host of hosts) await host.stop()
    await db.close()
    const sessions = await readStoredSessions({ keyDir: hostDir('h1'), databaseUrl, batchId })
    const tokens = tokenFacts(sandbox.issuedTokens(), sessions)
    const byStatus: Record<string, number> = {}
    for (const s of sessions) byStatus[s.status] = (byStatus[s.status] ?? 0) + 1
    const notCompleted = sessions.filter((s) => !FAILING_FAULTS.includes(faults.get(s.profileId) as SoakFault) && s.status !== 'completed')

    const injected = new Set<string>([...faults.values()])
    if (kills > 0) injected.add('kill')
    for (const error of errors.values()) {
      error.expected = [...injected].some((kind) => EXPECTED_ERROR_EVENTS[kind as SoakFault | 'kill']?.includes(error.event))
    }
    const finishedAt = new Date()
    return {
      options: {
        accounts: options.accounts,
        hosts: options.hosts,
        database: options.database,
        faultRate: options.faultRate,
        killEveryMin: options.killEveryMin,
        slots: options.slots,
        seed: options.seed,
        sharedBrowser: options.sharedBrowser,
      },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSec: (finishedAt.getTime() - t0) / 1000,
      finishedInTime,
      sessions: { total: sessions.length, byStatus, nonTerminal: sessions.filter((s) => !TERMINAL.has(s.status)).length },
      healthyNotCompleted: notCompleted.length,
      notCompletedExamples: notCompleted.slice(0, 20).map((s) => ({
        profileId: s.profileId,
        username: s.username,
        fault: faults.get(s.profileId) ?? null,
        status: s.status,
        errorCode: s.errorCode,
        errorMessage: s.errorMessage?.slice(0, 300) ?? null,
        requeues: s.requeues,
      })),
      warnings: Object.fromEntries([...warnings].sort((a, b) => b[1] - a[1])),
      faults: faultCounts(faults),
      cdpDrops: dropper.dropped,
      kills,
      killLog: killLog.slice(0, 1_000),
      tokens,
      hosting: {
        peakByEntrance: hosting.peakByEntrance,
        maxEntrancesPerProfile: hosting.maxEntrancesPerProfile,
        browsersPeak: sandbox.gologin.stats().browsers.peak,
        overlaps: hosting.overlaps.map((o) => ({ ...o, fault: faults.get(o.profileId) ?? null })),
      },
      chromium: { baseline: chromiumBaseline, end: final.chromium },
      hosts: hostFacts,
      errors: [...errors.values()].sort((a, b) => b.count - a.count),
      series: { run: runSeries.points, hosts: Object.fromEntries([...hostSeries].map(([label, series]) => [label, series.points])) },
    }
  } finally {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
}

/** Shared mode: the shared Chromium is launched by a first start; start and stop one healthy profile so it runs before the baseline. */
async function warmSharedBrowser(sandbox: SandboxMode, faults: ReadonlyMap<string, SoakFault>): Promise<void> {
  const healthy = sandbox.accounts().find((a) => !faults.has(a.profileId))
  if (!healthy) return
  for (const action of ['start-profile', 'stop-profile']) {
    const response = await fetch(`${sandbox.gologin.localApiUrl}/browser/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profileId: healthy.profileId }),
    })
    if (!response.ok) throw new Error(`The sandbox's ${action} of ${healthy.profileId} answered ${response.status}`)
  }
}

/** Chromium processes once they stop changing (a closed context's renderer exits a moment later): the lowest of a few looks. */
async function quietChromium(browserDir: string): Promise<number> {
  let lowest = chromiumProcesses(browserDir)
  for (let look = 0; look < 6; look++) {
    await new Promise((resolve) => setTimeout(resolve, 500))
    lowest = Math.min(lowest, chromiumProcesses(browserDir))
  }
  return lowest
}

function progressLine(point: RunSample, total: number, hosts: SoakHost[]): string {
  const minutes = (point.t / 60).toFixed(1).padStart(5)
  const rss = hosts.map((h) => {
    const pid = h.pid
    const bytes = pid ? rssBytes(pid) : null
    return `${h.spec.label} ${bytes === null ? 'down' : `${Math.round(bytes / MB)}MB`}`
  })
  return `[soak ${minutes} min] done ${point.done}/${total}  ${point.accountsPerMin.toFixed(1)}/min  queue ${point.queue}  hosts ${point.hostsAlive}/${hosts.length}  RSS ${rss.join(' ')} soak ${Math.round(point.runnerRssMb)}MB  chromium ${point.chromium}  browsers ${point.browsersRunning}`
}
