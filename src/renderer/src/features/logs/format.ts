const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** `14:03:07.125` in local time; the full timestamp goes in the tooltip. */
export function formatLogTime(ts: string): string {
  const date = new Date(ts)
  if (Number.isNaN(date.getTime())) return ts
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
}

const MAX_COMPACT = 400

/** `profileId=abc attempt=2 err={…}` — one short line; the expanded row shows the JSON. */
export function compactFields(fields: Record<string, unknown> | undefined): string {
  if (!fields) return ''
  let text = ''
  for (const [key, value] of Object.entries(fields)) {
    const shown = typeof value === 'string' ? (/\s/.test(value) ? JSON.stringify(value) : value) : safeJson(value)
    text += `${text ? ' ' : ''}${key}=${shown}`
    if (text.length > MAX_COMPACT) return `${text.slice(0, MAX_COMPACT)}…`
  }
  return text
}

export function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2)
  } catch {
    return String(value)
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
