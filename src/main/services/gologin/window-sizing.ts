/**
 * Sizes the fixed windows of the shared GoLogin budget (rate-limiter-flexible's Postgres store: a window of
 * `durationMs` starts at the first request after the previous one ended and grants at most `points`).
 *
 * Why not simply `requestsPerWindow` points per 60 s: a fixed-window counter lets a full window's points
 * through at the end of one window and again at the start of the next, 2× the rate within a second; and
 * GoLogin counts a request when it arrives, up to `latencyMs` after the permit was granted. So, with
 * T = GoLogin's window, L = the latency allowance, S = how far two hosts' clocks may disagree (the store
 * compares each host's `Date.now()` with the stored expiry, so a window can end up to S early), D = our
 * window and P = its points:
 *   - the arrivals GoLogin sees in any sliding window [t, t+T] were granted within [t−L, t+T] (length T+L);
 *   - our windows are disjoint and last at least D−S each, so an interval of length T+L meets at most
 *     k = ⌊(T+L)/(D−S)⌋ + 2 of them (the ones inside it, plus a partial one at each end);
 *   - so at most k·P arrivals: choose P = ⌊R/k⌋, and D (a whole number of ms, exact in the store's seconds)
 *     with the most points per second. At R = 120/min, L = 5 s, S = 2 s: D = 11.3 s, P = 15, k = 8 → about
 *     80/min sustained, and never more than 120 in any 60 s at GoLogin (300/min: D = 15.1 s, P = 50, ~199/min).
 * A request answered later than L after its permit may have arrived late: the budget charges it once more
 * when the answer comes (shared-budget.ts), so a late arrival is counted in the window that saw it.
 * R = 1 cannot be kept by any fixed window (k ≥ 2): the sizing then grants 1 per window longer than T+L+S,
 * `bound` says 2, and the budget warns.
 */

export interface WindowSizingInput {
  /** R: requests GoLogin may see in any sliding window of `windowMs`. */
  requestsPerWindow: number
  /** T: GoLogin's window (60 s). */
  windowMs: number
  /** L: the longest time from a permit to the request's arrival at GoLogin that the budget allows for. */
  latencyMs: number
  /** S: how far the clocks of two hosts sharing the budget may disagree. */
  skewMs: number
}

export interface WindowSizing {
  /** D: length of one fixed window of the store. */
  durationMs: number
  /** P: requests granted per fixed window. */
  points: number
  /** k·P: the most arrivals GoLogin can see in any sliding window of T (≤ R except at R = 1). */
  bound: number
  /** P per D, scaled to T: what the budget lets through on average. */
  sustainedPerWindow: number
}

/** The default allowances, as fractions of GoLogin's window: 5 s and 2 s of 60 s (tests shorten the window, and these with it). */
export const LATENCY_SHARE = 1 / 12
export const SKEW_SHARE = 1 / 30

export function allowancesFor(windowMs: number): { latencyMs: number; skewMs: number } {
  return { latencyMs: Math.round(windowMs * LATENCY_SHARE), skewMs: Math.round(windowMs * SKEW_SHARE) }
}

/** How many fixed windows (each at least D−S long) an interval of length `spanMs` can meet. */
export function windowsMet(spanMs: number, durationMs: number, skewMs: number): number {
  return Math.floor(spanMs / (durationMs - skewMs)) + 2
}

export function sizeFixedWindows(input: WindowSizingInput): WindowSizing {
  const { requestsPerWindow: R, windowMs: T, latencyMs: L, skewMs: S } = input
  if (!(R >= 1) || !(T > 0) || !(L >= 0) || !(S >= 0)) throw new RangeError(`Cannot size the GoLogin budget for ${JSON.stringify(input)}`)
  const span = T + L
  // 600 steps over the window: 100 ms at 60 s; candidates run up to one window longer than T+L+S (k = 2).
  const step = Math.max(1, Math.round(T / 600))
  let best: WindowSizing | null = null
  for (let D = S + step; D <= span + S + step; D += step) {
    // The store keeps seconds and multiplies by 1000: only lengths it gives back exactly (a bigint column).
    if ((D / 1000) * 1000 !== D) continue
    const k = windowsMet(span, D, S)
    const P = Math.floor(R / k)
    if (P < 1) continue
    const sustained = (P * T) / D
    // Ties go to the longer window: fewer rows rewritten, fewer retries at the edges.
    if (!best || sustained >= best.sustainedPerWindow) best = { durationMs: D, points: P, bound: k * P, sustainedPerWindow: sustained }
  }
  if (best) return best
  const D = span + S + step
  return { durationMs: D, points: 1, bound: windowsMet(span, D, S), sustainedPerWindow: T / D }
}
