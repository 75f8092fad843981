/**
 * Runs every benchmark module (`tests/bench/*.bench.ts`, each exporting `run()` → metrics), prints a
 * table and writes `out/bench/results.json` as `{ "<metric>": { "value": n, "unit": "ms" } }`.
 * `BENCH=name1,name2 npm run bench` runs only those modules.
 */
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { expect, test } from 'vitest'

export type Metric = { value: number; unit: string }
export type Metrics = Record<string, Metric>

const ROOT = path.resolve(import.meta.dirname, '../..')
const OUT = path.join(ROOT, 'out/bench/results.json')

test('benchmarks', async () => {
  const only = process.env.BENCH?.split(',').map((s) => s.trim()).filter(Boolean)
  const files = fs
    .readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => !only || only.includes(f.replace(/\.bench\.ts$/, '')))
    .sort()
  const results: Metrics = fs.existsSync(OUT) && only ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {}
  for (const file of files) {
    const mod = (await import(pathToFileURL(path.join(import.meta.dirname, file)).href)) as { run: () => Promise<Metrics> }
    const started = performance.now()
    const metrics = await mod.run()
    Object.assign(results, metrics)
    console.log(`[bench] ${file}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`)
  const width = Math.max(...Object.keys(results).map((k) => k.length), 6)
  const table = Object.entries(results)
    .map(([name, m]) => `${name.padEnd(width)}  ${formatValue(m.value).padStart(12)} ${m.unit}`)
    .join('\n')
  console.log(`\n${'metric'.padEnd(width)}  ${'value'.padStart(12)} unit\n${table}\n\nwritten to ${path.relative(ROOT, OUT)}`)
  expect(Object.keys(results).length).toBeGreaterThan(0)
})

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1)
}
