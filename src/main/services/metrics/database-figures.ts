/**
 * The figures of the metrics that live in the database (they are the same whichever host is scraped): sessions by
 * status and error code, tokens by status, valid tokens expiring within 24 h. One aggregated query per read, cached
 * for `cacheMs` and shared by concurrent scrapes, so a scrape costs the database one round trip at most.
 */
import { rowReader, sqliteDateTime, type Database } from '../../db'

export interface DatabaseFigures {
  /** Sessions per status and error code (`null`: none). */
  sessions: Array<{ status: string; errorCode: string | null; count: number }>
  tokens: Array<{ status: string; count: number }>
  /** Valid tokens whose access token expires within the next 24 h. */
  expiringWithin24h: number
}

const DAY_MS = 24 * 3_600_000

export async function readDatabaseFigures(db: Pick<Database, 'dataSource'>, now = new Date()): Promise<DatabaseFigures> {
  const rows = await rowReader(db.dataSource).all<{ kind: string; a: string | null; b: string | null; n: number | string }>(
    `SELECT 'session' AS kind, status AS a, error_code AS b, COUNT(*) AS n FROM authorization_sessions GROUP BY status, error_code
     UNION ALL
     SELECT 'token' AS kind, token_status AS a, NULL AS b, COUNT(*) AS n FROM authorization_sessions WHERE token_status IS NOT NULL GROUP BY token_status
     UNION ALL
     SELECT 'expiring' AS kind, NULL AS a, NULL AS b, COUNT(*) AS n FROM authorization_sessions
       WHERE status = 'completed' AND token_status = 'valid' AND access_token IS NOT NULL AND expires_at > ? AND expires_at <= ?`,
    [sqliteDateTime(now), sqliteDateTime(new Date(now.getTime() + DAY_MS))],
  )
  const figures: DatabaseFigures = { sessions: [], tokens: [], expiringWithin24h: 0 }
  for (const row of rows) {
    const count = Number(row.n)
    if (row.kind === 'session') figures.sessions.push({ status: row.a ?? 'unknown', errorCode: row.b, count })
    else if (row.kind === 'token') figures.tokens.push({ status: row.a ?? 'unknown', count })
    else figures.expiringWithin24h = count
  }
  return figures
}

export interface CachedFiguresOptions {
  read: () => Promise<DatabaseFigures>
  /** How long one read serves scrapes (default 1.5 s). */
  cacheMs?: number
  /** A read that takes longer is given up on; the scrape answers the last figures (default 1 s). */
  timeoutMs?: number
  now?: () => number
}

/** The last figures and whether they are current: a failed or slow read keeps the previous ones and says so. */
export interface FiguresAnswer {
  figures: DatabaseFigures | null
  fresh: boolean
}

export class CachedDatabaseFigures {
  private last: { figures: DatabaseFigures; at: number } | null = null
  /** The read under way: one at a time, also when scrapes stopped waiting for it (a database that does not answer). */
  private reading: Promise<DatabaseFigures | null> | null = null
  private readonly now: () => number

  constructor(private readonly options: CachedFiguresOptions) {
    this.now = options.now ?? Date.now
  }

  async get(): Promise<FiguresAnswer> {
    if (this.last && this.now() - this.last.at < (this.options.cacheMs ?? 1_500)) return { figures: this.last.figures, fresh: true }
    this.reading ??= this.options
      .read()
      .then((figures) => ((this.last = { figures, at: this.now() }), figures))
      .catch(() => null)
      .finally(() => (this.reading = null))
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.options.timeoutMs ?? 1_000)))
    const figures = await Promise.race([this.reading, late])
    clearTimeout(timer)
    return figures ? { figures, fresh: true } : { figures: this.last?.figures ?? null, fresh: false }
  }
}
