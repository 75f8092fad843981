import { useEffect, useState } from 'react'
import type { SessionRow } from '../../../../shared/contract/sessions'
import { formatDuration } from '../../lib/format'

/** The attempt's duration; while it runs, counted up once a second (only running rows tick). */
export function LiveDuration({ row }: { row: SessionRow }) {
  if (row.durationMs !== null) return <>{formatDuration(row.durationMs)}</>
  if (row.status !== 'in_progress' || !row.startedAt) return <span className="muted">—</span>
  return <Ticking startedAt={row.startedAt} />
}

function Ticking({ startedAt }: { startedAt: string }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [])
  return <span className="muted">{formatDuration(Math.max(0, now - Date.parse(startedAt)))}</span>
}
