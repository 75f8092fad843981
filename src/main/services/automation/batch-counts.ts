/**
 * The batch bar's figures on SQLite (one host): each batch's sessions counted by status in the database, so the
 * bar shows what the Sessions page lists. PostgreSQL counts with the claims instead (`ClaimStore.counts`).
 */
import type { DataSource } from 'typeorm'
import { rowReader } from '../../db'
import type { BatchCounts } from './batch'

/** Batch ids per query (bound parameters). */
const CHUNK = 500

export async function readBatchCounts(dataSource: DataSource, batchIds: readonly string[]): Promise<Map<string, BatchCounts>> {
  const counts = new Map<string, BatchCounts>()
  for (const id of batchIds) counts.set(id, { sessions: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 })
  const rows = rowReader(dataSource)
  for (let start = 0; start < batchIds.length; start += CHUNK) {
    const chunk = batchIds.slice(start, start + CHUNK)
    const found = await rows.all<{ batch_id: string; status: string; n: number }>(
      `SELECT batch_id, status, COUNT(*) AS n FROM authorization_sessions WHERE batch_id IN (${chunk.map(() => '?').join(', ')}) GROUP BY batch_id, status`,
      chunk,
    )
    for (const row of found) {
      const c = counts.get(row.batch_id)!
      const n = Number(row.n)
      c.sessions += n
      if (row.status === 'pending') c.queued += n
      else if (row.status === 'in_progress') c.running += n
      else if (row.status === 'completed') c.succeeded += n
      else if (row.status === 'cancelled') c.cancelled += n
      else c.failed += n
    }
  }
  return counts
}
