/**
 * The benchmark harness. Each `tests/bench/<name>.bench.ts` measures one area and registers it with
 * `benchmark(name, run)`; vitest runs every module in its own process, one after the other (see
 * vitest.bench.config.ts), so one module's heap, browsers or JIT state never bend another's figures.
 * Each module leaves its metrics in `out/bench/parts/<name>.json`; `report.ts` merges them into
 * `out/bench/results.json` as `{ "<metric>": { "value": n, "unit": "ms" } }` and prints the table.
 */
import fs from 'node:fs'
import { Session } from 'node:inspector/promises'
import path from 'node:path'
import { expect, test } from 'vitest'

/** One figure; `report.ts` adds the goal (`target`), value ÷ goal (`of_target`) and `meets` where there is one. */
export type Metric = { value: number; unit: string; target?: string; of_target?: number; meets?: boolean }
export type Metrics = Record<string, Metric>

export const ROOT = path.resolve(import.meta.dirname, '../..')
export const RESULTS_FILE = path.join(ROOT, 'out/bench/results.json')
export const PARTS_DIR = path.join(ROOT, 'out/bench/parts')

export function benchmark(name: string, run: () => Promise<Metrics>): void {
  test(name, async () => {
    const started = performance.now()
    const metrics = await profiled(name, run)
    expect(Object.keys(metrics).length).toBeGreaterThan(0)
    for (const [metric, { value }] of Object.entries(metrics)) expect(Number.isFinite(value), `${metric} is a number`).toBe(true)
    fs.mkdirSync(PARTS_DIR, { recursive: true })
    fs.writeFileSync(path.join(PARTS_DIR, `${partName(name)}.json`), `${JSON.stringify(metrics, null, 2)}\n`)
    console.log(`[bench] ${name} (pid ${process.pid}): ${((performance.now() - started) / 1000).toFixed(1)} s`)
  })
}

/** A module's part of the results: `<name>`, or `pg.<name>` on the PostgreSQL pass (vitest.bench.config.ts). */
function partName(name: string): string {
  return process.env.BENCH_DATABASE === 'postgres' ? `pg.${name}` : name
}

/**
 * `BENCH_CPU_PROF=1`: the module's run is CPU-profiled (this thread) into `out/bench/profiles/<name>.cpuprofile`,
 * to open in Chrome DevTools (the forks vitest runs modules in end before `node --cpu-prof` could write one).
 */
async function profiled(name: string, run: () => Promise<Metrics>): Promise<Metrics> {
  if (!process.env.BENCH_CPU_PROF) return run()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await run()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    session.disconnect()
    fs.mkdirSync(path.join(ROOT, 'out/bench/profiles'), { recursive: true })
    fs.writeFileSync(path.join(ROOT, `out/bench/profiles/${partName(name)}.cpuprofile`), JSON.stringify(profile))
  }
}

/** The middle value (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

/** Rounded to one decimal. */
export function round(value: number): number {
  return Math.round(value * 10) / 10
}
