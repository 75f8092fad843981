/**
 * Keeps this host's claims alive, or stops their attempts before anyone else can take them (issue 24, row 1).
 *
 * Each claim has a local deadline: the send time of its last successful renewal + the lease − a margin. The lease
 * in the database was set at least that late by the server, so past the deadline another host may soon requeue and
 * claim the session: the attempt is stopped then (no approval, no code exchange; its profile is stopped by the
 * slots), whether renewals fail, hang behind a dead connection, or answer that the claim is gone. Renewals run on
 * their own timer, one at a time, never behind the runner's other queries; the deadline check does not wait for them.
 */
import { DomainException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import type { ClaimStore, HeldClaim } from './claims'

export interface LeaseKeeperOptions {
  store: Pick<ClaimStore, 'renew' | 'leaseMs'>
  log: Logger
  /** How often leases are renewed and deadlines checked (default min(1 s, lease/4)). */
  pollMs?: number
  /** How long before the lease runs out an attempt is stopped (default a quarter of the lease, at least 500 ms). */
  marginMs?: number
  /** Told first when an attempt loses its claim (its end is then not written: it goes back to the queue). */
  onLost?: (sessionId: string) => void
  /**
   * Attempts whose end this host is writing (SessionStore adds them): that write clears the lease, so a renewal that
   * no longer finds it is no lost claim, and their deadline no longer matters (the attempt is over). Emptied by `untrack`.
   */
  ending?: Set<string>
  now?: () => number
}

interface Held extends HeldClaim {
  /** Local time the last successful renewal (or the claim) was sent. */
  renewedAt: number
  controller: AbortController
}

/** Why an attempt was stopped: its claim could not be kept (it goes back to the queue, never ends here). */
export class LeaseLostException extends DomainException {
  constructor(message: string, sessionId: string) {
    super('INTERRUPTED', message, { details: { sessionId, reason: 'lease_lost' } })
  }
}

export class LeaseKeeper {
  private readonly held = new Map<string, Held>()
  private readonly now: () => number
  private readonly marginMs: number
  private timer: NodeJS.Timeout | null = null
  private renewing = false

  constructor(private readonly options: LeaseKeeperOptions) {
    this.now = options.now ?? Date.now
    const lease = options.store.leaseMs
    this.marginMs = options.marginMs ?? Math.max(500, Math.floor(lease / 4))
  }

  start(): void {
    const lease = this.options.store.leaseMs
    const pollMs = this.options.pollMs ?? Math.min(1_000, Math.max(50, Math.floor(lease / 4)))
    this.timer = setInterval(() => this.tick(), pollMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** A claim just taken (`claimedAt`: when the claim was sent): renewed from now on, its attempt stopped by `controller`. */
  track(claim: HeldClaim, controller: AbortController, claimedAt: number): void {
    this.held.set(claim.sessionId, { ...claim, renewedAt: claimedAt, controller })
  }

  untrack(sessionId: string): void {
    this.held.delete(sessionId)
    this.options.ending?.delete(sessionId)
  }

  /** The claims held now (for handing back what has stopped). */
  claims(): HeldClaim[] {
    return [...this.held.values()].map(({ sessionId, claim }) => ({ sessionId, claim }))
  }

  /** Local time past which the attempt must not go on (null: not held). */
  deadline(sessionId: string): number | null {
    const held = this.held.get(sessionId)
    return held ? held.renewedAt + this.options.store.leaseMs - this.marginMs : null
  }

  /** Checks the deadlines now, then renews unless a renewal is still under way. Public for tests. */
  tick(): void {
    this.checkDeadlines()
    if (!this.renewing && this.held.size) void this.renew()
  }

  private checkDeadlines(): void {
    const now = this.now()
    for (const held of this.held.values()) {
      if (held.controller.signal.aborted || this.options.ending?.has(held.sessionId)) continue
      if (now < held.renewedAt + this.options.store.leaseMs - this.marginMs) continue
      const seconds = Math.round((now - held.renewedAt) / 1_000)
      this.lose(held, `This host could not renew its claim for ${seconds} s (database unreachable?); it stopped the attempt before its lease ran out, and another host takes the account over.`)
    }
  }

  private async renew(): Promise<void> {
    this.renewing = true
    const sentAt = this.now()
    const sent = [...this.held.values()].filter((held) => !held.controller.signal.aborted && !this.options.ending?.has(held.sessionId))
    try {
      if (!sent.length) return
      const kept = await this.options.store.renew(sent.map(({ sessionId, claim }) => ({ sessionId, claim })))
      for (const held of sent) {
        if (this.held.get(held.sessionId) !== held) continue
        if (kept.has(held.sessionId)) held.renewedAt = Math.max(held.renewedAt, sentAt)
        // Its end written meanwhile (that write cleared the lease): nothing lost, nothing left to renew.
        else if (this.options.ending?.has(held.sessionId)) continue
        else this.lose(held, 'This host’s claim on the attempt lapsed; another host takes the account over.')
      }
    } catch (error) {
      this.options.log.warn('batch.lease_renew_failed', { claims: sent.length, err: error }, 'Could not renew this host’s claims; their attempts stop if this goes on')
    } finally {
      this.renewing = false
    }
    this.checkDeadlines()
  }

  private lose(held: Held, message: string): void {
    if (held.controller.signal.aborted) return
    this.options.log.warn('batch.lease_lost', { sessionId: held.sessionId, claim: held.claim }, message)
    this.options.onLost?.(held.sessionId)
    held.controller.abort(new LeaseLostException(message, held.sessionId))
  }
}
