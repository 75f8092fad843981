import { z } from 'zod'
import { event, request, returns } from './define'

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

/** The figures of the status bar, refreshed by the monitor worker. */
export interface MonitorSnapshot {
  at: string
  activeProfiles: number
  slotsInUse: number
  maxSlots: number
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
}

export const monitorEvents = {
  monitor: event<MonitorSnapshot>('latest'),
  /** A notable moment for an OS notification (desktop app) and a toast. */
  notice: event<{ id: string; level: 'info' | 'warn' | 'error'; title: string; body: string }>('append'),
}
