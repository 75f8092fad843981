import type { SessionStatus, SessionStep, TokenStatus } from '../../../shared/contract/sessions'
import { ERROR_INFO, isErrorCode, type ErrorCode } from '../../../shared/errors'

export const STATUS_LABELS: Record<SessionStatus, string> = {
  pending: 'Pending',
  in_progress: 'In progress',
  completed: 'Completed',
  failed: 'Failed',
  timeout: 'Timed out',
  cancelled: 'Cancelled',
}

export const STEP_LABELS: Record<SessionStep, string> = {
  starting_profile: 'Starting profile',
  connecting: 'Connecting',
  consent: 'Consent page',
  exchanging: 'Exchanging code',
  verifying: 'Verifying account',
}

export const TOKEN_LABELS: Record<TokenStatus, string> = {
  valid: 'Valid',
  expired: 'Expired',
  revoked: 'Revoked',
  replaced: 'Replaced',
}

/** The operator sentence for an error code, and whether a retry can help. */
export function describeErrorCode(code: ErrorCode | string | null | undefined): { sentence: string; retryable: boolean } | null {
  if (!code) return null
  if (!isErrorCode(code)) return { sentence: code, retryable: true }
  return ERROR_INFO[code as ErrorCode]
}
