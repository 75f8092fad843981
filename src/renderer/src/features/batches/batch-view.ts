import type { BatchProgress } from '../../../../shared/contract/batches'

export const LIVE_STATES: readonly BatchProgress['state'][] = ['running', 'paused', 'cancelling']

export function isLive(batch: BatchProgress): boolean {
  return LIVE_STATES.includes(batch.state)
}

/**
 * The batch the progress bar shows: the newest live one, else the newest finished one the operator
 * has not dismissed. `others` counts the other live batches.
 */
export function pickBatch(batches: Iterable<BatchProgress>, dismissed: ReadonlySet<string>): { batch: BatchProgress | null; others: number } {
  const all = [...batches].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
  const live = all.filter(isLive)
  if (live.length) return { batch: live[0], others: live.length - 1 }
  return { batch: all.find((batch) => !dismissed.has(batch.id)) ?? null, others: 0 }
}

/** `2 min`, `45 s`, `1 h 05 min`; null when there is no estimate yet. */
export function formatEta(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return null
  const seconds = Math.ceil(ms / 1_000)
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}

export const BATCH_STATE_LABELS: Record<BatchProgress['state'], string> = {
  running: 'Running',
  paused: 'Paused',
  cancelling: 'Cancelling…',
  finished: 'Finished',
  cancelled: 'Cancelled',
}

/** Share of the bar for succeeded, failed (and timed out), and cancelled or skipped accounts, in percent. */
export function barSegments(batch: BatchProgress): { succeeded: number; failed: number; other: number } {
  if (batch.total <= 0) return { succeeded: 0, failed: 0, other: 0 }
  const share = (count: number) => (Math.max(0, count) / batch.total) * 100
  const succeeded = Math.min(batch.succeeded, batch.total)
  const failed = Math.min(batch.failed, batch.total - succeeded)
  return { succeeded: share(succeeded), failed: share(failed), other: share(Math.min(batch.cancelled + batch.skipped, batch.total - succeeded - failed)) }
}

/**
 * The ETA the bar shows: only while the batch runs (hidden while paused, cancelling or ended); "—" while no time
 * can be promised (no attempt finished yet, every running account is late, or accounts wait for an offline host).
 */
export function etaText(batch: BatchProgress): string | null {
  if (batch.state !== 'running') return null
  return waitNote(batch) ? '—' : (formatEta(batch.etaMs) ?? '—')
}

/** "13:02" on the operator's clock. */
export function shortTime(iso: string): string {
  const time = Date.parse(iso)
  return Number.isNaN(time) ? iso : new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
}

/**
 * What a live batch waits for when accounts wait for an offline host (it holds their profiles or claimed them):
 * "2 accounts wait for host w2, offline since 13:02". Null when nothing waits (or the batch ended).
 */
export function waitNote(batch: BatchProgress, time: (iso: string) => string = shortTime): string | null {
  const waits = isLive(batch) ? (batch.waitsFor ?? []) : []
  if (!waits.length) return null
  return waits
    .map((wait) => `${wait.accounts} ${wait.accounts === 1 ? 'account waits' : 'accounts wait'} for host ${wait.hostId}, offline since ${time(wait.offlineSince)}`)
    .join('; ')
}
