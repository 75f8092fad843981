import type { MonitorSnapshot, UnstoppedProfile, WorkerStatusDto } from '../../shared/contract/monitor'
import type { SlotEntryView } from '../services/gologin/profile-slots'
import type { Database } from '../db'
import type { EventHub } from '../ipc/event-hub'
import type { Logger } from '../logging/logger'
import { ALERT_TITLES, alertOfNotice, evaluateAlerts } from './alerts'
import { failureRate, readSessionFigures } from './monitor-figures'
import type { GoLoginTokenState } from './profile-sync-worker'
import { Worker } from './worker'

/** What the monitor reads from the profile slots (`ProfileSlots` fits). */
export interface SlotReadings {
  figures(): { slotsInUse: number; maxConcurrent: number }
  running(): string[]
  list(): SlotEntryView[]
}

export interface MonitorWorkerOptions {
  db: Pick<Database, 'dataSource'>
  slots: SlotReadings
  gologin: GoLoginTokenState
  /** Status of every worker (this one included), for the snapshot. */
  workers: () => WorkerStatusDto[]
  /** `monitorIntervalSeconds` (default 60). */
  intervalSeconds: () => number
  thresholds: () => { failureRatePercent: number; failuresPerHour: number }
  events: Pick<EventHub, 'emit'>
  log: Logger
  /** Names this host in the alert of profiles it could not stop. */
  hostId?: string
}

/** Session changes of one moment are gathered this long (ms) before the figures are counted again. */
const REFRESH_WINDOW_MS = 250

/**
 * Each minute: the status bar's figures (`monitor` event) and alerts when a threshold is crossed. An
 * alert raises a `notice` (toast, OS notification in the desktop app) when it starts, not every minute
 * it lasts. Slot changes push a cheap refresh so the status bar's `n/10` is live between runs; a session
 * that changes status has the figures counted again within REFRESH_WINDOW_MS (`sessionsChanged`), and
 * an attempt leaving the last hour drops out of Failed/h when it does, so the bar agrees with the database.
 */
export class MonitorWorker extends Worker {
  private last: MonitorSnapshot | null = null
  private activeAlerts = new Set<string>()
  private following = false
  private refreshTimer: NodeJS.Timeout | null = null
  private refreshing: Promise<void> | null = null
  private refreshAgain = false
  private expiryTimer: NodeJS.Timeout | null = null
  /** Profiles already reported as not stopped (a notice names each once, while it stays so). */
  private reportedUnstopped = new Set<string>()

  constructor(private readonly deps: MonitorWorkerOptions) {
    super({
      name: 'monitor',
      intervalMs: () => deps.intervalSeconds() * 1_000,
      runOnStart: true,
      minBackoffMs: 10_000,
      log: deps.log,
    })
  }

  override start(): void {
    this.following = true
    super.start()
  }

  override async stop(): Promise<void> {
    this.following = false
    if (this.refreshTimer) clearTimeout(this.refreshTimer)
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.refreshTimer = this.expiryTimer = null
    await this.refreshing
    await super.stop()
  }

