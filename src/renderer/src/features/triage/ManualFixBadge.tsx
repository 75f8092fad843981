import type { ProfileRow } from '../../../../shared/contract/profiles'
import { formatDateTime } from '../../lib/format'

/** The grid's flag of an account set aside as "needs a manual fix" (left out of retries until cleared). */
export function ManualFixBadge({ row }: { row: Pick<ProfileRow, 'manualFixSince' | 'manualFixReason'> }) {
  if (!row.manualFixSince) return null
  const reason = row.manualFixReason ? ` for ${row.manualFixReason}` : ''
  return (
    <span
      className="manual-fix-badge"
      role="img"
      aria-label="Needs a manual fix"
      title={`Needs a manual fix: set aside${reason} since ${formatDateTime(row.manualFixSince)}; retries leave it out until the mark is cleared`}
    >
      ⚑
    </span>
  )
}
