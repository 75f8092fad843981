import { useVirtualizer } from '@tanstack/react-virtual'
import { useId, useRef, useState, type CSSProperties, type KeyboardEvent, type ReactNode } from 'react'

/** One column header as the grid draws it (built from the table's headers by each page). */
export interface GridColumn {
  id: string
  label: string
  /** Hidden label for icon-only headers (the checkbox column). */
  content?: ReactNode
  size: number
  sorted: false | 'asc' | 'desc'
  onSort?: (event: unknown) => void
  onResizeStart?: (event: unknown) => void
  isResizing?: boolean
  align?: 'start' | 'end'
}

export interface GridRowProps {
  id: string
  /** Position in the grid's rows (0-based). */
  index: number
  start: number
  active: boolean
  domId: string
  /** With `measureRows`: the row's element goes here (with `data-index`), so its drawn height is used. */
  measureRef?: (element: Element | null) => void
}

interface DataGridProps {
  label: string
  columns: readonly GridColumn[]
  rows: readonly { id: string }[]
  rowHeight: number
  renderRow(props: GridRowProps): ReactNode
  /** Shown instead of rows when there are none. */
  empty?: ReactNode
  multiselectable?: boolean
  /** Space/Enter on the active row (arrow keys move it). */
  onRowKey?(id: string, event: KeyboardEvent): void
  /** Arrow keys with Shift: extend the selection to the newly active row. */
  onRowRange?(id: string): void
  /** The search the rows reflect (exposed as `data-filter` for tests and benchmarks). */
  appliedFilter?: string
  /**
   * Rows may grow past `rowHeight` (a cell that wraps): each row is measured as drawn. Off by default:
   * fixed-height rows cost nothing to lay out.
   */
  measureRows?: boolean
}

const PAGE_ROWS = 10
/** Must match `.grid-head` in grid.css: rows start below the sticky header. */
export const HEADER_HEIGHT = 30

/**
 * A virtualized ARIA grid: sticky sortable/resizable headers, a row window from
 * @tanstack/react-virtual (only the visible rows exist in the DOM), and keyboard navigation.
 * Columns are laid out by a CSS grid template in a custom property, so resizing a column does not
 * re-render any row.
 */
export function DataGrid({ label, columns, rows, rowHeight, renderRow, empty, multiselectable, onRowKey, onRowRange, appliedFilter, measureRows }: DataGridProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const gridId = useId()
  const [activeIndex, setActiveIndex] = useState(0)
  const active = Math.min(activeIndex, Math.max(rows.length - 1, 0))

  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer re-renders this component itself.
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    paddingStart: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    getItemKey: (index) => rows[index].id,
  })
  const measureRef = measureRows ? virtualizer.measureElement : undefined

  // The last column takes any spare width, so a wide window has no empty strip on the right.
  const template = columns.map((column, i) => (i === columns.length - 1 ? `minmax(${column.size}px, 1fr)` : `${column.size}px`)).join(' ')
  const width = columns.reduce((sum, column) => sum + column.size, 0)
  const style = { '--grid-template': template, '--grid-width': `${width}px`, '--row-height': `${rowHeight}px` } as CSSProperties

  const moveTo = (index: number, extend: boolean) => {
    const next = Math.max(0, Math.min(rows.length - 1, index))
    setActiveIndex(next)
    virtualizer.scrollToIndex(next, { align: 'auto' })
    if (extend && rows[next]) onRowRange?.(rows[next].id)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.target !== event.currentTarget || rows.length === 0) return
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + PAGE_ROWS,
      PageUp: active - PAGE_ROWS,
      Home: 0,
      End: rows.length - 1,
    }
    if (event.key in moves) {
      event.preventDefault()
      moveTo(moves[event.key], event.shiftKey)
    } else if ((event.key === ' ' || event.key === 'Enter') && rows[active]) {
      event.preventDefault()
      onRowKey?.(rows[active].id, event)
    }
  }

  return (
    <div
      ref={scrollRef}
      className={`grid-scroll${measureRows ? ' has-measured-rows' : ''}`}
      role="grid"
      aria-label={label}
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      aria-multiselectable={multiselectable || undefined}
      aria-activedescendant={rows.length ? `${gridId}-r${active}` : undefined}
      tabIndex={0}
      data-filter={appliedFilter}
      style={style}
      onKeyDown={onKeyDown}
    >
      <div className="grid-inner" style={{ height: virtualizer.getTotalSize() }}>
        <div className="grid-head" role="rowgroup">
          <div className="grid-row grid-header-row" role="row" aria-rowindex={1}>
            {columns.map((column) => (
              <HeaderCell key={column.id} column={column} />
            ))}
          </div>
        </div>
        <div className="grid-body" role="rowgroup">
          {virtualizer.getVirtualItems().map((item) =>
            renderRow({ id: rows[item.index].id, index: item.index, start: item.start, active: item.index === active, domId: `${gridId}-r${item.index}`, measureRef }),
          )}
        </div>
        {rows.length === 0 && empty ? <div className="grid-empty">{empty}</div> : null}
      </div>
    </div>
  )
}

function HeaderCell({ column }: { column: GridColumn }) {
  const sort = column.sorted === 'asc' ? 'ascending' : column.sorted === 'desc' ? 'descending' : column.onSort ? 'none' : undefined
  const classes = `grid-cell grid-header-cell${column.align === 'end' ? ' align-end' : ''}${column.onSort ? ' is-sortable' : ''}`
  return (
    <div role="columnheader" aria-sort={sort} className={classes}>
      {column.onSort ? (
        // The button spans the whole cell: a click anywhere on the header sorts (the resizer sits on top of its edge).
        <button type="button" className="grid-sort" onClick={column.onSort} title={`Sort by ${column.label}`}>
          <span className="grid-header-label">{column.label}</span>
          <span className={`grid-sort-mark${column.sorted ? '' : ' is-unsorted'}`} aria-hidden="true">
            {column.sorted === 'asc' ? '▲' : column.sorted === 'desc' ? '▼' : '↕'}
          </span>
        </button>
      ) : (
        (column.content ?? <span className="grid-header-label">{column.label}</span>)
      )}
      {column.onResizeStart ? (
        <span
          className={`grid-resizer${column.isResizing ? ' is-resizing' : ''}`}
          aria-hidden="true"
          title={`Drag to resize ${column.label}`}
          onMouseDown={column.onResizeStart}
          onTouchStart={column.onResizeStart}
          onClick={(event) => event.stopPropagation()}
        />
      ) : null}
    </div>
  )
}
