import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Envelope } from '../../shared/envelope'
import { AppException, ERROR_INFO, type ErrorCode } from '../../shared/errors'
import {
  isRequestChannel,
  requestContract,
  type ParsedInput,
  type RequestChannel,
  type RequestOutput,
} from '../../shared/ipc-contract'
import { withLogContext } from '../logging/context'
import type { Logger } from '../logging/logger'

/** Who sent a request: which transport, and (for the log) which window or socket. */
export interface RequestMeta {
  transport: 'ipc' | 'ws' | 'test'
  requestId?: string
  origin?: string
}

export type Handler<C extends RequestChannel> = (
  input: ParsedInput<C>,
  meta: RequestMeta,
) => Promise<RequestOutput<C>> | RequestOutput<C>

/** Per-feature handler maps (`handlers/logs.ts`, …) are spread into one of these. */
export type HandlerMap = { [C in RequestChannel]: Handler<C> }
export type PartialHandlerMap<C extends RequestChannel> = { [K in C]: Handler<K> }

/**
 * The single choke point of every request, whatever the transport: checks the channel, validates
 * the input against the contract, runs the handler with the request id in the log context, and
 * always answers an envelope — never a raw throw.
 */
export class Router {
  constructor(
    private readonly handlers: HandlerMap,
    private readonly log: Logger,
  ) {}

  async dispatch(channel: unknown, payload: unknown, meta: RequestMeta): Promise<Envelope<unknown>> {
    const requestId = meta.requestId && /^[\w.:-]{1,100}$/.test(meta.requestId) ? meta.requestId : randomUUID()
    return withLogContext({ requestId }, async () => {
      if (!isRequestChannel(channel)) {
        this.log.warn('ipc.unknown_channel', { channel: String(channel).slice(0, 100), transport: meta.transport })
        return fail(requestId, 'VALIDATION_ERROR', `Unknown request channel: ${String(channel).slice(0, 100)}`, { channel })
      }
      const schema = requestContract[channel].input as z.ZodType
      const parsed = schema.safeParse(payload)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const field = issue?.path.length ? issue.path.join('.') : '(input)'
        const message = `Invalid input for ${channel}: ${field}: ${issue?.message ?? 'invalid value'}`
        this.log.warn('ipc.invalid_input', { channel, field, transport: meta.transport })
        return fail(requestId, 'VALIDATION_ERROR', message, { channel, field, issues: parsed.error.issues.slice(0, 10).map(summarizeIssue) })
      }
      const started = performance.now()
      try {
        const handler = this.handlers[channel] as Handler<RequestChannel>
        const data = await handler(parsed.data as never, { ...meta, requestId })
        this.log.debug('ipc.ok', { channel, ms: Math.round(performance.now() - started) })
        return { success: true, data: data ?? null, error: null, errorCode: null, requestId, timestamp: new Date().toISOString() }
      } catch (error) {
        return this.toFailure(requestId, channel, error)
      }
    })
  }

  private toFailure(requestId: string, channel: string, error: unknown): Envelope<unknown> {
    if (error instanceof AppException) {
      this.log.warn('ipc.failed', { channel, code: error.code, err: error })
      return fail(requestId, error.code, error.message, error.details)
    }
    if (error instanceof z.ZodError) {
      const issue = error.issues[0]
      const field = issue?.path.join('.') || '(input)'
      this.log.warn('ipc.failed', { channel, code: 'VALIDATION_ERROR', err: error })
      return fail(requestId, 'VALIDATION_ERROR', `${field}: ${issue?.message ?? 'invalid value'}`, { field })
    }
    // Anything unexpected: a generic sentence for the UI, the details only in the log.
    this.log.error('ipc.internal_error', { channel, err: error })
    return fail(requestId, 'INTERNAL_ERROR', ERROR_INFO.INTERNAL_ERROR.sentence)
  }
}

function summarizeIssue(issue: z.core.$ZodIssue) {
  return { path: issue.path.map(String).join('.'), message: issue.message, code: issue.code }
}

export function fail(requestId: string, code: ErrorCode, message: string, details?: Record<string, unknown>): Envelope<unknown> {
  return {
    success: false,
    data: null,
    error: message,
    errorCode: code,
    requestId,
    timestamp: new Date().toISOString(),
    retryable: ERROR_INFO[code].retryable,
    ...(details ? { details } : {}),
  }
}
