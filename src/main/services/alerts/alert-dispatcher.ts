/**
 * Sends alerts to the webhook targets: each alert key at most once per repeat window (rate-limiter-flexible, in
 * the memory of the one host that sends for the fleet), each delivery retried with back-off (p-retry) while the
 * target answers 5xx or 429 or cannot be reached. Payloads pass the log redactor on the way out, a second guard
 * behind the redaction of each alert when it was raised. Nothing logged names a target's URL or bot token.
 */
import pRetry, { AbortError } from 'p-retry'
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'
import type { AlertTestResult } from '../../../shared/contract/alerts'
import { InfrastructureException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import type { Redactor } from '../../logging/redact'
import type { AlertTarget } from './alert-targets'
import { webhookRequest, type AlertEvent } from './webhook-payloads'

export interface RetryPolicy {
  retries: number
  minTimeoutMs: number
  maxTimeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 5, minTimeoutMs: 1_000, maxTimeoutMs: 60_000 }
/** The Test button: the operator waits for the answer. */
const TEST_RETRY: RetryPolicy = { retries: 1, minTimeoutMs: 500, maxTimeoutMs: 500 }

export interface AlertDispatcherDeps {
  targets: () => AlertTarget[]
  /** `alertTelegramApiUrl` */
  telegramApiUrl: () => string
  /** `alertRepeatMinutes` */
  repeatMinutes: () => number
  redactor: Pick<Redactor, 'redact' | 'redactString'>
  log: Logger
  retry?: RetryPolicy
  /** One request's limit (default 10 s). */
  timeoutMs?: number
}

/** `interrupted`: the panel stopped while a delivery was still being tried (the alert may be sent again by the next sender). */
export type DispatchOutcome = 'sent' | 'repeated' | 'no_target' | 'interrupted'

export class AlertDispatcher {
  private limiter: { seconds: number; limiter: RateLimiterMemory } | null = null
  /** Aborts deliveries still retrying when the panel stops. */
  private readonly closing = new AbortController()

  constructor(private readonly deps: AlertDispatcherDeps) {}

  /** Sends the alert to every enabled target that takes its kind, unless its key went out within the window. */
  async dispatch(event: AlertEvent): Promise<DispatchOutcome> {
    const targets = this.deps.targets().filter((target) => target.enabled && event.kind !== 'test' && target.events.includes(event.kind))
    if (!targets.length) return 'no_target'
    if (!(await this.firstInWindow(event.key))) {
      this.deps.log.debug('alerts.repeated', { key: event.key }, `Alert ${event.key} already sent within the repeat window`)
      return 'repeated'
    }
    const results = await Promise.allSettled(targets.map((target) => this.send(target, event, this.deps.retry ?? DEFAULT_RETRY)))
    if (this.closing.signal.aborted && results.some((result) => result.status === 'rejected')) return 'interrupted'
    results.forEach((result, i) => {
      const target = targets[i]
      if (result.status === 'fulfilled') this.deps.log.info('alerts.sent', { key: event.key, target: target.id, status: result.value }, `Alert “${event.title}” sent to ${target.name}`)
      else this.deps.log.warn('alerts.send_failed', { key: event.key, target: target.id, reason: messageOf(result.reason) }, `Alert “${event.title}” could not be sent to ${target.name}: ${messageOf(result.reason)}`)
    })
    return 'sent'
  }

  /** The Test button: one message to this target now (no window); fails with what the target answered. */
  async test(target: AlertTarget, event: AlertEvent): Promise<AlertTestResult> {
    try {
      const status = await this.send(target, event, TEST_RETRY)
      this.deps.log.info('alerts.test_sent', { target: target.id, status }, `Test alert sent to ${target.name}`)
      return { delivered: true, status }
    } catch (error) {
      const reason = messageOf(error)
      this.deps.log.warn('alerts.test_failed', { target: target.id, reason }, `Test alert to ${target.name} failed: ${reason}`)
      throw new InfrastructureException('INTERNAL_ERROR', `The test message to ${target.name} was not delivered: ${reason}.`, { details: { target: target.id } })
    }
  }

  close(): void {
    this.closing.abort()
  }

  private async firstInWindow(key: string): Promise<boolean> {
    const seconds = Math.max(1, Math.round(this.deps.repeatMinutes() * 60))
    if (this.limiter?.seconds !== seconds) this.limiter = { seconds, limiter: new RateLimiterMemory({ points: 1, duration: seconds }) }
    try {
      await this.limiter.limiter.consume(key)
      return true
    } catch (error) {
      if (error instanceof RateLimiterRes) return false
      throw error
    }
  }

  /** One delivery with retries; the HTTP status it ended with. */
  private send(target: AlertTarget, event: AlertEvent, retry: RetryPolicy): Promise<number> {
    const request = webhookRequest(target, event, this.deps.telegramApiUrl())
    const body = JSON.stringify(this.deps.redactor.redact(request.body))
    return pRetry(
      async () => {
        let response: Response
        try {
          response = await fetch(request.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            redirect: 'error',
            signal: AbortSignal.any([AbortSignal.timeout(this.deps.timeoutMs ?? 10_000), this.closing.signal]),
          })
        } catch (error) {
          throw new Error(`the target could not be reached (${networkReason(error)})`, { cause: error })
        }
        if (response.ok) {
          await response.body?.cancel().catch(() => undefined)
          return response.status
        }
        const answer = this.deps.redactor.redactString((await response.text().catch(() => '')).slice(0, 200)).trim()
        const failure = new Error(`the target answered HTTP ${response.status}${answer ? ` (${answer})` : ''}`)
        if (response.status >= 500 || response.status === 429 || response.status === 408) throw failure
        throw new AbortError(failure)
      },
      {
        retries: retry.retries,
        minTimeout: retry.minTimeoutMs,
        maxTimeout: retry.maxTimeoutMs,
        factor: 2,
        randomize: true,
        signal: this.closing.signal,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          if (retriesLeft > 0) this.deps.log.debug('alerts.send_retry', { target: target.id, attempt: attemptNumber, reason: error.message }, `Alert to ${target.name} failed (${error.message}); trying again`)
        },
      },
    )
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** `ECONNREFUSED`, `timeout`…: the cause's code, never its text (it may carry the URL). */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time'
  const cause = (error as { cause?: { code?: unknown } })?.cause
  return typeof cause?.code === 'string' ? cause.code : 'network error'
}
