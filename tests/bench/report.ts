/**
 * Global setup of `npm run bench`: clears the per-module parts before the run; afterwards merges them
 * into `out/bench/results.json` (SQLite's figures and PostgreSQL's `pg.` ones side by side), adds the
 * PostgreSQL-to-SQLite ratios of the reads, marks every figure that has a goal with it, and prints the
 * table. `BENCH=name1,name2` runs only those modules and updates their metrics in the existing results.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PARTS_DIR, RESULTS_FILE, ROOT, type Metric, type Metrics } from './harness'

/** A figure's goal: at most `max`, or at least `min`. */
export type Target = { max: number } | { min: number }

/** The goals (issue 25); the `pg.` ones are PostgreSQL's. */
export const TARGETS: Readonly<Record<string, Target>> = {
  'csv.export40k.ms': { max: 500 },
  'pg.csv.export40k.ms': { max: 750 },
  'api.profiles.rps': { min: 1_500 },
  'api.profiles.p99_ms': { max: 20 },
  'pg.api.profiles.rps': { min: 1_000 },
  'pg.api.profiles.p99_ms': { max: 40 },
  // Reads on PostgreSQL within 1.5× SQLite (derived below).
  'pg.profiles.list40k.ratio_to_sqlite': { max: 1.5 },
  'pg.profiles.page5k.ratio_to_sqlite': { max: 1.5 },
  'pg.csv.export40k.ratio_to_sqlite': { max: 1.5 },
  'pg.api.profiles.ratio_to_sqlite': { max: 1.5 },
  // Bulk writes on PostgreSQL within 1.2× the raw pg driver running the same statements.
  'pg.db.upsert40k.ratio': { max: 1.2 },
  'pg.gologin.sync40k.ratio_to_raw': { max: 1.2 },
  'db.upsert40k.ratio': { max: 2 },
  'panel.memory40k_mb': { max: 400 },
  'batch.200x10.ratio_to_bound': { max: 1.05 },
}

/** PostgreSQL read ÷ the same read on SQLite: times as they are, a rate the other way round (higher is better). */
const READS: ReadonlyArray<{ metric: string; ratio: string; higherIsBetter?: boolean }> = [
  { metric: 'profiles.list40k.ms', ratio: 'pg.profiles.list40k.ratio_to_sqlite' },
  { metric: 'profiles.page5k.ms', ratio: 'pg.profiles.page5k.ratio_to_sqlite' },
  { metric: 'csv.export40k.ms', ratio: 'pg.csv.export40k.ratio_to_sqlite' },
  { metric: 'api.profiles.rps', ratio: 'pg.api.profiles.ratio_to_sqlite', higherIsBetter: true },
]

export default function setup(): () => void {
  // vitest runs a global setup once for the root and once per project (both databases), every setup before the
  // first module and every teardown after the last: the first clears and merges, the others do nothing.
  const state = globalThis as { benchReportSetUp?: boolean }
  if (state.benchReportSetUp) return () => {}
  state.benchReportSetUp = true
  fs.rmSync(PARTS_DIR, { recursive: true, force: true })
  return () => {
    const parts = fs.existsSync(PARTS_DIR) ? fs.readdirSync(PARTS_DIR).filter((f) => f.endsWith('.json')).sort() : []
    if (!parts.length) return
    const partial = Boolean(process.env.BENCH || process.env.BENCH_DATABASE)
    const results: Metrics = partial && fs.existsSync(RESULTS_FILE) ? JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) : {}
    for (const part of parts) Object.assign(results, JSON.parse(fs.readFileSync(path.join(PARTS_DIR, part), 'utf8')))
    const final = withTargets(withReadRatios(results))
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(final, null, 2)}\n`)
    console.log(`\n${table(final)}\n\nwritten to ${path.relative(ROOT, RESULTS_FILE)}`)
  }
}

/** Adds `pg.<read>.ratio_to_sqlite` for every read measured on both databases. */
export function withReadRatios(results: Metrics): Metrics {
  const out = { ...results }
  for (const { metric, ratio, higherIsBetter } of READS) {
    const sqlite = results[metric]?.value
    const postgres = results[`pg.${metric}`]?.value
    if (!sqlite || !postgres) continue
    out[ratio] = { value: Math.round((higherIsBetter ? sqlite / postgres : postgres / sqlite) * 100) / 100, unit: 'x' }
  }
  return out
}

/** Each figure with a goal gets it (`target`: `< 500`, `≥ 1000`), its value ÷ the goal (`of_target`) and `meets`. */
export function withTargets(results: Metrics): Metrics {
  const out: Metrics = {}
  for (const [name, metric] of Object.entries(results)) {
    const { value, unit } = metric
    const goal = TARGETS[name]
    if (!goal) {
      out[name] = { value, unit }
      continue
    }
    const bound = 'max' in goal ? goal.max : goal.min
    out[name] = {
      value,
      unit,
      target: 'max' in goal ? `≤ ${goal.max}` : `≥ ${goal.min}`,
      of_target: Math.round((value / bound) * 100) / 100,
      meets: 'max' in goal ? value <= goal.max : value >= goal.min,
    }
  }
  return out
}

function table(results: Metrics): string {
  const width = Math.max(...Object.keys(results).map((k) => k.length), 6)
  const row = (name: string, m: Metric) => {
    const goal = m.target ? `  ${m.target.padStart(8)}  ${String(m.of_target).padStart(5)}×  ${m.meets ? 'ok' : 'MISSED'}` : ''
    return `${name.padEnd(width)}  ${formatValue(m.value).padStart(12)} ${m.unit.padEnd(6)}${goal}`
  }
  const header = `${'metric'.padEnd(width)}  ${'value'.padStart(12)} unit  ${'target'.padStart(8)}  of target`
  return [header, ...Object.entries(results).map(([name, m]) => row(name, m))].join('\n')
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1)
}
