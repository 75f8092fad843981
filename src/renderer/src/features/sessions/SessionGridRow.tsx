import { memo } from 'react'
import type { GridRowProps } from '../../components/DataGrid'
import { SelectableGridRow } from '../../components/SelectableGridRow'
import { useAppStore } from '../../stores/use-app-store'
import type { ClickModifiers } from '../profiles/selection'
import { SESSION_CELLS, type SessionCellActions } from './session-columns'

interface SessionGridRowProps extends GridRowProps {
  actions: SessionCellActions
  onSelect(id: string, modifiers: ClickModifiers): void
}

/** One attempt; subscribes to its own session, so 200 updates a second re-render only the rows they touch. */
export const SessionGridRow = memo(function SessionGridRow({ actions, onSelect, ...position }: SessionGridRowProps) {
  const row = useAppStore((state) => state.sessionsById.get(position.id))
  const selected = useAppStore((state) => state.sessionSelection.has(position.id))
  if (!row) return null
  const label = row.username ? `@${row.username}` : (row.profileName ?? row.id)
  return (
    <SelectableGridRow
      {...position}
      selected={selected}
      status={row.status}
      selectLabel={`Select session of ${label}`}
      cells={SESSION_CELLS}
      renderCell={(i) => SESSION_CELLS[i].meta.render?.(row, actions)}
      onSelect={onSelect}
    />
  )
})
