/**
 * Global setup of `npm run bench`: clears the per-module parts before the run; afterwards merges them
 * into `out/bench/results.json` and prints the table. `BENCH=name1,name2` runs only those modules and
 * updates their metrics in the existing results.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PARTS_DIR, RESULTS_FILE, ROOT, type Metrics } from './harness'

export default function setup(): () => void {
  fs.rmSync(PARTS_DIR, { recursive: true, force: true })
  return () => {
    const parts = fs.existsSync(PARTS_DIR) ? fs.readdirSync(PARTS_DIR).filter((f) => f.endsWith('.json')).sort() : []
    if (!parts.length) return
    const partial = Boolean(process.env.BENCH)
    const results: Metrics = partial && fs.existsSync(RESULTS_FILE) ? JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) : {}
    for (const part of parts) Object.assign(results, JSON.parse(fs.readFileSync(path.join(PARTS_DIR, part), 'utf8')))
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`)
    const width = Math.max(...Object.keys(results).map((k) => k.length), 6)
    const table = Object.entries(results)
      .map(([name, m]) => `${name.padEnd(width)}  ${formatValue(m.value).padStart(12)} ${m.unit}`)
      .join('\n')
    console.log(`\n${'metric'.padEnd(width)}  ${'value'.padStart(12)} unit\n${table}\n\nwritten to ${path.relative(ROOT, RESULTS_FILE)}`)
  }
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1)
}