  /** Sessions changed status (here or on another host): the figures are counted again and pushed shortly. */
  sessionsChanged(): void {
    if (!this.following) return
    if (this.refreshing) {
      this.refreshAgain = true
      return
    }
    if (this.refreshTimer) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null
      this.refreshing = this.runOnce()
        .catch((error: unknown) => this.deps.log.warn('monitor.refresh_failed', { err: error }, 'Could not count the monitor figures; the next change or run tries again'))
        .finally(() => {
          this.refreshing = null
          if (this.refreshAgain) {
            this.refreshAgain = false
            this.sessionsChanged()
          }
        })
    }, REFRESH_WINDOW_MS)
    this.refreshTimer.unref()
  }

  /** Fresh figures (database + live slots); no notices. */
  async snapshot(): Promise<MonitorSnapshot> {
    const { deps } = this
    const figures = await readSessionFigures(deps.db)
    this.followExpiry(figures.nextExpiryAt)
    const workers = deps.workers()
    const thresholds = deps.thresholds()
    const failureRatePercent = failureRate(figures.failuresLastHour, figures.finishedLastHour)
    const alerts = evaluateAlerts({
      ...figures,
      failureRatePercent,
      gologinTokenRevoked: deps.gologin.status().tokenRevoked,
      workers,
      maxFailureRatePercent: thresholds.failureRatePercent,
      maxFailuresPerHour: thresholds.failuresPerHour,
    })
    const snapshot: MonitorSnapshot = {
      ...this.live(),
      pendingSessions: figures.pendingSessions,
      runningSessions: figures.runningSessions,
      failuresLastHour: figures.failuresLastHour,
      failureRatePercent,
      tokensExpiringNextHour: figures.tokensExpiringNextHour,
      alerts: alerts.map((entry) => entry.alert),
      workers,
    }
    this.raiseNotices(alerts)
    this.raiseUnstopped(snapshot.unstoppedProfiles)
    this.last = snapshot
    return snapshot
  }

  /** The last figures with live slot and worker readings, pushed to the renderer (cheap: no queries). */
  pushLive(): void {
    if (!this.last) return
    this.last = { ...this.last, ...this.live(), workers: this.deps.workers() }
    this.deps.events.emit('monitor', this.last)
  }

  protected async runOnce(): Promise<void> {
    this.deps.events.emit('monitor', await this.snapshot())
  }

  /** Counts again when the oldest attempt of the last hour leaves it (Failed/h drops then, not at the next run). */
  private followExpiry(at: Date | null): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer)
    this.expiryTimer = null
    if (!at || !this.following) return
    // At most a day ahead (timers); the minute run counts again long before that anyway.
    const delay = Math.min(Math.max(0, at.getTime() - Date.now()) + 50, 86_400_000)
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null
      this.sessionsChanged()
    }, delay)
    this.expiryTimer.unref()
  }

  private live() {
    const slots = this.deps.slots.figures()
    const unstoppedProfiles: UnstoppedProfile[] = this.deps.slots
      .list()
      .filter((entry) => entry.phase === 'stop_failed')
      .map(({ profileId, stopAttempts, lastStopError, nextStopAt }) => ({ profileId, stopAttempts, lastStopError, nextStopAt }))
    return { at: new Date().toISOString(), activeProfiles: this.deps.slots.running().length, slotsInUse: slots.slotsInUse, maxSlots: slots.maxConcurrent, unstoppedProfiles }
  }

  /** A notice per alert that was not active at the previous evaluation. */
  private raiseNotices(alerts: ReturnType<typeof evaluateAlerts>): void {
    const now = new Set(alerts.map((entry) => entry.key))
    for (const { key, alert } of alerts) {
      if (this.activeAlerts.has(key)) continue
      this.deps.log.warn('monitor.alert', { code: alert.code, level: alert.level }, alert.message)
      // The GoLogin runtime already raised its own notice the moment the token was revoked.
      if (alert.code === 'GOLOGIN_TOKEN_REVOKED') continue
      const webhook = alertOfNotice(key, alert)
      this.deps.events.emit('notice', { id: `alert-${key}-${Date.now()}`, level: alert.level, title: ALERT_TITLES[alert.code], body: alert.message, ...(webhook ? { alert: webhook } : {}) })
    }
    for (const key of this.activeAlerts) if (!now.has(key)) this.deps.log.info('monitor.alert_cleared', { key })
    this.activeAlerts = now
  }

  /** A notice naming the profiles GoLogin has not confirmed stopped since the last run. */
  private raiseUnstopped(unstopped: UnstoppedProfile[]): void {
    const ids = new Set(unstopped.map((entry) => entry.profileId))
    const fresh = [...ids].filter((id) => !this.reportedUnstopped.has(id)).sort()
    this.reportedUnstopped = ids
    if (!fresh.length) return
    const host = this.deps.hostId ? ` on host ${this.deps.hostId}` : ''
    const shown = fresh.slice(0, 10).join(', ') + (fresh.length > 10 ? ` and ${fresh.length - 10} more` : '')
    this.deps.events.emit('notice', {
      id: `profiles-not-stopped-${Date.now()}`,
      level: 'warn',
      title: 'Profiles not stopped',
      body: `GoLogin has not confirmed that ${fresh.length} profile${fresh.length === 1 ? '' : 's'}${host} stopped (${shown}); the panel keeps trying. Stop ${fresh.length === 1 ? 'it' : 'them'} in GoLogin if this lasts.`,
      alert: { kind: 'profiles_not_stopped', key: `profiles-not-stopped:${this.deps.hostId ?? 'this-host'}:${fresh.join(',')}` },
    })
  }
}
