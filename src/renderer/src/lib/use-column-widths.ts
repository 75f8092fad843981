import type { Updater } from '@tanstack/react-table'
import { useCallback, useEffect, useRef, useState } from 'react'
import { clampWidth, readColumnWidths, writeColumnWidths, type ColumnWidths } from './column-widths'

const SAVE_DELAY_MS = 250

/**
 * Table column sizing state that survives a reload: pass `columnSizing` and `onColumnSizingChange` to the
 * table. A drag updates the state on every move; storage is written once the widths settle.
 */
export function useColumnWidths(grid: string, columns: readonly string[]) {
  const [columnSizing, setColumnSizing] = useState<ColumnWidths>(() => readColumnWidths(grid, columns))
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null)
  const latest = useRef(columnSizing)

  const onColumnSizingChange = useCallback(
    (updater: Updater<ColumnWidths>) => {
      const next = typeof updater === 'function' ? updater(latest.current) : updater
      const clamped = Object.fromEntries(Object.entries(next).map(([id, width]) => [id, clampWidth(width)]))
      latest.current = clamped
      setColumnSizing(clamped)
      if (timer.current) clearTimeout(timer.current)
      timer.current = setTimeout(() => {
        timer.current = null
        writeColumnWidths(grid, latest.current)
      }, SAVE_DELAY_MS)
    },
    [grid],
  )

  // Leaving the page mid-delay still saves.
  useEffect(
    () => () => {
      if (timer.current) {
        clearTimeout(timer.current)
        writeColumnWidths(grid, latest.current)
      }
    },
    [grid],
  )

  return { columnSizing, onColumnSizingChange }
}
