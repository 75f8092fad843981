import { columnResizingFeature, columnSizingFeature, createColumnHelper, tableFeatures } from '@tanstack/react-table'
import type { ReactNode } from 'react'
import type { SessionRow } from '../../../../shared/contract/sessions'
import { StatusChip } from '../../components/StatusChip'
import { formatClock, formatDateTime } from '../../lib/format'
import { describeErrorCode, STEP_LABELS } from '../../lib/labels'
import { LiveDuration } from './LiveDuration'

export interface SessionCellActions {
  onScreenshot(session: SessionRow): void
}

export interface SessionColumnMeta {
  label: string
  render?: (row: SessionRow, actions: SessionCellActions) => ReactNode
  align?: 'start' | 'end'
}

export const sessionTableFeatures = tableFeatures({ columnSizingFeature, columnResizingFeature, columnMeta: {} as SessionColumnMeta })
const helper = createColumnHelper<typeof sessionTableFeatures, SessionRow>()

const muted = <span className="muted">—</span>

function errorCell(row: SessionRow): ReactNode {
  if (!row.errorCode && !row.errorMessage) return muted
  const info = describeErrorCode(row.errorCode)
  const sentence = row.errorMessage || info?.sentence || ''
  const hint = info ? (info.retryable ? 'Retry may help.' : 'Needs a person: a retry alone will not help. Fix it by hand (Open profile), or set it aside (Needs a manual fix).') : ''
  return (
    <span className="error-cell" title={`${row.errorCode ?? ''} ${sentence} ${hint}`.trim()}>
      {row.errorCode ? <span className="error-code">{row.errorCode}</span> : null}
      <span className="error-sentence">{sentence}</span>
    </span>
  )
}

// Sized so every column fits a 1280 px window; the Error column takes the rest, and any column can be dragged wider.
export const sessionColumns = helper.columns([
  helper.display({ id: 'select', size: 34, enableResizing: false, meta: { label: 'Selected' } }),
  helper.accessor('username', { header: 'Account', size: 116, meta: { label: 'Account', render: (row) => (row.username ? `@${row.username}` : muted) } }),
  helper.accessor('profileName', {
    header: 'Profile',
    size: 112,
    meta: { label: 'Profile', render: (row) => <span title={row.profileId}>{row.profileName ?? row.profileId}</span> },
  }),
  helper.accessor('apiApp', { header: 'API app', size: 92, meta: { label: 'API app', render: (row) => row.apiApp || muted } }),
  helper.accessor('status', {
    header: 'Status',
    size: 104,
    meta: {
      label: 'Status',
      render: (row) => (
        <>
          <StatusChip status={row.status} />
          {row.deliveredToCallback ? (
            <span className="muted" title={`X’s answer went to the app’s own callback${row.callbackAnswer?.status ? ` (HTTP ${row.callbackAnswer.status}${row.callbackAnswer.url ? ` at ${row.callbackAnswer.url}` : ''})` : ''}; the panel holds no token.`}>
              {' '}→ callback
            </span>
          ) : null}
        </>
      ),
    },
  }),
  helper.accessor('step', {
    header: 'Step',
    size: 136,
    meta: { label: 'Step', render: (row) => (row.step && row.status === 'in_progress' ? STEP_LABELS[row.step] : row.step ? <span className="muted">{STEP_LABELS[row.step]}</span> : muted) },
  }),
  helper.accessor('attempt', { header: 'Try', size: 40, meta: { label: 'Try', align: 'end', render: (row) => row.attempt } }),
  helper.accessor('startedAt', {
    header: 'Started',
    size: 78,
    meta: { label: 'Started', render: (row) => (row.startedAt ? <time dateTime={row.startedAt} title={formatDateTime(row.startedAt)}>{formatClock(row.startedAt)}</time> : muted) },
  }),
  helper.accessor('durationMs', { header: 'Duration', size: 76, meta: { label: 'Duration', align: 'end', render: (row) => <LiveDuration row={row} /> } }),
  helper.display({
    id: 'links',
    header: 'Details',
    size: 132,
    meta: {
      label: 'Details',
      render: (row, actions) => (
        <span className="link-cell">
          <a href={`#/logs?session=${encodeURIComponent(row.id)}`} aria-label={`Logs of ${row.username ? `@${row.username}` : row.id}`}>
            Logs
          </a>
          {row.hasScreenshot ? (
            <button type="button" className="link-button" aria-label={`Screenshot of ${row.username ? `@${row.username}` : row.id}`} onClick={() => actions.onScreenshot(row)}>
              Screenshot
            </button>
          ) : null}
        </span>
      ),
    },
  }),
  helper.accessor('errorCode', { header: 'Error', size: 132, meta: { label: 'Error', render: errorCell } }),
])

export const SESSION_CELLS: readonly { id: string; meta: SessionColumnMeta }[] = sessionColumns.map((column) => ({
  id: (column.id ?? (column as { accessorKey?: string }).accessorKey)!,
  meta: column.meta!,
}))
