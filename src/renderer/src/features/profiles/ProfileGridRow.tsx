import { memo, type MouseEvent } from 'react'
import type { GridRowProps } from '../../components/DataGrid'
import { useAppStore } from '../../stores/use-app-store'
import { PROFILE_CELLS } from './profile-columns'
import type { ClickModifiers } from './selection'

interface ProfileGridRowProps extends GridRowProps {
  onSelect(id: string, modifiers: ClickModifiers): void
}

/** Clicks on these do their own thing and leave the selection alone. */
const INTERACTIVE = 'input, select, button, a, textarea, label'

/**
 * One grid row. It subscribes to its own profile and its own "selected" flag, so a pushed change
 * to one profile re-renders this row alone.
 */
export const ProfileGridRow = memo(function ProfileGridRow({ id, index, start, active, domId, onSelect }: ProfileGridRowProps) {
  const row = useAppStore((state) => state.profilesById.get(id))
  const selected = useAppStore((state) => state.profileSelection.has(id))
  if (!row) return null

  const onClick = (event: MouseEvent) => {
    if ((event.target as Element).closest(INTERACTIVE)) return
    // Shift-click selects a range; keep the browser from also selecting the text in between.
    if (event.shiftKey) window.getSelection()?.removeAllRanges()
    onSelect(id, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey })
  }

  return (
    <div
      id={domId}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      className={`grid-row${selected ? ' is-selected' : ''}${active ? ' is-active' : ''}${row.isActive ? '' : ' is-inactive'}`}
      style={{ transform: `translateY(${start}px)` }}
      onClick={onClick}
    >
      {PROFILE_CELLS.map(({ id: columnId, meta }) => (
        <div key={columnId} role="gridcell" className={`grid-cell cell-${columnId}${meta.align === 'end' ? ' align-end' : ''}`}>
          {columnId === 'select' ? (
            <input
              type="checkbox"
              aria-label={`Select ${row.name}`}
              checked={selected}
              onChange={() => undefined}
              onClick={(event) => {
                event.stopPropagation()
                onSelect(id, { range: event.shiftKey, toggle: true })
              }}
            />
          ) : (
            meta.render?.(row)
          )}
        </div>
      ))}
    </div>
  )
})
