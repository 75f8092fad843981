/**
 * Error codes and the exception hierarchy (DESIGN.md §4).
 *
 * Every error that can reach the operator carries a code, a sentence written for the operator and a
 * `retryable` flag (whether trying the same account again can help). Technical detail (the cause) is
 * kept for the log only and never crosses the IPC bridge.
 */

export const ERROR_CODES = [
  'PROFILE_NOT_FOUND',
  'AUTH_TIMEOUT',
  'CONCURRENT_LIMIT',
  'TOKEN_EXPIRED',
  'USER_DENIED',
  'INVALID_API_APP',
  'GOLOGIN_API_ERROR',
  'GOLOGIN_TOKEN_REVOKED',
  'BROWSER_CONNECTION_FAILED',
  'PROFILE_STOP_PENDING',
  'TWITTER_API_ERROR',
  'X_API_TIMEOUT',
  'X_API_NETWORK_ERROR',
  'X_API_SERVER_ERROR',
  'CODE_EXCHANGE_LOST',
  'X_ACCOUNT_UNVERIFIED',
  'PROFILE_PROXY_FAILED',
  'PROFILE_NETWORK_ERROR',
  'X_LOGGED_OUT',
  'X_ACCOUNT_LOCKED',
  'X_ACCOUNT_SUSPENDED',
  'ACCOUNT_MISMATCH',
  'ACCOUNT_UNCONFIRMED',
  'CONSENT_BUTTON_NOT_FOUND',
  'CONSENT_BUTTON_DISABLED',
  'CONSENT_APPROVAL_FAILED',
  'STATE_MISMATCH',
  'CALLBACK_FAILED',
  'INTERRUPTED',
  'CANCELLED',
  'VALIDATION_ERROR',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'RATE_LIMITED',
  'DATA_DECRYPTION_FAILED',
  'DATABASE_TOO_NEW',
  'INTERNAL_ERROR',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

export interface ErrorCodeInfo {
  /** What happened, in words for the operator. */
  sentence: string
  /** Whether trying again (without changing anything) can help. */
  retryable: boolean
}

export const ERROR_INFO: Record<ErrorCode, ErrorCodeInfo> = {
  PROFILE_NOT_FOUND: { sentence: 'No GoLogin profile is mapped to this account.', retryable: false },
  AUTH_TIMEOUT: { sentence: 'The authorization took longer than the time limit.', retryable: true },
  CONCURRENT_LIMIT: { sentence: 'All profile slots are busy; wait for a running profile to finish.', retryable: true },
  TOKEN_EXPIRED: { sentence: 'The token expired and could not be refreshed; authorize the account again.', retryable: true },
  USER_DENIED: { sentence: 'The authorization was denied on the X consent page.', retryable: false },
  INVALID_API_APP: { sentence: 'The API app is unknown or incompletely configured.', retryable: false },
  GOLOGIN_API_ERROR: { sentence: 'The GoLogin service answered with an error.', retryable: true },
  GOLOGIN_TOKEN_REVOKED: {
    sentence: 'GoLogin rejected the API token (rate limit hit, token revoked). Issue a new token in GoLogin and enter it in Settings.',
    retryable: false,
  },
  BROWSER_CONNECTION_FAILED: { sentence: 'Could not connect to the profile’s browser.', retryable: true },
  PROFILE_STOP_PENDING: {
    sentence: 'GoLogin has not confirmed that this profile stopped; it is not started again until it does (or you give up on it).',
    retryable: true,
  },
  TWITTER_API_ERROR: { sentence: 'The X API answered with an error.', retryable: true },
  X_API_TIMEOUT: { sentence: 'X did not answer in time.', retryable: true },
  X_API_NETWORK_ERROR: { sentence: 'The panel could not reach X (the connection failed or was reset).', retryable: true },
  X_API_SERVER_ERROR: { sentence: 'X answered with a server error (5xx).', retryable: true },
  CODE_EXCHANGE_LOST: { sentence: 'X may have issued tokens the panel never received; authorize again.', retryable: true },
  X_ACCOUNT_UNVERIFIED: {
    sentence: 'The tokens are stored, but X did not confirm which account they belong to (/users/me kept failing). Check the account before using them, or authorize again.',
    retryable: true,
  },
  PROFILE_PROXY_FAILED: { sentence: 'The profile’s proxy failed. Check the profile’s proxy in GoLogin.', retryable: true },
  PROFILE_NETWORK_ERROR: {
    sentence: 'The profile’s browser could not reach X (DNS, timeout or connection error). Check the profile’s proxy and the network.',
    retryable: true,
  },
  X_LOGGED_OUT: { sentence: 'The X account is logged out in this profile; log in again in GoLogin.', retryable: false },
  X_ACCOUNT_LOCKED: { sentence: 'The X account is locked; unlock it on x.com first.', retryable: false },
  X_ACCOUNT_SUSPENDED: { sentence: 'The X account is suspended.', retryable: false },
  ACCOUNT_MISMATCH: { sentence: 'The profile is logged into a different X account than the one mapped to it.', retryable: false },
  ACCOUNT_UNCONFIRMED: {
    sentence: 'The panel could not tell which X account the profile is signed into, so it approved nothing (an app that redeems at its own callback has no later check).',
    retryable: false,
  },
  CONSENT_BUTTON_NOT_FOUND: { sentence: 'The “Authorize app” button did not appear on the consent page.', retryable: true },
  CONSENT_BUTTON_DISABLED: {
    sentence: 'The “Authorize app” button stayed disabled: X did not finish loading the consent page (often a slow or failing proxy).',
    retryable: true,
  },
  CONSENT_APPROVAL_FAILED: { sentence: 'X did not accept the approval on the consent page.', retryable: true },
  STATE_MISMATCH: { sentence: 'The OAuth state returned by X did not match; the answer was discarded.', retryable: true },
  CALLBACK_FAILED: {
    sentence: 'X’s redirect reached the API app’s own callback, but it did not answer as expected (error status, no answer, or its success marker missing). The panel stored no token.',
    retryable: true,
  },
  INTERRUPTED: { sentence: 'The panel stopped while this authorization was running.', retryable: true },
  CANCELLED: { sentence: 'The authorization was cancelled.', retryable: true },
  VALIDATION_ERROR: { sentence: 'The input is not valid.', retryable: false },
  NOT_FOUND: { sentence: 'The requested item does not exist.', retryable: false },
  CONFLICT: { sentence: 'The request conflicts with work already under way.', retryable: false },
  UNAUTHORIZED: { sentence: 'The request is not authorized.', retryable: false },
  RATE_LIMITED: { sentence: 'Too many requests; wait and try again.', retryable: true },
  DATA_DECRYPTION_FAILED: {
    sentence: 'A stored secret could not be decrypted (wrong data key or damaged value). Nothing was changed.',
    retryable: false,
  },
  DATABASE_TOO_NEW: {
    sentence: 'The database was written by a newer version of the panel. Update the panel to open it.',
    retryable: false,
  },
  INTERNAL_ERROR: { sentence: 'Something went wrong inside the panel. The log has the details.', retryable: false },
}

/**
 * How a failed account is triaged (issue 21): `retry` — a retry may help (network, proxy, timeouts, X 5xx, a
 * GoLogin start); `person` — it needs a person first (logged out, locked, suspended, denied, another account
 * logged in, the API app or the panel misconfigured). It is the `retryable` flag of the code, named for the operator.
 */
export type FailureGroup = 'retry' | 'person'

export const FAILURE_GROUPS: readonly FailureGroup[] = ['retry', 'person']

export const FAILURE_GROUP_LABELS: Record<FailureGroup, string> = { retry: 'Retry may help', person: 'Needs a person' }

/** The group of a failed attempt's code; an attempt that ended without a code (a time-out, a cancel) may succeed on a retry. */
export function failureGroup(code: ErrorCode | null | undefined): FailureGroup {
  if (!code) return 'retry'
  return ERROR_INFO[code].retryable ? 'retry' : 'person'
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value)
}

