/**
 * Batch ETA from observed durations: the mean of the most recent finished attempts gives the work left (the
 * queued attempts in full, the running ones less the time they have run), spread over the slots the batch can
 * use. Recomputed as time passes, so it counts down instead of freezing between events. Pure, so it is
 * unit-tested alone.
 */

/** How many recent durations the mean follows (recent ones reflect the current pace). */
export const ETA_WINDOW = 30

export interface EtaInput {
  /** Attempts waiting for a slot. */
  queued: number
  /** Attempts started and not ended (one waiting on X's consent page is running). */
  running: number
  /** The slot limit: at most this many of the batch run at once. */
  maxSlots: number
  /** Durations (ms) of finished attempts, most recent last. */
  recentDurationsMs: readonly number[]
  /** How long each running attempt has run so far (ms); running attempts not listed count as just started. */
  runningElapsedMs?: readonly number[]
}

/**
 * Milliseconds until the batch should finish. Null while no estimate can be given: before one attempt has
 * finished, and when nothing is queued and every running attempt has already run longer than usual.
 */
export function estimateEtaMs(input: EtaInput): number | null {
  const queued = Math.max(0, input.queued)
  const running = Math.max(0, input.running)
  const remaining = queued + running
  if (remaining === 0) return 0
  const recent = input.recentDurationsMs.slice(-ETA_WINDOW).filter((ms) => Number.isFinite(ms) && ms >= 0)
  if (recent.length === 0) return null
  const meanMs = recent.reduce((sum, ms) => sum + ms, 0) / recent.length
  // The longest-running ones are the batch's running attempts (others may still be starting); the rest just began.
  const elapsed = [...(input.runningElapsedMs ?? [])].sort((a, b) => b - a).slice(0, running)
  while (elapsed.length < running) elapsed.push(0)
  const rest = elapsed.map((ms) => Math.max(0, meanMs - ms))
  const parallel = Math.max(1, Math.min(remaining, input.maxSlots))
  const work = queued * meanMs + rest.reduce((sum, ms) => sum + ms, 0)
  const eta = Math.max(work / parallel, ...rest)
  return eta > 0 ? Math.round(eta) : null
}

/** Keeps the last ETA_WINDOW durations. */
export function pushDuration(durations: number[], ms: number): void {
  durations.push(ms)
  if (durations.length > ETA_WINDOW) durations.splice(0, durations.length - ETA_WINDOW)
}
