import { defineConfig } from 'vitest/config'

// `npm run bench`: one vitest "test" that runs every tests/bench/*.bench.ts module in turn.
export default defineConfig({
  test: {
    include: ['tests/bench/run-all.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    reporters: ['default'],
  },
})
