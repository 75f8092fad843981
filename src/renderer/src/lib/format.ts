/** Small, locale-aware formatting shared by the pages (numbers, times, durations). */

const numberFormat = new Intl.NumberFormat()

export function formatCount(value: number): string {
  return numberFormat.format(value)
}

/** `1 profile`, `2,000 profiles`. */
export function plural(count: number, singular: string, pluralWord = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralWord}`
}

/** `850 ms`, `12 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—'
  if (ms < 1_000) return `${Math.round(ms)} ms`
  const seconds = Math.round(ms / 1_000)
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' })
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

/** `5 min ago`, `in 2 hr`, `just now`; `—` for none. The full time goes in a tooltip (`formatDateTime`). */
export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—'
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return '—'
  const delta = time - now
  if (Math.abs(delta) < 45_000) return delta < 0 ? 'just now' : 'in under a minute'
  for (const [unit, size] of UNITS) {
    if (Math.abs(delta) >= size || unit === 'minute') return RELATIVE.format(Math.round(delta / size), unit)
  }
  return '—'
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const time = Date.parse(iso)
  return Number.isNaN(time) ? iso : DATE_TIME.format(time)
}

/** `14:03:07` today; the date too on other days. */
export function formatClock(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—'
  const time = Date.parse(iso)
  if (Number.isNaN(time)) return '—'
  return new Date(time).toDateString() === new Date(now).toDateString() ? TIME.format(time) : DATE_TIME.format(time)
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
