import type { SessionStatus } from '../../../shared/contract/sessions'
import { STATUS_LABELS } from '../lib/labels'

/** A session status as a small coloured label; `null` shows "Never". */
export function StatusChip({ status, title }: { status: SessionStatus | null; title?: string }) {
  if (!status) {
    return (
      <span className="chip chip-none" title={title ?? 'No authorization attempt yet'}>
        Never
      </span>
    )
  }
  return (
    <span className={`chip chip-${status}`} title={title}>
      {status === 'in_progress' ? <span className="chip-pulse" aria-hidden="true" /> : null}
      {STATUS_LABELS[status]}
    </span>
  )
}
