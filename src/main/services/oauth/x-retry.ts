/**
 * When a call to X is worth repeating, and what to tell the operator when it never worked. A timeout,
 * a reset or refused connection and a 5xx are transient; anything else is X's answer. For the code
 * exchange, a refusal of the code after such a try means the earlier try may have been redeemed.
 */
import { InfrastructureException, TwitterAPIException, type AppException } from '../../../shared/errors'
import { XRateLimitException } from './x-api-errors'

/** X voids an authorization code 30 s after the approval (DESIGN.md §4). */
export const CODE_LIFETIME_MS = 30_000

export function isTransient(error: unknown): error is TwitterAPIException {
  if (!(error instanceof TwitterAPIException)) return false
  return error.code === 'X_API_TIMEOUT' || error.code === 'X_API_NETWORK_ERROR' || error.code === 'X_API_SERVER_ERROR'
}

/** X's answer for a code that is unknown, expired or already redeemed. */
export function isInvalidCode(error: unknown): boolean {
  if (!(error instanceof TwitterAPIException) || error.statusCode !== 400) return false
  return error.xError === 'invalid_grant' || (error.xError === 'invalid_request' && /authorization code/i.test(error.message))
}

export function isRateLimited(error: unknown): error is XRateLimitException {
  return error instanceof XRateLimitException
}

/** 0.5 s, 1 s, 2 s, … capped at 4 s. */
export function backoffMs(tryNumber: number, baseMs = 500): number {
  return Math.min(4_000, baseMs * 2 ** (tryNumber - 1))
}

function causeOf(error: TwitterAPIException): string {
  if (error.code === 'X_API_TIMEOUT') return 'X did not answer'
  if (error.code === 'X_API_SERVER_ERROR') return `X answered HTTP ${error.statusCode}`
  if (error.code === 'X_API_NETWORK_ERROR') return 'the connection to X failed'
  return `X answered HTTP ${error.statusCode}`
}

/** The code was refused after a try whose fate is unknown: X may have redeemed it on that try. */
export function codeExchangeLost(refusal: TwitterAPIException, earlier: TwitterAPIException, tries: number): AppException {
  return new InfrastructureException(
    'CODE_EXCHANGE_LOST',
    `X refused the code on try ${tries} after try ${tries - 1} got no usable answer (${causeOf(earlier)}): X may have issued tokens the panel never received; authorize again.`,
    { cause: refusal, details: { tries, earlierCode: earlier.code, xError: refusal.xError } },
  )
}

/** The last transient failure of the exchange, once the code's life is spent, under its own code. */
export function codeExchangeGaveUp(last: TwitterAPIException, tries: number, spentMs: number): AppException {
  const count = `${tries} ${tries === 1 ? 'try' : 'tries'} in ${Math.round(spentMs / 1000)} s`
  const what =
    last.code === 'X_API_TIMEOUT'
      ? `X did not answer the code exchange (${count})`
      : last.statusCode > 0
        ? `X answered the code exchange with HTTP ${last.statusCode} (${count})`
        : `The panel could not reach X for the code exchange (${last.message.replace(/^X API error \(\d+\): (?:X [a-z/ ]+ failed: )?/, '')}; ${count})`
  return new InfrastructureException(last.code, `${what}; the code has expired, authorize again.`, {
    cause: last,
    details: { tries, statusCode: last.statusCode },
  })
}
