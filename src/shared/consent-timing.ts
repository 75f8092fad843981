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