export interface AppExceptionOptions {
  /** The underlying error, for the log only. */
  cause?: unknown
  /** Structured, non-secret facts for the log and the UI (e.g. the field that failed validation). */
  details?: Record<string, unknown>
}

/** Base of every error the panel raises on purpose. Its `message` is safe to show to the operator. */
export abstract class AppException extends Error {
  readonly code: ErrorCode
  readonly details?: Record<string, unknown>
  abstract readonly kind: 'domain' | 'infrastructure'

  constructor(code: ErrorCode, message?: string, options: AppExceptionOptions = {}) {
    super(message ?? ERROR_INFO[code].sentence, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details
    this.name = new.target.name
  }

  get retryable(): boolean {
    return ERROR_INFO[this.code].retryable
  }
}

/** Business-rule errors: the request was understood but cannot be carried out. */
export class DomainException extends AppException {
  readonly kind = 'domain' as const
}

/**
 * `details.reason` of a failure to record an attempt's progress before anything was approved (or started): the
 * database, not the account, failed. On a shared database such a session goes back to the queue instead of ending.
 */
export const DATABASE_WRITE_FAILED = 'database_write_failed'

/** Technical errors: a service, the browser, the disk or the network failed. */
export class InfrastructureException extends AppException {
  readonly kind = 'infrastructure' as const
}

export class ValidationException extends DomainException {
  constructor(message: string, details?: Record<string, unknown>) {
    super('VALIDATION_ERROR', message, { details })
  }
}

export class ProfileNotFoundException extends DomainException {
  constructor(account: string) {
    super('PROFILE_NOT_FOUND', `No GoLogin profile found for account: ${account}`, { details: { account } })
  }
}

export class AuthorizationTimeoutException extends DomainException {
  constructor(timeoutSeconds: number) {
    super('AUTH_TIMEOUT', `Authorization timed out after ${timeoutSeconds} seconds`, { details: { timeoutSeconds } })
  }
}

export class ConcurrentProfileLimitException extends DomainException {
  constructor(limit: number) {
    super('CONCURRENT_LIMIT', `Maximum concurrent profiles (${limit}) already running`, { details: { limit } })
  }
}

export class TokenExpiredException extends DomainException {
  constructor(account: string) {
    super('TOKEN_EXPIRED', `Token expired for account: ${account}`, { details: { account } })
  }
}

export class GoLoginAPIException extends InfrastructureException {
  readonly statusCode: number
  constructor(statusCode: number, message: string, options: AppExceptionOptions = {}) {
    super(statusCode === 429 ? 'GOLOGIN_TOKEN_REVOKED' : 'GOLOGIN_API_ERROR', `GoLogin API error (${statusCode}): ${message}`, {
      ...options,
      details: { ...options.details, statusCode },
    })
    this.statusCode = statusCode
  }
}

export class BrowserConnectionException extends InfrastructureException {
  constructor(endpoint: string, options: AppExceptionOptions = {}) {
    super('BROWSER_CONNECTION_FAILED', `Cannot connect to the profile browser at ${endpoint}`, options)
  }
}

/** The codes an X API failure can carry: its cause when it is a transport failure or a 5xx, else the generic one. */
export type XApiErrorCode = 'TWITTER_API_ERROR' | 'X_API_TIMEOUT' | 'X_API_NETWORK_ERROR' | 'X_API_SERVER_ERROR'

export class TwitterAPIException extends InfrastructureException {
  readonly statusCode: number
  readonly xError?: string
  constructor(statusCode: number, message: string, options: AppExceptionOptions & { xError?: string; code?: XApiErrorCode } = {}) {
    super(options.code ?? (statusCode >= 500 ? 'X_API_SERVER_ERROR' : 'TWITTER_API_ERROR'), `X API error (${statusCode}): ${message}`, {
      ...options,
      details: { ...options.details, statusCode, xError: options.xError },
    })
    this.statusCode = statusCode
    this.xError = options.xError
  }
}

/** Plain, serialisable description of an error for the envelope and the UI. */
export interface ErrorInfoDto {
  code: ErrorCode
  message: string
  retryable: boolean
  details?: Record<string, unknown>
}

export function describeError(code: ErrorCode): ErrorCodeInfo {
  return ERROR_INFO[code]
}
