/**
 * Pushes the sessions other hosts change as the same patches a change made here pushes: every few hundred
 * milliseconds the ids announced since the last look are read back with the Sessions page's own SELECT and sent
 * whole on `sessions`, and their profiles' authorization cells (newest attempt, newest token, tokens per app) on `profiles`.
 * What a panel shows after that equals what a reload shows, whichever host did the work. This host's own changes
 * come back too: a harmless repeat of what it pushed already, read after it committed.
 */
import type { ProfilePatch, ProfileRow } from '../../../shared/contract/profiles'
import type { SessionRow } from '../../../shared/contract/sessions'
import type { Database } from '../../db'
import { SessionChanges } from '../../db/session-changes'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'
import { ProfileQueries } from '../gologin/profile-queries'

export interface SessionFollowerDeps {
  sessions: { byIds(ids: readonly string[]): Promise<SessionRow[]> }
  profiles: { byIds(ids: readonly string[]): Promise<ProfileRow[]> }
  events: Pick<EventHub, 'emit'>
  log: Logger
  /** How long announced ids gather before one read (default 250 ms). */
  windowMs?: number
}

/** Ids per read (bound parameters). */
const READ_CHUNK = 500

export class SessionFollower {
  private readonly waiting = new Set<string>()
  private timer: NodeJS.Timeout | null = null
  private reading: Promise<void> | null = null
  private closed = false
  private failing = false

  constructor(private readonly deps: SessionFollowerDeps) {}

  /** Sessions changed somewhere: read and pushed within the window (after the read in progress, if any). */
  changed(sessionIds: readonly string[]): void {
    if (this.closed) return
    for (const id of sessionIds) this.waiting.add(id)
    this.schedule()
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.reading
  }

  private schedule(): void {
    // Ids that arrive during a read wait for the next one: that read starts after their commit.
    if (this.timer || this.reading || this.waiting.size === 0) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.reading = this.push().finally(() => {
        this.reading = null
        if (!this.closed) this.schedule()
      })
    }, this.deps.windowMs ?? 250)
    this.timer.unref?.()
  }

  private async push(): Promise<void> {
    const ids = [...this.waiting]
    this.waiting.clear()
    try {
      const profileIds = new Set<string>()
      for (let start = 0; start < ids.length && !this.closed; start += READ_CHUNK) {
        for (const row of await this.deps.sessions.byIds(ids.slice(start, start + READ_CHUNK))) {
          this.deps.events.emit('sessions', row)
          profileIds.add(row.profileId)
        }
      }
      const profiles = [...profileIds]
      for (let start = 0; start < profiles.length && !this.closed; start += READ_CHUNK) {
        for (const row of await this.deps.profiles.byIds(profiles.slice(start, start + READ_CHUNK))) this.deps.events.emit('profiles', authorizationCells(row))
      }
      this.failing = false
    } catch (error) {
      // Read again at the next look (the database may be back by then); said once per outage.
      for (const id of ids) this.waiting.add(id)
      if (!this.failing) this.deps.log.warn('sessions.follow.read_failed', { err: error, sessions: ids.length }, 'Could not read sessions changed by other hosts; trying again')
      this.failing = true
      await new Promise((resolve) => setTimeout(resolve, 1_000).unref?.())
    }
  }
}

/** What a session changes of its profile's row in the grid (and the status bar's counts). */
function authorizationCells(row: ProfileRow): ProfilePatch {
  return {
    id: row.id,
    lastStatus: row.lastStatus,
    lastApiApp: row.lastApiApp,
    lastErrorCode: row.lastErrorCode,
    lastAttemptAt: row.lastAttemptAt,
    lastAuthorizedAt: row.lastAuthorizedAt,
    tokenExpiresAt: row.tokenExpiresAt,
    tokenStatus: row.tokenStatus,
    tokens: row.tokens,
  }
}

/**
 * PostgreSQL: follows every host's session changes (`SessionChanges`) and pushes them through `events`.
 * Answers the function that stops it.
 */
export async function followSessionChanges(deps: { db: Database; sessions: SessionFollowerDeps['sessions']; events: Pick<EventHub, 'emit'>; log: Logger }): Promise<() => Promise<void>> {
  const follower = new SessionFollower({ sessions: deps.sessions, profiles: new ProfileQueries(deps.db), events: deps.events, log: deps.log })
  const changes = new SessionChanges({ dataSource: deps.db.dataSource, onChanged: (ids) => follower.changed(ids), log: deps.log })
  await changes.start()
  return async () => {
    await changes.close()
    await follower.close()
  }
}
