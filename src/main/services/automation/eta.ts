/**
 * Batch ETA from observed durations: the mean of the most recent finished attempts, times the attempts
 * left, spread over the profiles the batch runs in parallel. Pure, so it is unit-tested alone.
 */

/** How many recent durations the mean follows (recent ones reflect the current pace). */
export const ETA_WINDOW = 30

export interface EtaInput {
  /** Attempts queued or running. */
  remaining: number
  /** Attempts of this batch running now. */
  running: number
  /** The slot limit (used while nothing of the batch runs, e.g. paused). */
  maxSlots: number
  /** Durations (ms) of finished attempts, most recent last. */
  recentDurationsMs: readonly number[]
}

/** Milliseconds until the batch should finish; null until one attempt has finished. */
export function estimateEtaMs(input: EtaInput): number | null {
  if (input.remaining <= 0) return 0
  const recent = input.recentDurationsMs.slice(-ETA_WINDOW).filter((ms) => Number.isFinite(ms) && ms >= 0)
  if (recent.length === 0) return null
  const meanMs = recent.reduce((sum, ms) => sum + ms, 0) / recent.length
  const parallel = Math.max(1, Math.min(input.remaining, input.running > 0 ? input.running : input.maxSlots))
  return Math.round((input.remaining * meanMs) / parallel)
}

/** Keeps the last ETA_WINDOW durations. */
export function pushDuration(durations: number[], ms: number): void {
  durations.push(ms)
  if (durations.length > ETA_WINDOW) durations.splice(0, durations.length - ETA_WINDOW)
}
