/**
 * Column widths the operator dragged, remembered per grid in localStorage (this renderer's own origin), so a
 * reload keeps them. Only sane widths are read back: a hand-edited or stale entry is ignored, never trusted.
 */
export type ColumnWidths = Record<string, number>

const PREFIX = 'panel.columnWidths.'
export const MIN_COLUMN_WIDTH = 40
export const MAX_COLUMN_WIDTH = 2_000

interface WidthStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

function storage(): WidthStorage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage
  } catch {
    return null
  }
}

/** The widths stored for `grid`, keeping only known columns with a width in range. */
export function readColumnWidths(grid: string, columns: readonly string[], store: WidthStorage | null = storage()): ColumnWidths {
  let parsed: unknown
  try {
    parsed = JSON.parse(store?.getItem(PREFIX + grid) ?? '{}')
  } catch {
    return {}
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {}
  const widths: ColumnWidths = {}
  for (const [id, width] of Object.entries(parsed)) {
    if (columns.includes(id) && typeof width === 'number' && Number.isFinite(width)) widths[id] = clampWidth(width)
  }
  return widths
}

export function writeColumnWidths(grid: string, widths: ColumnWidths, store: WidthStorage | null = storage()): void {
  try {
    store?.setItem(PREFIX + grid, JSON.stringify(widths))
  } catch {
    // Storage full or disabled: the widths last until the page reloads.
  }
}

export function clampWidth(width: number): number {
  return Math.round(Math.min(MAX_COLUMN_WIDTH, Math.max(MIN_COLUMN_WIDTH, width)))
}
