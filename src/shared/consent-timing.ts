/**
 * How long the consent step waits at each stage, from the settings: each grace period is its own
 * setting, and when left empty it follows the per-account time limit, so a longer limit (a slow proxy)
 * gives every stage more room without a second setting to change.
 */

export interface ConsentTimingSettings {
  accountTimeoutSeconds: number
  consentButtonGraceSeconds: number | null
  consentDisabledGraceSeconds: number | null
  consentClickRetrySeconds: number | null
}

export interface ConsentGraces {
  /** A consent page that shows no approve button fails after this long (CONSENT_BUTTON_NOT_FOUND). */
  buttonGraceSeconds: number
  /** An approve button that stays disabled fails after this long (CONSENT_BUTTON_DISABLED). */
  disabledGraceSeconds: number
  /** A click that sent no request, on a button still enabled, is repeated after this long. */
  clickRetrySeconds: number
}

/** The defaults an empty setting takes, as shares of the per-account limit. */
export function derivedConsentGraces(accountTimeoutSeconds: number): ConsentGraces {
  return {
    buttonGraceSeconds: Math.max(15, Math.round(accountTimeoutSeconds / 4)),
    disabledGraceSeconds: Math.max(20, Math.round(accountTimeoutSeconds / 2)),
    clickRetrySeconds: Math.max(3, Math.round(accountTimeoutSeconds / 20)),
  }
}

export function consentGraces(settings: ConsentTimingSettings): ConsentGraces {
  const derived = derivedConsentGraces(settings.accountTimeoutSeconds)
  return {
    buttonGraceSeconds: settings.consentButtonGraceSeconds ?? derived.buttonGraceSeconds,
    disabledGraceSeconds: settings.consentDisabledGraceSeconds ?? derived.disabledGraceSeconds,
    clickRetrySeconds: settings.consentClickRetrySeconds ?? derived.clickRetrySeconds,
  }
}

/** The consent waits an operator can set; each must end before the per-account time limit does. */
export const CONSENT_WAIT_KEYS = ['consentButtonGraceSeconds', 'consentDisabledGraceSeconds', 'consentClickRetrySeconds'] as const
export type ConsentWaitKey = (typeof CONSENT_WAIT_KEYS)[number]

export interface ConsentWaitConflict {
  key: ConsentWaitKey
  seconds: number
  limitSeconds: number
}

/**
 * Waits set at or past the per-account time limit: the account would fail on the time limit before the wait
 * could ever end, so its own error (CONSENT_BUTTON_NOT_FOUND…) would never be reported. Empty waits follow the
 * limit and always fit.
 */
export function consentWaitConflicts(settings: ConsentTimingSettings): ConsentWaitConflict[] {
  const conflicts: ConsentWaitConflict[] = []
  for (const key of CONSENT_WAIT_KEYS) {
    const seconds = settings[key]
    if (seconds !== null && seconds >= settings.accountTimeoutSeconds) conflicts.push({ key, seconds, limitSeconds: settings.accountTimeoutSeconds })
  }
  return conflicts
}
