/** Monitor thresholds → alerts (pure, so the rules are easy to test and to read). */
import type { NoticeAlert } from '../../shared/contract/alerts'
import type { MonitorAlert, WorkerStatusDto } from '../../shared/contract/monitor'

export interface AlertInputs {
  failuresLastHour: number
  finishedLastHour: number
  failureRatePercent: number
  unrefreshableExpiringNextHour: number
  gologinTokenRevoked: boolean
  workers: WorkerStatusDto[]
  /** `alertFailureRatePercent` */
  maxFailureRatePercent: number
  /** `alertFailuresPerHour` */
  maxFailuresPerHour: number
}

/** A rate over fewer attempts than this says little (1 failure of 2 is not "50 % failing"). */
export const MIN_ATTEMPTS_FOR_RATE = 10
/** A worker is reported once it failed this many times in a row. */
export const WORKER_FAILURES_TO_ALERT = 3

const WORKER_LABELS: Record<string, string> = { sync: 'Profile sync', cleanup: 'Cleanup', monitor: 'Monitor', 'token-refresh': 'Token refresh' }

/** An alert and its identity: a notice is raised when a key appears, not every minute it lasts. */
export interface KeyedAlert {
  key: string
  alert: MonitorAlert
}

export function evaluateAlerts(input: AlertInputs): KeyedAlert[] {
  const alerts: MonitorAlert[] = []
  const keys: string[] = []
  if (input.finishedLastHour >= MIN_ATTEMPTS_FOR_RATE && input.failureRatePercent > input.maxFailureRatePercent) {
    alerts.push({
      code: 'FAILURE_RATE',
      level: 'warn',
      message: `${input.failureRatePercent}% of the authorizations in the last hour failed (alert above ${input.maxFailureRatePercent}%).`,
    })
  }
  if (input.failuresLastHour > input.maxFailuresPerHour) {
    alerts.push({
      code: 'FAILURES_PER_HOUR',
      level: 'error',
      message: `${input.failuresLastHour} authorizations failed in the last hour (alert above ${input.maxFailuresPerHour}).`,
    })
  }
  if (input.unrefreshableExpiringNextHour > 0) {
    const n = input.unrefreshableExpiringNextHour
    alerts.push({
      code: 'TOKENS_EXPIRING',
      level: 'warn',
      message: `${n} token${n === 1 ? '' : 's'} expire${n === 1 ? 's' : ''} within the hour without a refresh token (the API app lacks offline.access): authorize ${n === 1 ? 'that account' : 'those accounts'} again.`,
    })
  }
  if (input.gologinTokenRevoked) {
    alerts.push({ code: 'GOLOGIN_TOKEN_REVOKED', level: 'error', message: 'GoLogin rejected the API token: issue a new token in GoLogin and enter it in Settings.' })
  }
  for (const alert of alerts) keys.push(alert.code)
  for (const worker of input.workers) {
    if (worker.consecutiveFailures < WORKER_FAILURES_TO_ALERT) continue
    keys.push(`WORKER_FAILING:${worker.name}`)
    alerts.push({
      code: 'WORKER_FAILING',
      level: 'warn',
      message: `${WORKER_LABELS[worker.name] ?? worker.name} failed ${worker.consecutiveFailures} times in a row: ${worker.lastError ?? 'unknown error'}`,
    })
  }
  return alerts.map((alert, i) => ({ key: keys[i], alert }))
}

export const ALERT_TITLES: Record<MonitorAlert['code'], string> = {
  FAILURE_RATE: 'High failure rate',
  FAILURES_PER_HOUR: 'Many failed authorizations',
  TOKENS_EXPIRING: 'Tokens about to expire',
  GOLOGIN_TOKEN_REVOKED: 'GoLogin token revoked',
  WORKER_FAILING: 'Background task failing',
}

/** The webhook alert a monitor alert raises (its key is the fleet's: every host's monitor reads the same figures), if any. */
export function alertOfNotice(key: string, alert: MonitorAlert): NoticeAlert | null {
  switch (alert.code) {
    case 'FAILURE_RATE':
    case 'FAILURES_PER_HOUR':
      return { kind: 'failure_rate', key }
    case 'TOKENS_EXPIRING':
      return { kind: 'tokens_failing_refresh', key }
    case 'WORKER_FAILING':
      return key === 'WORKER_FAILING:token-refresh' ? { kind: 'tokens_failing_refresh', key } : null
    default:
      return null
  }
}
