import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config'

// `npm run bench`: every tests/bench/<name>.bench.ts in its own process, one at a time (figures must not
// share a machine with each other), first on SQLite, then the modules that measure a database
// (`ON_BOTH_DATABASES`) again on PostgreSQL (tests/bench/database.ts), so one results file holds both side by side.
// `BENCH=name1,name2` runs only those; `BENCH_DATABASE=sqlite|postgres` only that database's pass.
const only = process.env.BENCH?.split(',').map((name) => name.trim()).filter(Boolean)
const ON_BOTH_DATABASES = ['csv', 'db', 'gologin', 'rest-api']
const databases = process.env.BENCH_DATABASE ? [process.env.BENCH_DATABASE] : ['sqlite', 'postgres']
const files = (names: string[] | undefined) => (names ? names.map((name) => `tests/bench/${name}.bench.ts`) : ['tests/bench/*.bench.ts'])

const projects: TestProjectInlineConfiguration[] = []
if (databases.includes('sqlite')) {
  projects.push({ extends: true, test: { name: 'sqlite', include: files(only), env: { BENCH_DATABASE: 'sqlite' }, sequence: { groupOrder: 0 } } })
}
const onPostgres = (only ?? ON_BOTH_DATABASES).filter((name) => ON_BOTH_DATABASES.includes(name))
if (databases.includes('postgres') && onPostgres.length) {
  projects.push({ extends: true, test: { name: 'postgres', include: files(onPostgres), env: { BENCH_DATABASE: 'postgres' }, sequence: { groupOrder: 1 } } })
}

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    isolate: true,
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 30 * 60_000,
    hookTimeout: 5 * 60_000,
    globalSetup: ['tests/bench/report.ts'],
    reporters: ['default'],
    projects,
  },
})
