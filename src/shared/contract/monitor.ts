import { z } from 'zod'
import { event, request, returns } from './define'
import type { NoticeAlert } from './alerts'

export interface WorkerStatusDto {
  name: string
  running: boolean
  /** An iteration is executing right now. */
  busy: boolean
  intervalMs: number
  lastRunAt: string | null
  lastDurationMs: number | null
  nextRunAt: string | null
  lastError: string | null
  consecutiveFailures: number
}

export interface MonitorAlert {
  code: 'FAILURE_RATE' | 'FAILURES_PER_HOUR' | 'TOKENS_EXPIRING' | 'GOLOGIN_TOKEN_REVOKED' | 'WORKER_FAILING'
  level: 'warn' | 'error'
  message: string
}

/** A profile whose stop GoLogin has not confirmed: it keeps its slot and is stopped again with back-off. */
export interface UnstoppedProfile {
  profileId: string
  /** Stop attempts so far (each failed). */
  stopAttempts: number
  lastStopError: string | null
  nextStopAt: string | null
}

/** The figures of the status bar, refreshed by the monitor worker. */
export interface MonitorSnapshot {
  at: string
  activeProfiles: number
  slotsInUse: number
  maxSlots: number
  /** Profiles whose stop failed at least once and is not confirmed yet. */
  unstoppedProfiles: UnstoppedProfile[]
  pendingSessions: number
  runningSessions: number
  failuresLastHour: number
  /** Failed share of the attempts finished in the last hour, 0–100. */
  failureRatePercent: number
  tokensExpiringNextHour: number
  alerts: MonitorAlert[]
  workers: WorkerStatusDto[]
}

export const monitorContract = {
  'monitor:get': request(z.undefined().or(z.object({}).strict()), returns<MonitorSnapshot>()),
  'workers:runNow': request(z.object({ name: z.enum(['sync', 'cleanup', 'monitor', 'token-refresh']) }).strict(), returns<WorkerStatusDto>()),
  /**
   * Gives up on a profile whose stop GoLogin never confirmed: its slot, in-use flag and journal line are
   * released (its browser may still run; stop it in GoLogin by hand).
   */
  'slots:giveUp': request(z.object({ profileId: z.string().min(1).max(100) }).strict(), returns<{ profileId: string; givenUp: true }>()),
}

export const monitorEvents = {
  monitor: event<MonitorSnapshot>('latest'),
  /** A notable moment for an OS notification (desktop app), a toast and, when it carries `alert`, the webhook targets. */
  notice: event<{ id: string; level: 'info' | 'warn' | 'error'; title: string; body: string; alert?: NoticeAlert }>('append'),
}
