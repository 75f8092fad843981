import { useTable, type SortingState, type Updater } from '@tanstack/react-table'
import { useCallback, useMemo, type ReactNode } from 'react'
import type { ProfileRow } from '../../../../shared/contract/profiles'
import { DataGrid, type GridColumn, type GridRowProps } from '../../components/DataGrid'
import { appStore } from '../../stores/app-store'
import { countVisibleSelected } from '../../stores/profile-view'
import { useAppStore, useAppStoreShallow } from '../../stores/use-app-store'
import { profileColumns, profileTableFeatures } from './profile-columns'
import { ProfileGridRow } from './ProfileGridRow'
import { clickSelection, selectAllMatching, type ClickModifiers } from './selection'

export const PROFILE_ROW_HEIGHT = 28
const getRowId = (row: ProfileRow) => row.id
const DEFAULT_SORT = { column: 'name', desc: false }

function selectRow(id: string, modifiers: ClickModifiers): void {
  const state = appStore.getState()
  const { selection, anchor } = clickSelection(state.profileSelection, state.profileAnchor, state.profileVisibleIds, id, modifiers)
  if (selection !== state.profileSelection || anchor !== state.profileAnchor) state.setProfileSelection(selection, anchor)
}

/**
 * The profiles grid: @tanstack/react-table v9 owns the columns, their sizes and the sort state
 * (the sorting itself is done once in the store, `manualSorting`), rows are keyed by profile id,
 * and @tanstack/react-virtual renders only the rows in view.
 */
export function ProfileGrid({ empty }: { empty: ReactNode }) {
  const { visibleIds, appliedSearch, sort, setSort } = useAppStoreShallow((state) => ({
    visibleIds: state.profileVisibleIds,
    appliedSearch: state.profileFilter.search,
    sort: state.profileSort,
    setSort: state.setProfileSort,
  }))
  // Rows are read live by each row component; the table only needs identity and order.
  const data = useMemo(() => {
    const rows = appStore.getState().profilesById
    const list: ProfileRow[] = []
    for (const id of visibleIds) {
      const row = rows.get(id)
      if (row) list.push(row)
    }
    return list
  }, [visibleIds])
  const sorting = useMemo<SortingState>(() => [{ id: sort.column, desc: sort.desc }], [sort])
  const onSortingChange = useCallback(
    (updater: Updater<SortingState>) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater
      setSort(next[0] ? { column: next[0].id, desc: next[0].desc } : DEFAULT_SORT)
    },
    [sorting, setSort],
  )

  const table = useTable({
    features: profileTableFeatures,
    columns: profileColumns,
    data,
    getRowId,
    manualSorting: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
    columnResizeMode: 'onChange',
    state: { sorting },
    onSortingChange,
  })

  const columns: GridColumn[] = table.getHeaderGroups()[0].headers.map((header) => {
    const column = header.column
    const meta = column.columnDef.meta!
    return {
      id: column.id,
      label: meta.label,
      content: column.id === 'select' ? <SelectVisibleCheckbox /> : undefined,
      size: header.getSize(),
      sorted: column.getIsSorted(),
      onSort: column.getCanSort() ? column.getToggleSortingHandler() : undefined,
      onResizeStart: column.getCanResize() ? header.getResizeHandler() : undefined,
      isResizing: column.getIsResizing(),
      align: meta.align,
    }
  })

  const renderRow = useCallback((props: GridRowProps) => <ProfileGridRow key={props.id} {...props} onSelect={selectRow} />, [])

  return (
    <DataGrid
      label="Profiles"
      columns={columns}
      rows={table.getRowModel().rows}
      rowHeight={PROFILE_ROW_HEIGHT}
      renderRow={renderRow}
      empty={empty}
      multiselectable
      onRowKey={(id, event) => {
        if (event.key === ' ') selectRow(id, { range: false, toggle: true })
      }}
      onRowRange={(id) => selectRow(id, { range: true, toggle: false })}
      appliedFilter={appliedSearch}
    />
  )
}

/** The header checkbox: checked when every visible row is selected; toggles the visible rows. */
function SelectVisibleCheckbox() {
  const { visibleIds, selection } = useAppStoreShallow((state) => ({ visibleIds: state.profileVisibleIds, selection: state.profileSelection }))
  const setSelection = useAppStore((state) => state.setProfileSelection)
  const selectedVisible = useMemo(() => countVisibleSelected(selection, visibleIds), [selection, visibleIds])
  const all = visibleIds.length > 0 && selectedVisible === visibleIds.length
  return (
    <input
      type="checkbox"
      aria-label="Select all matching"
      checked={all}
      ref={(element) => {
        if (element) element.indeterminate = selectedVisible > 0 && !all
      }}
      onChange={() => {
        if (!all) return setSelection(selectAllMatching(visibleIds), null)
        const next = new Set(selection)
        for (const id of visibleIds) next.delete(id)
        setSelection(next, null)
      }}
    />
  )
}
