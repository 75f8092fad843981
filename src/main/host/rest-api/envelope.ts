/**
 * The origin service's response envelope `{ success, data, error, error_code, request_id, timestamp }`
 * and the one place that turns any error into an HTTP status and a safe sentence.
 */
import { AppException, ERROR_INFO, type ErrorCode } from '../../../shared/errors'
import { FIELD_HINTS } from './schemas'

export function ok<T>(requestId: string, data: T) {
  return { success: true as const, data, error: null, error_code: null, request_id: requestId, timestamp: new Date().toISOString() }
}

export function paged<T>(requestId: string, items: T[], total: number, page: number, pageSize: number) {
  return { ...ok(requestId, items), total, page, page_size: pageSize, total_pages: Math.ceil(total / pageSize) }
}

export interface Failure {
  status: number
  code: ErrorCode
  message: string
  details?: Record<string, unknown>
}

export function failed(requestId: string, failure: Failure) {
  return {
    success: false as const,
    data: null,
    error: failure.message,
    error_code: failure.code,
    request_id: requestId,
    timestamp: new Date().toISOString(),
    retryable: ERROR_INFO[failure.code].retryable,
    ...(failure.details ? { details: failure.details } : {}),
  }
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  VALIDATION_ERROR: 400,
  INVALID_API_APP: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  PROFILE_NOT_FOUND: 404,
  CONFLICT: 409,
  CONCURRENT_LIMIT: 409,
  RATE_LIMITED: 429,
}

export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500
}

/** Thrown by the rate limiter (its `errorResponseBuilder`); the headers are already on the reply. */
export class RateLimitedError extends Error {
  readonly statusCode = 429

  /** A valid key that sent more than its share. */
  static perKey(max: number, windowMs: number, retryIn: string): RateLimitedError {
    return new RateLimitedError(`Rate limit exceeded (${max} requests per ${windowName(windowMs)} per API key); retry in ${retryIn}.`)
  }

  /** A client address whose requests kept failing authentication. */
  static authFailures(max: number, windowMs: number, retryIn: string): RateLimitedError {
    return new RateLimitedError(`Too many requests without a valid API key from this address (${max} per ${windowName(windowMs)}); retry in ${retryIn}.`)
  }
}

function windowName(windowMs: number): string {
  return windowMs === 60_000 ? 'minute' : `${Math.round(windowMs / 1000)} s`
}

interface AjvIssue {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

/** Fastify's own request errors, in words for the caller. */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty; send a JSON object.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported Content-Type: send application/json.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
  FST_ERR_BAD_URL: 'The URL is not valid (bad percent-encoding).',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long.',
}

/**
 * Classifies any error: validation → 400 naming the field; the panel's exceptions → the status of
 * their code (unmapped codes → 500 with the code's generic sentence); Fastify's request errors →
 * their 4xx; anything else → 500 with a generic sentence (the details go to the log only).
 */
export function toFailure(error: unknown): Failure {
  const err = error as { validation?: AjvIssue[]; validationContext?: string; code?: unknown; statusCode?: unknown; message?: unknown }
  if (Array.isArray(err?.validation)) return validationFailure(err.validation[0] ?? {}, err.validationContext ?? 'request')
  if (error instanceof RateLimitedError) {
    return { status: 429, code: 'RATE_LIMITED', message: error.message }
  }
  if (error instanceof AppException) {
    const status = statusForCode(error.code)
    if (status >= 500) return { status, code: error.code, message: ERROR_INFO[error.code].sentence }
    return { status, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) }
  }
  const status = typeof err?.statusCode === 'number' ? err.statusCode : 0
  if (typeof err?.code === 'string' && err.code.startsWith('FST_') && status >= 400 && status < 500) {
    const message = FRAMEWORK_MESSAGES[err.code] ?? `The request is not valid: ${String(err.message ?? '').slice(0, 200)}`
    return { status, code: status === 404 ? 'NOT_FOUND' : 'VALIDATION_ERROR', message }
  }
  return { status: 500, code: 'INTERNAL_ERROR', message: ERROR_INFO.INTERNAL_ERROR.sentence }
}

function validationFailure(issue: AjvIssue, location: string): Failure {
  const missing = typeof issue.params?.missingProperty === 'string' ? issue.params.missingProperty : null
  const field = missing ?? (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
  const what = location === 'querystring' ? 'query parameter' : location === 'params' ? 'path parameter' : location === 'headers' ? 'header' : 'field'
  let message: string
  if (!field) {
    const expected = typeof issue.params?.type === 'string' ? issue.params.type : 'valid'
    message = location === 'body' ? `The request body must be a JSON ${expected === 'object' ? 'object' : expected}.` : `The ${location} is not valid.`
  } else if (missing) {
    message = `The ${what} ${field} is required.`
  } else if (issue.keyword === 'pattern' && FIELD_HINTS[field]) {
    message = `The ${what} ${field} ${FIELD_HINTS[field]}.`
  } else {
    message = `The ${what} ${field} ${issue.message ?? 'is not valid'}.`
  }
  return { status: 400, code: 'VALIDATION_ERROR', message, details: { field: field || `(${location})`, location } }
}
