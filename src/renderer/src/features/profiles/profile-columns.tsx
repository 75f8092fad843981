import {
  columnResizingFeature,
  columnSizingFeature,
  createColumnHelper,
  rowSortingFeature,
  tableFeatures,
} from '@tanstack/react-table'
import type { ReactNode } from 'react'
import type { ProfileRow } from '../../../../shared/contract/profiles'
import { StatusChip } from '../../components/StatusChip'
import { formatDateTime, formatRelative } from '../../lib/format'
import { describeErrorCode, STATUS_LABELS } from '../../lib/labels'
import { ManualFixBadge } from '../triage/ManualFixBadge'
import { ApiAppCell, UsernameCell } from './MappingCells'
import { TokenChips } from './TokenCells'

export interface ProfileColumnMeta {
  /** Header text (also the sort button's name). */
  label: string
  /** Draws the cell from the live row (the row component subscribes to its own profile). */
  render?: (row: ProfileRow) => ReactNode
  align?: 'start' | 'end'
}

/** Table v9 declares its features up front: sorting (done by the store, `manualSorting`) and column sizing/resizing. */
export const profileTableFeatures = tableFeatures({
  rowSortingFeature,
  columnSizingFeature,
  columnResizingFeature,
  columnMeta: {} as ProfileColumnMeta,
})

const helper = createColumnHelper<typeof profileTableFeatures, ProfileRow>()

function when(iso: string | null, now?: number): ReactNode {
  return iso ? <time dateTime={iso} title={formatDateTime(iso)}>{formatRelative(iso, now)}</time> : <span className="muted">—</span>
}

/** The newest attempt, and the API app it was for (marked when it is not the profile's own). */
function statusCell(row: ProfileRow): ReactNode {
  const error = describeErrorCode(row.lastErrorCode)
  const otherApp = row.lastApiApp !== null && row.apiApp !== null && row.lastApiApp !== row.apiApp
  const title = row.lastStatus
    ? `${STATUS_LABELS[row.lastStatus]}${row.lastApiApp ? ` for ${row.lastApiApp}` : ''}${error ? ` — ${row.lastErrorCode}: ${error.sentence}` : ''}` +
      (otherApp ? `\nThis profile is mapped to ${row.apiApp}; its token for ${row.apiApp} is in the Tokens column.` : '')
    : undefined
  return (
    <span className="status-cell" title={title}>
      <StatusChip status={row.lastStatus} title={title} />
      {row.lastStatus && row.lastApiApp ? <span className={`attempt-app${otherApp ? ' is-other' : ''}`}>{row.lastApiApp}</span> : null}
      {row.lastErrorCode ? <span className="error-code">{row.lastErrorCode}</span> : null}
    </span>
  )
}

function text(value: string | null): ReactNode {
  return value ? <span title={value}>{value}</span> : <span className="muted">—</span>
}

export const profileColumns = helper.columns([
  helper.display({ id: 'select', size: 32, enableSorting: false, enableResizing: false, meta: { label: 'Selected' } }),
  helper.accessor('name', {
    header: 'Name',
    size: 124,
    meta: {
      label: 'Name',
      render: (row) => (
        <span className="name-cell" title={row.notes ? `${row.name}\n${row.notes}` : row.name}>
          {row.inUse ? <span className="running-dot" title="Running now" aria-label="running" /> : null}
          <ManualFixBadge row={row} />
          {row.name}
        </span>
      ),
    },
  }),
  helper.accessor('username', { header: 'X username', size: 116, meta: { label: 'X username', render: (row) => <UsernameCell row={row} /> } }),
  helper.accessor('apiApp', { header: 'API app', size: 94, meta: { label: 'API app', render: (row) => <ApiAppCell row={row} /> } }),
  helper.accessor('lastStatus', { id: 'status', header: 'Last attempt', size: 186, meta: { label: 'Last attempt', render: statusCell } }),
  helper.accessor('lastAttemptAt', { header: 'When', size: 80, meta: { label: 'When', render: (row) => when(row.lastAttemptAt) } }),
  helper.accessor('tokens', { header: 'Tokens', size: 290, meta: { label: 'Tokens', render: (row) => <TokenChips row={row} /> } }),
  helper.accessor('folder', { header: 'Folder', size: 84, meta: { label: 'Folder', render: (row) => text(row.folder) } }),
  helper.accessor((row) => row.tags.join(', '), {
    id: 'tags',
    header: 'Tags',
    size: 80,
    meta: { label: 'Tags', render: (row) => (row.tags.length ? <span title={row.tags.join(', ')}>{row.tags.join(', ')}</span> : <span className="muted">—</span>) },
  }),
  helper.accessor('proxyCountry', {
    header: 'Proxy',
    size: 60,
    meta: { label: 'Proxy', render: (row) => (row.proxyCountry ? row.proxyCountry.toUpperCase() : <span className="muted">—</span>) },
  }),
  helper.accessor('isActive', {
    header: 'Active',
    size: 64,
    meta: { label: 'Active', render: (row) => (row.isActive ? 'Yes' : <span className="muted" title="No longer in the GoLogin account">No</span>) },
  }),
  helper.accessor('lastSynced', { header: 'Last synced', size: 92, meta: { label: 'Last synced', render: (row) => when(row.lastSynced) } }),
])

/** Column id → its meta, in display order (the row component draws cells from this). */
export const PROFILE_CELLS: readonly { id: string; meta: ProfileColumnMeta }[] = profileColumns.map((column) => ({
  id: (column.id ?? (column as { accessorKey?: string }).accessorKey)!,
  meta: column.meta!,
}))
