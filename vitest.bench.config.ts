import { defineConfig } from 'vitest/config'

// `npm run bench`: every tests/bench/<name>.bench.ts in its own process, one at a time (figures must not
// share a machine with each other); `BENCH=name1,name2` runs only those.
const only = process.env.BENCH?.split(',').map((name) => name.trim()).filter(Boolean)

export default defineConfig({
  test: {
    include: only?.length ? only.map((name) => `tests/bench/${name}.bench.ts`) : ['tests/bench/*.bench.ts'],
    environment: 'node',
    pool: 'forks',
    isolate: true,
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    globalSetup: ['tests/bench/report.ts'],
    reporters: ['default'],
  },
})
