/**
 * What the X consent tab is showing, decided from a small snapshot of the page (URL, data-testids, visible
 * text, the approve control). Pure, so every page kind is unit-tested without a browser.
 */
import type { ErrorCode } from '../../../shared/errors'

export const CONSENT_BUTTON_TEST_ID = 'OAuth_Consent_Button'
export const LOG_IN_BUTTON_TEST_ID = 'OAuth_Consent_Log_In_Button'
export const ERROR_DETAIL_TEST_ID = 'OAuth_Consent_Error_Detail'

/** Where the approve control was found: X's test id, a role=button "Authorize app", or the legacy 1.0a `#allow`. */
export type ApproveControlKind = 'testid' | 'role' | 'legacy'

export interface PageSnapshot {
  url: string
  /** data-testid values present on the page. */
  testIds: string[]
  /** Visible text (capped). */
  text: string
  approveButton: { via: ApproveControlKind; enabled: boolean } | null
  /** Text of `[data-testid="OAuth_Consent_Error_Detail"]`, when present. */
  errorDetail?: string | null
}

export type PageKind =
  | 'consent_ready'
  | 'consent_pending'
  | 'consent_no_button'
  | 'logged_out'
  | 'locked'
  | 'suspended'
  | 'error'
  | 'unknown'

export interface PageClassification {
  kind: PageKind
  /** For `error`: what X said, for the operator. */
  detail?: string
}

const SUSPENDED_TEXT = /\baccount (?:is|has been) (?:permanently )?suspended\b/i
const LOCKED_TEXT = /\baccount (?:is|has been) (?:temporarily )?locked\b/i
const CONSENT_TEXT = /\bwants to access your (?:X|Twitter) account\b/i

function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return ''
  }
}

export function classifyPage(snapshot: PageSnapshot): PageClassification {
  const path = pathOf(snapshot.url)
  const ids = new Set(snapshot.testIds)
  if (path.startsWith('/account/access') || LOCKED_TEXT.test(snapshot.text)) return { kind: 'locked' }
  if (SUSPENDED_TEXT.test(snapshot.text)) return { kind: 'suspended' }
  if (path.startsWith('/i/flow/login') || path === '/login' || ids.has(LOG_IN_BUTTON_TEST_ID)) return { kind: 'logged_out' }
  if (ids.has(ERROR_DETAIL_TEST_ID)) return { kind: 'error', detail: snapshot.errorDetail?.trim() || undefined }
  if (snapshot.approveButton) return { kind: snapshot.approveButton.enabled ? 'consent_ready' : 'consent_pending' }
  const looksLikeConsent = CONSENT_TEXT.test(snapshot.text) || snapshot.testIds.some((id) => id.startsWith('OAuth_Consent'))
  return { kind: looksLikeConsent ? 'consent_no_button' : 'unknown' }
}

export interface PageFailure {
  code: ErrorCode
  message: string
}

/**
 * The failure a page kind means, or null while waiting can still help. A consent page without a button,
 * or a page we do not recognise, only fails once the page has settled (its network went idle).
 */
export function failureForPage(page: PageClassification, settled: boolean): PageFailure | null {
  switch (page.kind) {
    case 'logged_out':
      return { code: 'X_LOGGED_OUT', message: 'X asks to log in: the account is logged out in this profile.' }
    case 'locked':
      return { code: 'X_ACCOUNT_LOCKED', message: 'X shows the account as locked (/account/access).' }
    case 'suspended':
      return { code: 'X_ACCOUNT_SUSPENDED', message: 'X shows the account as suspended.' }
    case 'error':
      return { code: 'TWITTER_API_ERROR', message: `X showed an error on the consent page${page.detail ? `: ${page.detail.slice(0, 200)}` : '.'}` }
    case 'consent_no_button':
      return settled ? { code: 'CONSENT_BUTTON_NOT_FOUND', message: 'The consent page loaded without an “Authorize app” button.' } : null
    case 'unknown':
    case 'consent_ready':
    case 'consent_pending':
      return null
  }
}
