/**
 * `npm run soak -- --accounts N --hosts H --database sqlite|postgres --fault-rate R [--kill-every MIN]`
 * (built to out/main/soak.js): runs the soak, writes report.json and report.html, prints the verdict and exits
 * non-zero naming each failed check.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { builtEntries } from './hosts'
import { renderHtml } from './html'
import { parseSoakArgs, SOAK_USAGE, SoakUsageError, type SoakOptions } from './options'
import type { SoakFacts, SoakReport } from './report'
import { runSoak, SoakInterrupted } from './run'
import { describeVerdict, judge } from './verdict'

export { parseSoakArgs, type SoakOptions } from './options'
export { judge, describeVerdict } from './verdict'
export type { SoakFacts, SoakReport } from './report'

/** Judges the facts and writes `report.json` and `report.html` into `outDir`. */
export function writeReport(facts: SoakFacts, outDir: string): { report: SoakReport; json: string; html: string } {
  const report: SoakReport = { ...facts, verdict: judge(facts) }
  fs.mkdirSync(outDir, { recursive: true })
  const json = path.join(outDir, 'report.json')
  const html = path.join(outDir, 'report.html')
  fs.writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`)
  fs.writeFileSync(html, renderHtml(report))
  return { report, json, html }
}

/** Runs a soak from its options with the built hosts beside this file; answers the report. */
export async function soak(options: SoakOptions, say: (line: string) => void = () => undefined, signal?: AbortSignal): Promise<{ report: SoakReport; json: string; html: string }> {
  const entries = builtEntries(path.dirname(fileURLToPath(import.meta.url)))
  const facts = await runSoak(options, entries, say, signal)
  return writeReport(facts, options.outDir)
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2)
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SOAK_USAGE}\n`)
    return
  }
  let options: SoakOptions
  try {
    options = parseSoakArgs(argv)
  } catch (error) {
    if (!(error instanceof SoakUsageError)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(2)
  }
  const say = options.quiet ? () => undefined : (line: string) => process.stdout.write(`${line}\n`)
  // Ctrl-C (or a SIGTERM) ends the run cleanly: hosts stopped, the sandbox's browsers closed, the soak's database
  // dropped, its work folder removed. A second one exits at once.
  const stop = new AbortController()
  const onSignal = (name: NodeJS.Signals) => {
    if (stop.signal.aborted) process.exit(130)
    process.stderr.write(`\n${name}: stopping the soak (hosts, browsers, database); ${name} again to exit at once\n`)
    stop.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  let outcome: Awaited<ReturnType<typeof soak>>
  try {
    outcome = await soak(options, say, stop.signal)
  } catch (error) {
    if (!(error instanceof SoakInterrupted)) throw error
    process.stderr.write(`${error.message}\n`)
    process.exit(130)
  }
  const { report, json, html } = outcome
  process.stdout.write(`\n${describeVerdict(report.verdict)}\n\nReport: ${json}\n        ${html}\n`)
  const failed = report.verdict.checks.filter((check) => check.status === 'fail')
  if (failed.length) {
    process.stderr.write(`Soak FAILED: ${failed.map((check) => check.name).join('; ')}\n`)
    process.exitCode = 1
  } else process.stdout.write('Soak PASSED\n')
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`Soak failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  })
}
