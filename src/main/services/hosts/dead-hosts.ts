/**
 * A dead host's work finishes elsewhere (issue 19, row 2). A host silent for longer than "host is dead after" is
 * declared dead by whichever live host looks first (every statement is conditional, so several hosts doing it at
 * once change nothing twice): its `hosts` row records `declared_dead_at`, and its profiles are released for the
 * other hosts — with the cloud launcher once GoLogin stopped their cloud browsers (`DELETE /browser/{id}/web`),
 * with the desktop launcher at once, with a warning that the browser may still be open on that machine. Its
 * claimed sessions come back through their leases (`ClaimStore.requeueExpired`, which keeps the consent-page grace).
 *
 * The operator's "Release this host's profiles" does the same for an offline host at once, and also puts its
 * claimed sessions back without waiting for their leases (the operator knows the machine is gone).
 *
 * Every release is fenced by `declared_dead_at`: the host's own heartbeat clears it, so a host that comes back in
 * the middle keeps what it still holds.
 */
import type pg from 'pg'
import PQueue from 'p-queue'
import { DomainException, GoLoginAPIException, ValidationException } from '../../../shared/errors'
import type { EventHub } from '../../ipc/event-hub'
import type { Logger } from '../../logging/logger'

/** "Host is dead after", in claim leases, unless `HOST_DEAD_AFTER_SECONDS` says otherwise. */
export const DEAD_AFTER_LEASES = 3

export interface DeadHostsOptions {
  pool: pg.Pool
  hostId: string
  /** Silent this long: declared dead by the live hosts. */
  deadAfterMs: number
  /** Silent this long: offline (the Hosts page's threshold); only an offline host can be released by hand. */
  offlineMs: number
  /** Stops a profile's cloud browser through GoLogin's API; a profile GoLogin does not know (404) is stopped. */
  stopCloudBrowser(profileId: string, options: { signal: AbortSignal }): Promise<void>
  events: Pick<EventHub, 'emit'>
  log: Logger
  /** Per cloud stop (default 15 s). */
  stopTimeoutMs?: number
}

/** What declaring a host dead (or releasing it by hand) did. */
export interface HostRelease {
  hostId: string
  launcher: string | null
  /** Profiles freed for the other hosts. */
  released: string[]
  /** Cloud profiles GoLogin did not confirm stopped: still held, tried again at the next look. */
  notStopped: string[]
  /** Claimed sessions put back in the queue (the release action only; a declaration leaves that to the leases). */
  requeued: number
  message: string
}

const RELEASED_BY_HAND = 'Host {host} was released by the operator; the attempt went back to the queue.'

export class DeadHosts {
  private sweeping: Promise<void> | null = null

  constructor(private readonly options: DeadHostsOptions) {}

  /** One look for dead hosts (the batch runner's tick calls it without waiting; a look under way is not doubled). */
  sweep(): Promise<void> {
    this.sweeping ??= this.runSweep()
      .catch((error: unknown) => this.options.log.warn('hosts.dead_sweep_failed', { err: error }, 'Could not look for dead hosts; trying again shortly'))
      .finally(() => (this.sweeping = null))
    return this.sweeping
  }

  /** Settles the look under way (shutdown). */
  async settle(): Promise<void> {
    await this.sweeping
  }

  /** "Release this host's profiles": an offline host's profiles and claimed sessions freed at once. */
  async release(hostId: string): Promise<HostRelease> {
    if (hostId === this.options.hostId) throw new ValidationException('This is the host this panel runs on: it releases its own profiles when it stops.', { hostId })
    const result = await this.declare(hostId, this.options.offlineMs, true)
    if (result) return result
    const { rows } = await this.options.pool.query<{ host_id: string }>(`SELECT host_id FROM hosts WHERE host_id = $1`, [hostId])
    if (!rows.length) throw new DomainException('NOT_FOUND', `No host ${hostId} in this database.`, { details: { hostId } })
    throw new DomainException('CONFLICT', `Host ${hostId} is online (its heartbeat is recent): stop it there, or wait until it is offline.`, { details: { hostId } })
  }

  private async runSweep(): Promise<void> {
    // Not declared yet, or declared with profiles still held (a cloud stop failed, or the declaring host died midway).
    const { rows } = await this.options.pool.query<{ host_id: string }>(
      `SELECT host_id FROM hosts WHERE host_id <> $1 AND heartbeat_at < clock_timestamp() - $2 * interval '1 millisecond'
          AND (declared_dead_at IS NULL OR EXISTS (SELECT 1 FROM profiles p WHERE p.in_use = TRUE AND p.in_use_by = hosts.host_id))`,
      [this.options.hostId, this.options.deadAfterMs],
    )
    for (const row of rows) await this.declare(row.host_id, this.options.deadAfterMs, false)
  }

