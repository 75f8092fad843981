/**
 * A worker's `--metrics-port` (`node out/main/worker.js` as a child process): /metrics, /health and /ready on
 * 127.0.0.1; /ready turns 503 within its 100 ms when PostgreSQL stops answering (a blackholing proxy between the
 * worker and the server; the server itself keeps running) and ready again once it answers. (PostgreSQL project only:
 * a worker's database is a server.)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createCore } from '../../../src/main/core'
import type { ReadinessReport } from '../../../src/main/services/hosts/readiness'
import type { DataKeyExportResult } from '../../../src/shared/contract/data-key'
import { startFaultProxy } from '../../helpers/fault-proxy'
import { freshPostgresUrl } from '../../helpers/test-database'
import { tempDir } from '../../helpers/temp-dir'
import { medianAnswer, parseScrape, valueOf } from './scrape'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const ENTRY = path.join(ROOT, 'out/main/worker.js')
const PASSPHRASE = 'Marble-Comet-Harbor-47!'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

function killOnCleanup(child: ChildProcess): void {
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))
  })
}

/** Stands in for the GoLogin desktop app: the host's health probe is a TCP connect, nothing more. */
async function listeningPort(): Promise<number> {
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  return (server.address() as net.AddressInfo).port
}

describe('worker --metrics-port', () => {
  it('serves /metrics, /health and /ready on loopback; /ready is 503 within 100 ms while PostgreSQL does not answer, ready again after', { timeout: 120_000 }, async () => {
    if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run "npm run build" first`)
    const url = await freshPostgresUrl()
    // The panel's host makes the shared database, points GoLogin at a listening port and exports its data key.
    const panel = await createCore({ dataDir: tempDir('panel-'), mode: 'browser', env: { DATABASE_URL: url }, eventWindowMs: 5 })
    cleanups.push(() => panel.close())
    await panel.settings.update({ gologinLocalApiUrl: `http://127.0.0.1:${await listeningPort()}` })
    const exported = await panel.router.dispatch('dataKey:export', { passphrase: PASSPHRASE }, { transport: 'test' })
    if (!exported.success) throw new Error(exported.error)
    const keyFile = path.join(tempDir('transfer-'), (exported.data as DataKeyExportResult & { mode: 'download' }).fileName)
    fs.writeFileSync(keyFile, (exported.data as DataKeyExportResult & { mode: 'download' }).content)

    const proxy = await startFaultProxy({ port: Number(new URL(url).port || 5432) })
    cleanups.push(() => proxy.close())
    const child = spawn(process.execPath, [ENTRY, '--data-dir', tempDir('worker-'), '--host-id', 'rack-9', '--metrics-port', '0'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: proxy.through(url), DATA_KEY_FILE: keyFile, DATA_KEY_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    killOnCleanup(child)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => (stdout += chunk))
    child.stderr!.on('data', (chunk) => (stderr += chunk))
    await vi.waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}):\n${stderr}`)
        expect(stdout).toMatch(/WORKER_READY host=rack-9/)
      },
      { timeout: 60_000, interval: 50 },
    )
    const base = /METRICS_URL=(\S+)/.exec(stdout)![1]
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    // Timed from another process on a machine shared by test workers and browsers: the fastest of five answers, with
    // room over the 100 ms the host answers in (its own measure is /ready's `ms`, asserted below).
    const health = await medianAnswer(`${base}/health`)
    expect(health).toMatchObject({ status: 200 })
    expect(health.fastestMs).toBeLessThan(150)
    expect(JSON.parse(health.body)).toMatchObject({ status: 'alive', mode: 'worker' })
    await vi.waitFor(async () => expect((await fetch(`${base}/ready`)).status).toBe(200), { timeout: 15_000, interval: 100 })
    const metrics = await fetch(`${base}/metrics`)
    expect(metrics.status).toBe(200)
    const samples = parseScrape(await metrics.text())
    expect(valueOf(samples, 'gologin_panel_info', { mode: 'worker' })).toBe(1)
    expect(valueOf(samples, 'gologin_panel_host_healthy')).toBe(1)
    expect(valueOf(samples, 'gologin_panel_database_figures_up')).toBe(1)
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true)
    expect((await fetch(`${base}/other`)).status).toBe(404)

    // PostgreSQL stops answering (the server keeps running; only this worker's link is cut).
    proxy.blackhole()
    const cuts: Array<{ status: number; report: ReadinessReport; ms: number }> = []
    for (let n = 0; n < 3; n++) {
      const began = performance.now()
      const response = await fetch(`${base}/ready`)
      cuts.push({ status: response.status, report: (await response.json()) as ReadinessReport, ms: performance.now() - began })
    }
    for (const cut of cuts) {
      expect(cut.status).toBe(503)
      expect(cut.report).toMatchObject({ ready: false, checks: { database: { ok: false, detail: 'The database did not answer within 60 ms' }, drain: { ok: true } } })
    }
    // The host's own measure, and the answer as a prober sees it (the fastest of three: the machine is shared).
    expect(Math.min(...cuts.map((cut) => cut.report.ms))).toBeLessThan(100)
    expect(Math.min(...cuts.map((cut) => cut.ms))).toBeLessThan(150)
    // /health still says the process lives, at once; once the cached figures (1.5 s) are old, a scrape answers the last ones, marked stale.
    expect((await medianAnswer(`${base}/health`)).fastestMs).toBeLessThan(150)
    await vi.waitFor(
      async () => {
        const stale = parseScrape(await (await fetch(`${base}/metrics`)).text())
        expect(valueOf(stale, 'gologin_panel_database_figures_up')).toBe(0)
        expect(valueOf(stale, 'gologin_panel_sessions')).toBe(0)
      },
      { timeout: 10_000, interval: 200 },
    )

    proxy.heal()
    await vi.waitFor(async () => expect((await fetch(`${base}/ready`)).status).toBe(200), { timeout: 30_000, interval: 100 })

    child.kill('SIGTERM')
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0)
  })
})
