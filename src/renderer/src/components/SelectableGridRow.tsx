import type { MouseEvent, ReactNode } from 'react'
import type { ClickModifiers } from '../features/profiles/selection'
import type { GridRowProps } from './DataGrid'

/** Clicks on these do their own thing and leave the selection alone. */
const INTERACTIVE = 'input, select, button, a, textarea, label'

export interface SelectableGridRowProps extends GridRowProps {
  selected: boolean
  /** Extra classes on the row. */
  className?: string
  /** Exposed as `data-status` (styles and tests key on it). */
  status?: string
  /** Accessible name of the row's checkbox. */
  selectLabel: string
  cells: readonly { id: string; meta: { align?: 'start' | 'end' } }[]
  /** Draws one non-checkbox cell. */
  renderCell(index: number): ReactNode
  onSelect(id: string, modifiers: ClickModifiers): void
}

/**
 * The row markup the selectable grids share: click, Shift-click and Ctrl/Cmd-click select, the
 * `select` column is a checkbox that toggles, everything else comes from `renderCell`. Each grid's
 * memoised row component subscribes to its own entry and hands the values in here.
 */
export function SelectableGridRow({ id, index, start, active, domId, measureRef, selected, className, status, selectLabel, cells, renderCell, onSelect }: SelectableGridRowProps) {
  const onClick = (event: MouseEvent) => {
    if ((event.target as Element).closest(INTERACTIVE)) return
    // Shift-click selects a range; keep the browser from also selecting the text in between.
    if (event.shiftKey) window.getSelection()?.removeAllRanges()
    onSelect(id, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey })
  }

  return (
    <div
      ref={measureRef}
      data-index={index}
      id={domId}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-status={status}
      className={`grid-row${selected ? ' is-selected' : ''}${active ? ' is-active' : ''}${className ? ` ${className}` : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      onClick={onClick}
    >
      {cells.map(({ id: columnId, meta }, cellIndex) => (
        <div key={columnId} role="gridcell" className={`grid-cell cell-${columnId}${meta.align === 'end' ? ' align-end' : ''}`}>
          {columnId === 'select' ? (
            <input
              type="checkbox"
              aria-label={selectLabel}
              checked={selected}
              onChange={() => undefined}
              onClick={(event) => {
                event.stopPropagation()
                onSelect(id, { range: event.shiftKey, toggle: true })
              }}
            />
          ) : (
            renderCell(cellIndex)
          )}
        </div>
      ))}
    </div>
  )
}