  /** Declares the host dead if it has been silent for `silentMs`, then frees what it holds; null when it has not. */
  private async declare(hostId: string, silentMs: number, byHand: boolean): Promise<HostRelease | null> {
    const { pool, log } = this.options
    const declared = await pool.query<{ launcher: string | null; first: boolean }>(
      `UPDATE hosts SET declared_dead_at = COALESCE(declared_dead_at, clock_timestamp())
        WHERE host_id = $1 AND heartbeat_at < clock_timestamp() - $2 * interval '1 millisecond'
        RETURNING launcher, (released_profiles = 0) AS first`,
      [hostId, silentMs],
    )
    if (!declared.rows.length) return null
    const launcher = declared.rows[0].launcher
    const requeued = byHand ? await this.requeueClaims(hostId) : 0
    const held = (
      await pool.query<{ profile_id: string }>(`SELECT profile_id FROM profiles WHERE in_use = TRUE AND in_use_by = $1 ORDER BY profile_id`, [hostId])
    ).rows.map((row) => row.profile_id)
    const { stopped, notStopped } = launcher === 'cloud' ? await this.stopCloud(held) : { stopped: held, notStopped: [] }
    const released = await this.releaseProfiles(hostId, stopped)
    const message = releaseMessage(hostId, launcher, released.length, notStopped.length, byHand)
    if (released.length || notStopped.length || requeued || byHand) {
      const level = notStopped.length || (released.length && launcher !== 'cloud') ? 'warn' : 'info'
      log[level]('hosts.declared_dead', { hostId, launcher, released, notStopped, requeued, byHand }, message)
      if (released.length || notStopped.length) this.options.events.emit('notice', { id: `host-dead-${hostId}`, level, title: `Host ${hostId} is offline`, body: message, alert: { kind: 'host_offline', key: `host-offline:${hostId}` } })
    } else if (declared.rows[0].first) {
      log.info('hosts.declared_dead', { hostId, launcher, byHand }, `Host ${hostId} declared dead: silent for ${Math.round(silentMs / 1000)} s; it held no profiles`)
    }
    return { hostId, launcher, released, notStopped, requeued, message }
  }

  /** The host's claimed sessions back to the queue, history kept, while it is still declared dead. */
  private async requeueClaims(hostId: string): Promise<number> {
    const reason = RELEASED_BY_HAND.replace('{host}', hostId)
    const { rows } = await this.options.pool.query<{ session_id: string }>(
      `UPDATE authorization_sessions SET status = 'pending', step = NULL, lease_until = NULL, requeues = requeues + 1, error_code = 'INTERRUPTED', error_message = $2
        WHERE claimed_by = $1 AND lease_until IS NOT NULL AND status IN ('pending', 'in_progress')
          AND EXISTS (SELECT 1 FROM hosts h WHERE h.host_id = $1 AND h.declared_dead_at IS NOT NULL)
        RETURNING session_id`,
      [hostId, reason],
    )
    for (const row of rows) this.options.events.emit('sessions', { id: row.session_id, status: 'pending', step: null, errorCode: 'INTERRUPTED', errorMessage: reason })
    return rows.length
  }

  /** Clears the host's flags on these profiles while it is still declared dead, and counts them on its row. */
  private async releaseProfiles(hostId: string, profileIds: readonly string[]): Promise<string[]> {
    if (!profileIds.length) return []
    const { rows } = await this.options.pool.query<{ profile_id: string }>(
      `UPDATE profiles SET in_use = FALSE, in_use_by = NULL
        WHERE in_use = TRUE AND in_use_by = $1 AND profile_id = ANY($2::text[])
          AND EXISTS (SELECT 1 FROM hosts h WHERE h.host_id = $1 AND h.declared_dead_at IS NOT NULL)
        RETURNING profile_id`,
      [hostId, profileIds],
    )
    const released = rows.map((row) => row.profile_id)
    if (released.length) {
      await this.options.pool.query(`UPDATE hosts SET released_profiles = released_profiles + $2 WHERE host_id = $1 AND declared_dead_at IS NOT NULL`, [hostId, released.length])
      for (const profileId of released) this.options.events.emit('profiles', { id: profileId, inUse: false })
    }
    return released
  }

  /** Stops the cloud browsers; one GoLogin does not confirm stopped stays held (its browser may still run). */
  private async stopCloud(profileIds: readonly string[]): Promise<{ stopped: string[]; notStopped: string[] }> {
    const stopped: string[] = []
    const notStopped: string[] = []
    const queue = new PQueue({ concurrency: 4 })
    for (const profileId of profileIds) {
      void queue.add(async () => {
        try {
          await this.options.stopCloudBrowser(profileId, { signal: AbortSignal.timeout(this.options.stopTimeoutMs ?? 15_000) })
          stopped.push(profileId)
        } catch (error) {
          if (error instanceof GoLoginAPIException && error.statusCode === 404) return void stopped.push(profileId)
          notStopped.push(profileId)
          this.options.log.warn('hosts.dead_profile_not_stopped', { profileId, err: error }, `Could not stop profile ${profileId} of a dead host in GoLogin's cloud; it stays held and is tried again`)
        }
      })
    }
    await queue.onIdle()
    return { stopped, notStopped }
  }
}

function releaseMessage(hostId: string, launcher: string | null, released: number, notStopped: number, byHand: boolean): string {
  const who = byHand ? `Host ${hostId} released by the operator` : `Host ${hostId} declared dead (silent too long)`
  const parts = [`${who}: ${released} profile(s) released for the other hosts`]
  if (released && launcher === 'cloud') parts.push('their cloud browsers were stopped in GoLogin')
  else if (released) parts.push(`they may still be open in the GoLogin app on that machine`)
  if (notStopped) parts.push(`${notStopped} cloud profile(s) could not be stopped and stay held (tried again shortly)`)
  return parts.join('; ')
}
