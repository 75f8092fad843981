/**
 * The consent step as the automator sees it: the BrowserController's `authorize`, plus a hook when it
 * has attached to the profile's browser (so the session's step can move from `connecting` to `consent`).
 * The controller reports that moment only in its log, so the hook listens there.
 */
import type { Logger } from '../../logging/logger'
import { BrowserController, type BrowserControllerOptions, type ConsentRequest, type ConsentResult } from './browser-controller'

export interface ConsentHooks {
  /** Attached to the profile's browser; the consent page is being opened. */
  onConnected?(): void
}

export interface ConsentRunner {
  authorize(request: ConsentRequest, hooks?: ConsentHooks): Promise<ConsentResult>
}

/**
 * The real consent runner: a BrowserController per attempt (it is only options, so a function of the
 * settings applies changes to the next attempt), with the hook wired into its log.
 */
export function browserConsentRunner(optionsOf: BrowserControllerOptions | (() => BrowserControllerOptions)): ConsentRunner {
  return {
    authorize(request, hooks = {}) {
      const options = typeof optionsOf === 'function' ? optionsOf() : optionsOf
      const logger = hooks.onConnected ? watchEvent(options.logger, 'consent.connected', hooks.onConnected) : options.logger
      return new BrowserController({ ...options, logger }).authorize(request)
    },
  }
}

/** A logger that behaves like `base` and also calls `onEvent` the first time `event` is logged. */
function watchEvent(base: Logger, event: string, onEvent: () => void): Logger {
  let fired = false
  const notice = (name: string) => {
    if (name !== event || fired) return
    fired = true
    onEvent()
  }
  return {
    debug: (name, fields, msg) => (base.debug(name, fields, msg), notice(name)),
    info: (name, fields, msg) => (base.info(name, fields, msg), notice(name)),
    warn: (name, fields, msg) => (base.warn(name, fields, msg), notice(name)),
    error: (name, fields, msg) => (base.error(name, fields, msg), notice(name)),
    child: (scope) => watchEvent(base.child(scope), event, onEvent),
  }
}
