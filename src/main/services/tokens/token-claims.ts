/**
 * One host per token (issue 24, row 4): on a shared database a token due for refresh, or kept unverified, is
 * claimed before X is called — `refresh_claimed_by` and a lease set in one conditional UPDATE, so of two hosts'
 * passes over the same rows only one sends a refresh token (X voids it on first use; the second would be refused
 * and mark fresh tokens expired). The lease outlives a refresh and its store retries; a host that dies holding it
 * leaves the row to the others after it. SQLite serves one host: every claim is granted.
 */
import type { DataSource } from 'typeorm'
import { databaseKind } from '../../db/dialect'

/** Long enough for X's answer plus the store's retries of the rotated tokens (90 s). */
export const TOKEN_CLAIM_LEASE_MS = 5 * 60_000

export class TokenClaims {
  private readonly shared: boolean

  constructor(
    private readonly dataSource: DataSource,
    private readonly hostId: string,
    private readonly leaseMs = TOKEN_CLAIM_LEASE_MS,
  ) {
    this.shared = databaseKind(dataSource) === 'postgres'
  }

  /** Takes the row for this host; false when another host holds it right now. */
  async take(id: number): Promise<boolean> {
    if (!this.shared) return true
    const rows = (await this.dataSource.query(
      `UPDATE authorization_sessions SET refresh_claimed_by = ?, refresh_lease_until = clock_timestamp() + ? * interval '1 millisecond'
        WHERE id = ? AND (refresh_lease_until IS NULL OR refresh_lease_until < clock_timestamp() OR refresh_claimed_by = ?) RETURNING id`,
      [this.hostId, this.leaseMs, id, this.hostId],
    )) as unknown[]
    return rows.length > 0
  }

  /** Gives the row back (best effort: an unreleased claim lapses with its lease). */
  async release(id: number): Promise<void> {
    if (!this.shared) return
    await this.dataSource
      .query(`UPDATE authorization_sessions SET refresh_claimed_by = NULL, refresh_lease_until = NULL WHERE id = ? AND refresh_claimed_by = ?`, [id, this.hostId])
      .catch(() => undefined)
  }
}
