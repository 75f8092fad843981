/**
 * The postgres project's setup: the server must answer (a clear failure otherwise, never a skip), each run
 * names its databases with a prefix of its own, and whatever a crashed test process left is dropped at the end.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

const ADMIN_URL = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test'

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    await withAdmin((client) => client.query('SELECT 1'))
  } catch (error) {
    throw new Error(
      `The postgres test project needs a PostgreSQL server at ${ADMIN_URL.replace(/:[^:@/]*@/, ':***@')} (set TEST_POSTGRES_URL to use another): ${(error as Error).message}. ` +
        `.ci/run starts Debian's (pg_ctlcluster <version> main start) or installs it; or run only SQLite with: npx vitest run --project sqlite`,
      { cause: error },
    )
  }
  const prefix = `panel_t_${randomBytes(4).toString('hex')}`
  project.provide('postgresPrefix', prefix)
  return async () => {
    await withAdmin(async (client) => {
      const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`${prefix}\\_%`])
      for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
    })
  }
}
