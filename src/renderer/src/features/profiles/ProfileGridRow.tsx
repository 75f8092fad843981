import { memo } from 'react'
import type { GridRowProps } from '../../components/DataGrid'
import { SelectableGridRow } from '../../components/SelectableGridRow'
import { useAppStore } from '../../stores/use-app-store'
import { PROFILE_CELLS } from './profile-columns'
import type { ClickModifiers } from './selection'

interface ProfileGridRowProps extends GridRowProps {
  onSelect(id: string, modifiers: ClickModifiers): void
}

/**
 * One grid row. It subscribes to its own profile and its own "selected" flag, so a pushed change
 * to one profile re-renders this row alone.
 */
export const ProfileGridRow = memo(function ProfileGridRow({ onSelect, ...position }: ProfileGridRowProps) {
  const row = useAppStore((state) => state.profilesById.get(position.id))
  const selected = useAppStore((state) => state.profileSelection.has(position.id))
  if (!row) return null
  return (
    <SelectableGridRow
      {...position}
      selected={selected}
      className={row.isActive ? undefined : 'is-inactive'}
      selectLabel={`Select ${row.name}`}
      cells={PROFILE_CELLS}
      renderCell={(i) => PROFILE_CELLS[i].meta.render?.(row)}
      onSelect={onSelect}
    />
  )
})
