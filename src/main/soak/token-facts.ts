/**
 * Token sets the X sandbox issued (its own records) against what the hosts stored: none dropped (every issued set
 * revoked, stored, or rotated by a refresh of its own), and per account the stored set the newest X issued.
 * Also reads the stored sessions (tokens decrypted with the run's data key) once the hosts are stopped.
 */
import { FileKeyStore } from '../security/file-key-store'
import { AuthorizationSessionEntity, openDatabase } from '../db'
import { LogSystem } from '../logging/logger'
import type { TokenFacts } from './report'

export interface IssuedSet {
  accessToken: string
  clientId: string
  username: string
  issuedAt: Date
  revoked: boolean
  refreshUsed: boolean
}

export interface StoredSession {
  profileId: string
  username: string | null
  status: string
  errorCode: string | null
  errorMessage: string | null
  requeues: number
  accessToken: string | null
}

/** At most this many examples of each kind go in the report. */
const EXAMPLES = 20

export function tokenFacts(issued: readonly IssuedSet[], sessions: readonly StoredSession[]): TokenFacts {
  const stored = new Set(sessions.flatMap((s) => (s.accessToken ? [s.accessToken] : [])))
  const byAccess = new Map(issued.map((t) => [t.accessToken, t]))
  const account = (t: IssuedSet) => `${t.username.toLowerCase()}|${t.clientId}`
  // Issued in order: the last one per account is its newest.
  const newest = new Map<string, string>()
  for (const t of issued) newest.set(account(t), t.accessToken)
  const storedByAccount = new Map<string, Set<string>>()
  let storedDead = 0
  for (const token of stored) {
    const found = byAccess.get(token)
    if (!found || found.revoked) {
      storedDead++
      continue
    }
    const key = account(found)
    storedByAccount.set(key, (storedByAccount.get(key) ?? new Set()).add(token))
  }
  let notNewest = 0
  for (const [key, tokens] of storedByAccount) if (!tokens.has(newest.get(key)!)) notNewest++
  const dropped = issued.filter((t) => !t.revoked && !stored.has(t.accessToken) && !t.refreshUsed)
  return {
    issued: issued.length,
    revoked: issued.filter((t) => t.revoked).length,
    stored: stored.size,
    dropped: dropped.length,
    notNewest,
    storedDead,
    droppedExamples: dropped.slice(0, EXAMPLES).map((t) => `@${t.username} (${t.clientId}) issued ${t.issuedAt.toISOString()}`),
    droppedIssuedAt: dropped.slice(0, 1_000).map((t) => t.issuedAt.toISOString()),
  }
}

/** The batch's sessions with their tokens, read with the data key in `keyDir` (hosts stopped: SQLite is theirs while they run). */
export async function readStoredSessions(options: { keyDir: string; databaseUrl: string | null; batchId: string }): Promise<StoredSession[]> {
  const logs = new LogSystem({ dir: null, console: false, level: 'warn' })
  const log = logs.logger('soak')
  const db = await openDatabase({ dataDir: options.keyDir, keyStore: new FileKeyStore({ dir: options.keyDir, log }), log, databaseUrl: options.databaseUrl ?? undefined, poolSize: 2 })
  try {
    const rows = await db.dataSource.getRepository(AuthorizationSessionEntity).find({ where: { batchId: options.batchId } })
    // Requeues are not an entity field: read beside the rows.
    const requeues = new Map<string, number>(
      ((await db.dataSource.query(`SELECT session_id, requeues FROM authorization_sessions WHERE batch_id = ${db.kind === 'postgres' ? '$1' : '?'}`, [options.batchId])) as Array<{ session_id: string; requeues: number }>).map(
        (row) => [row.session_id, Number(row.requeues)],
      ),
    )
    return rows.map((row) => ({
      profileId: row.profileId,
      username: row.twitterUsername,
      status: row.status,
      errorCode: row.errorCode,
      errorMessage: row.errorMessage,
      requeues: requeues.get(row.sessionId) ?? 0,
      accessToken: row.accessToken,
    }))
  } finally {
    await db.close()
  }
}
