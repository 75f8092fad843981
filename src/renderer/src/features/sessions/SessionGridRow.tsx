import { memo, type MouseEvent } from 'react'
import type { GridRowProps } from '../../components/DataGrid'
import { useAppStore } from '../../stores/use-app-store'
import type { ClickModifiers } from '../profiles/selection'
import { SESSION_CELLS, type SessionCellActions } from './session-columns'

interface SessionGridRowProps extends GridRowProps {
  actions: SessionCellActions
  onSelect(id: string, modifiers: ClickModifiers): void
}

const INTERACTIVE = 'input, select, button, a, textarea, label'

/** One attempt; subscribes to its own session, so 200 updates a second re-render only the rows they touch. */
export const SessionGridRow = memo(function SessionGridRow({ id, index, start, active, domId, actions, onSelect }: SessionGridRowProps) {
  const row = useAppStore((state) => state.sessionsById.get(id))
  const selected = useAppStore((state) => state.sessionSelection.has(id))
  if (!row) return null
  const onClick = (event: MouseEvent) => {
    if ((event.target as Element).closest(INTERACTIVE)) return
    if (event.shiftKey) window.getSelection()?.removeAllRanges()
    onSelect(id, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey })
  }
  const label = row.username ? `@${row.username}` : (row.profileName ?? row.id)
  return (
    <div
      id={domId}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-status={row.status}
      className={`grid-row${selected ? ' is-selected' : ''}${active ? ' is-active' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      onClick={onClick}
    >
      {SESSION_CELLS.map(({ id: columnId, meta }) => (
        <div key={columnId} role="gridcell" className={`grid-cell cell-${columnId}${meta.align === 'end' ? ' align-end' : ''}`}>
          {columnId === 'select' ? (
            <input
              type="checkbox"
              aria-label={`Select session of ${label}`}
              checked={selected}
              onChange={() => undefined}
              onClick={(event) => {
                event.stopPropagation()
                onSelect(id, { range: event.shiftKey, toggle: true })
              }}
            />
          ) : (
            meta.render?.(row, actions)
          )}
        </div>
      ))}
    </div>
  )
})
