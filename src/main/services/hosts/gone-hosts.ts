/**
 * Rows of hosts gone for good, removed by the hourly cleanup: a host silent for more than a week (a machine retired,
 * a data folder deleted) no longer clutters the Hosts page's history. A silent host that still holds a profile or a
 * claimed session keeps its row, so the operator can still see (and release) what it holds.
 */
import { sqliteDateTime, type Database } from '../../db'
import type { Logger } from '../../logging/logger'

export const GONE_HOST_DAYS = 7

export class GoneHosts {
  constructor(private readonly options: { db: Pick<Database, 'transaction'>; log: Logger; days?: number; now?: () => Date }) {}

  /** Deletes the rows of hosts silent past the limit that hold nothing; answers their ids. */
  async run(): Promise<string[]> {
    const days = this.options.days ?? GONE_HOST_DAYS
    const cutoff = sqliteDateTime(new Date((this.options.now?.() ?? new Date()).getTime() - days * 86_400_000))
    const rows: Array<{ host_id: string }> = await this.options.db.transaction((manager) =>
      manager.query(
        `DELETE FROM hosts WHERE heartbeat_at < ?
           AND NOT EXISTS (SELECT 1 FROM profiles p WHERE p.in_use = TRUE AND p.in_use_by = hosts.host_id)
           AND NOT EXISTS (SELECT 1 FROM authorization_sessions s WHERE s.claimed_by = hosts.host_id AND s.lease_until IS NOT NULL)
         RETURNING host_id`,
        [cutoff],
      ),
    )
    const removed = rows.map((row) => row.host_id)
    if (removed.length) this.options.log.info('cleanup.hosts_removed', { hosts: removed, days }, `${removed.length} host(s) silent for more than ${days} days removed from the Hosts list`)
    return removed
  }
}
