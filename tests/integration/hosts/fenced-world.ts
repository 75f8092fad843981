/**
 * What the fenced-work suites (issue 24) count with, all from the outside: the test's own connection to the
 * database, a fault proxy between one host and it, the sandbox X's approvals and token sets (stored or revoked,
 * never dropped), and due tokens seeded for refresh passes. Closed after each test.
 */
import pg from 'pg'
import { afterEach, expect } from 'vitest'
import { AuthorizationSessionEntity } from '../../../src/main/db'
import type { IssuedToken } from '../../../src/main/sandbox/x/state'
import { startFaultProxy, type FaultProxy } from '../../helpers/fault-proxy'
import { approveOverHttp } from '../../helpers/x-sandbox-consent'
import type { ClaimHost, ClaimWorld } from './claims-world'

export const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled']
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

export interface Row {
  session_id: string
  twitter_username: string
  status: string
  step: string | null
  claimed_by: string | null
  claims: number
  requeues: number
  leased: boolean
  lapsed: boolean
  error_code: string | null
  error_message: string | null
}

export interface Observer {
  rows(batchId: string): Promise<Row[]>
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>
}

/** The test's own view of the database (not through any host). */
export function observer(world: ClaimWorld): Observer {
  const pool = new pg.Pool({ connectionString: world.databaseUrl, max: 2 })
  cleanups.push(() => pool.end())
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await pool.query<T>(sql, params)).rows
  return {
    query,
    rows: (batchId) =>
      query<Row>(
        `SELECT session_id, twitter_username::text AS twitter_username, status, step, claimed_by, claims, requeues, lease_until IS NOT NULL AS leased,
            COALESCE(lease_until < clock_timestamp(), FALSE) AS lapsed, error_code, error_message
          FROM authorization_sessions WHERE batch_id = $1 ORDER BY id`,
        [batchId],
      ),
  }
}

/** A fault proxy in front of the world's PostgreSQL (closed after the test). */
export async function proxy(world: ClaimWorld): Promise<FaultProxy> {
  const port = Number(new URL(world.databaseUrl).port || 5432)
  const started = await startFaultProxy({ port })
  cleanups.push(() => started.close())
  return started
}

/** Every token set X issued is stored (its access token readable in the database) or revoked; none dropped. */
export async function assertNoTokenDropped(world: ClaimWorld, host: ClaimHost): Promise<{ stored: number; revoked: number }> {
  const rows = await host.core.db.dataSource.getRepository(AuthorizationSessionEntity).find({ select: { id: true, sessionId: true, accessToken: true } })
  const stored = new Set(rows.map((row) => row.accessToken).filter((token): token is string => !!token))
  let revoked = 0
  const dropped: IssuedToken[] = []
  for (const token of world.sandbox.issuedTokens()) {
    if (stored.has(token.accessToken)) continue
    if (token.revoked) revoked++
    else dropped.push(token)
  }
  expect(dropped.map((t) => `@${t.username} (${t.grant})`), 'token sets X issued that are neither stored nor revoked').toEqual([])
  return { stored: world.sandbox.issuedTokens().length - revoked, revoked }
}

/** X's approvals per account (lower-case username). */
export function approvals(world: ClaimWorld): Record<string, number> {
  return world.sandbox.x.stats().approvalsByAccount
}

/** `count` accounts authorized over HTTP and stored as completed sessions whose tokens expire in 5 minutes (due for refresh). */
export async function seedDueTokens(world: ClaimWorld, host: ClaimHost, count: number): Promise<void> {
  const app = await host.core.apiApps.get('SANDBOX1')
  const oauth = host.core.authorization.oauth
  const repo = host.core.db.dataSource.getRepository(AuthorizationSessionEntity)
  const soon = new Date(Date.now() + 5 * 60_000)
  for (let i = 0; i < count; i++) {
    const auth = oauth.createAuthorization(app)
    const code = (await approveOverHttp(world.sandbox.x, auth.url, `refresh${i}`)).get('code')!
    const tokens = await oauth.exchangeCode(app, code, auth.codeVerifier)
    await repo.save(repo.create({
      sessionId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      profileId: `refresh-profile-${i}`,
      twitterUsername: `refresh${i}`,
      apiApp: 'SANDBOX1',
      status: 'completed',
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiresAt: soon,
      tokenStatus: 'valid',
      scopes: tokens.scopes,
      completedAt: new Date(),
    }))
  }
}
