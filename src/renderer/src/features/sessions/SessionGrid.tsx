import { useTable } from '@tanstack/react-table'
import { useCallback, useMemo, type ReactNode } from 'react'
import type { SessionRow } from '../../../../shared/contract/sessions'
import { DataGrid, type GridColumn, type GridRowProps } from '../../components/DataGrid'
import { useColumnWidths } from '../../lib/use-column-widths'
import { appStore } from '../../stores/app-store'
import { useAppStore } from '../../stores/use-app-store'
import { clickSelection, type ClickModifiers } from '../profiles/selection'
import { SESSION_CELLS, sessionColumns, sessionTableFeatures, type SessionCellActions } from './session-columns'
import { SessionGridRow } from './SessionGridRow'

const ROW_HEIGHT = 28
const getRowId = (row: SessionRow) => row.id
const COLUMN_IDS = SESSION_CELLS.map((cell) => cell.id)

function selectSession(id: string, modifiers: ClickModifiers): void {
  const state = appStore.getState()
  const { selection, anchor } = clickSelection(state.sessionSelection, state.sessionAnchor, state.sessionVisibleIds, id, modifiers)
  if (selection !== state.sessionSelection || anchor !== state.sessionAnchor) state.setSessionSelection(selection, anchor)
}

/** The live Sessions table (newest first); each row follows its own session's pushed updates. */
export function SessionGrid({ empty, actions }: { empty: ReactNode; actions: SessionCellActions }) {
  const visibleIds = useAppStore((state) => state.sessionVisibleIds)
  const data = useMemo(() => {
    const rows = appStore.getState().sessionsById
    const list: SessionRow[] = []
    for (const id of visibleIds) {
      const row = rows.get(id)
      if (row) list.push(row)
    }
    return list
  }, [visibleIds])
  // Widths the operator dragged stay across reloads.
  const { columnSizing, onColumnSizingChange } = useColumnWidths('sessions', COLUMN_IDS)
  const table = useTable({
    features: sessionTableFeatures,
    columns: sessionColumns,
    data,
    getRowId,
    columnResizeMode: 'onChange',
    state: { columnSizing },
    onColumnSizingChange,
  })

  const columns: GridColumn[] = table.getHeaderGroups()[0].headers.map((header) => ({
    id: header.column.id,
    label: header.column.columnDef.meta!.label,
    content: header.column.id === 'select' ? <span className="visually-hidden">Selected</span> : undefined,
    size: header.getSize(),
    sorted: false,
    onResizeStart: header.column.getCanResize() ? header.getResizeHandler() : undefined,
    isResizing: header.column.getIsResizing(),
    align: header.column.columnDef.meta!.align,
  }))

  const renderRow = useCallback(
    (props: GridRowProps) => <SessionGridRow key={props.id} {...props} actions={actions} onSelect={selectSession} />,
    [actions],
  )

  return (
    <DataGrid
      label="Sessions"
      columns={columns}
      rows={table.getRowModel().rows}
      rowHeight={ROW_HEIGHT}
      renderRow={renderRow}
      empty={empty}
      multiselectable
      measureRows
      onRowKey={(id, event) => {
        if (event.key === ' ') selectSession(id, { range: false, toggle: true })
      }}
      onRowRange={(id) => selectSession(id, { range: true, toggle: false })}
    />
  )
}
