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
  revoked: boolean
  refreshUsed: boolean
}

export interface StoredSession {
  profileId: string
  status: string
  accessToken: string | null
}

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
  return {
    issued: issued.length,
    revoked: issued.filter((t) => t.revoked).length,
    stored: stored.size,
    dropped: issued.filter((t) => !t.revoked && !stored.has(t.accessToken) && !t.refreshUsed).length,
    notNewest,
    storedDead,
  }
}

/** The batch's sessions with their tokens, read with the data key in `keyDir` (hosts stopped: SQLite is theirs while they run). */
export async function readStoredSessions(options: { keyDir: string; databaseUrl: string | null; batchId: string }): Promise<StoredSession[]> {
  const logs = new LogSystem({ dir: null, console: false, level: 'warn' })
  const log = logs.logger('soak')
  const db = await openDatabase({ dataDir: options.keyDir, keyStore: new FileKeyStore({ dir: options.keyDir, log }), log, databaseUrl: options.databaseUrl ?? undefined, poolSize: 2 })
  try {
    const rows = await db.dataSource.getRepository(AuthorizationSessionEntity).find({ where: { batchId: options.batchId } })
    return rows.map((row) => ({ profileId: row.profileId, status: row.status, accessToken: row.accessToken }))
  } finally {
    await db.close()
  }
}
