/**
 * The soak in small (`npm run soak` runs the same code for hours): 60 accounts on one panel in browser mode on
 * SQLite against the sandbox (one shared real Chromium, a context per profile: the per-profile launches of a long
 * soak would take minutes here), a fifth of them with a fault. The verdict passes on the sandbox's
 * own records, and the report opens offline in Chromium with its charts drawn.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeReport } from '../../../src/main/soak'
import { builtEntries } from '../../../src/main/soak/hosts'
import { parseSoakArgs } from '../../../src/main/soak/options'
import { chromiumProcesses } from '../../../src/main/soak/probes'
import { runSoak, SoakInterrupted } from '../../../src/main/soak/run'
import { describeVerdict } from '../../../src/main/soak/verdict'
import { launchPlaywright } from '../../helpers/chromium'
import { tempDir } from '../../helpers/temp-dir'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

describe('npm run soak', () => {
  it('60 accounts with faults on SQLite: every check holds on the sandbox’s records, and the report opens offline with its charts', { timeout: 240_000 }, async () => {
    const outDir = tempDir('soak-report-')
    const options = parseSoakArgs(['--accounts', '60', '--hosts', '1', '--database', 'sqlite', '--fault-rate', '0.2', '--sample-every', '2', '--slots', '6', '--seed', '25', '--shared-browser', '--out', outDir, '--quiet'])
    const progress: string[] = []
    const facts = await runSoak(options, builtEntries(path.join(ROOT, 'out/main')), (line) => progress.push(line))
    const { report, json, html } = writeReport(facts, outDir)

    expect(report.verdict.passed, `${describeVerdict(report.verdict)}\n${progress.join('\n')}`).toBe(true)
    expect(report.sessions.total).toBe(60)
    expect(Object.values(report.faults).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(0)
    // The sandbox issued a token set for every completed account, and the panel stored each.
    expect(report.tokens.issued).toBe(report.sessions.byStatus.completed)
    expect(report.series.run.length).toBeGreaterThan(2)
    expect(report.series.hosts.h1.length).toBeGreaterThan(2)
    expect(JSON.parse(fs.readFileSync(json, 'utf8')).verdict.passed).toBe(true)

    const browser = await launchPlaywright()
    cleanups.push(() => browser.close())
    const page = await browser.newPage()
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(error.message))
    // Self-contained: nothing but the file itself is loaded.
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`request to ${request.url()}`)
    })
    await page.goto(`file://${html}`)
    await expect.poll(() => page.locator('body').getAttribute('data-charts-drawn')).toBe('7')
    await expect.poll(() => page.locator('canvas').count()).toBe(7)
    expect(await page.getByText('PASSED', { exact: true }).isVisible()).toBe(true)
    expect(problems).toEqual([])
  })

  it('Ctrl-C mid-run: the hosts, every Chromium and the work folder are gone, and no report claims a verdict', { timeout: 120_000 }, async () => {
    const outDir = tempDir('soak-interrupted-')
    const options = parseSoakArgs(['--accounts', '8', '--hosts', '1', '--database', 'sqlite', '--fault-rate', '0', '--sample-every', '1', '--slots', '3', '--seed', '7', '--out', outDir, '--quiet'])
    const stop = new AbortController()
    let workDir: string | null = null
    const say = (line: string) => {
      workDir ??= /work folder (\S+)$/.exec(line)?.[1] ?? null
      // Interrupted while the sandbox runs browsers (a real Chromium per profile here).
      if (/ browsers [1-9]/.test(line)) stop.abort()
    }
    await expect(runSoak(options, builtEntries(path.join(ROOT, 'out/main')), say, stop.signal)).rejects.toBeInstanceOf(SoakInterrupted)
    expect(stop.signal.aborted).toBe(true)
    expect(workDir).not.toBeNull()
    expect(fs.existsSync(workDir!)).toBe(false)
    // Counted from /proc: no Chromium left with the run's browser folder on its command line.
    await expect.poll(() => chromiumProcesses(path.join(workDir!, 'sandbox-data', 'sandbox')), { timeout: 15_000 }).toBe(0)
    expect(fs.readdirSync(outDir)).toEqual([])
  })
})
