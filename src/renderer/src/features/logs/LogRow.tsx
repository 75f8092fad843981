import { memo, type Ref } from 'react'
import type { LogEntry } from '../../../../shared/contract/logs'
import { Icon } from '../../components/Icon'
import { compactFields, formatLogTime, prettyJson } from './format'

interface LogRowProps {
  entry: LogEntry
  index: number
  start: number
  expanded: boolean
  onToggle(seq: number): void
  measureRef: Ref<HTMLDivElement>
}

/** One log line: time, level chip, scope, event, message and fields; click (or the chevron) for the full JSON. */
export const LogRow = memo(function LogRow({ entry, index, start, expanded, onToggle, measureRef }: LogRowProps) {
  const fields = compactFields(entry.fields)
  const toggleUnlessSelecting = () => {
    // Selecting text to copy it must not fold the row.
    if (window.getSelection()?.toString()) return
    onToggle(entry.seq)
  }
  return (
    <div
      ref={measureRef}
      data-index={index}
      className={`log-row log-${entry.level}${expanded ? ' is-expanded' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
    >
      <div className="log-line" onClick={toggleUnlessSelecting}>
        <button
          type="button"
          className="log-expand"
          aria-expanded={expanded}
          aria-label={expanded ? 'Hide details' : 'Show details'}
          onClick={(event) => {
            event.stopPropagation()
            onToggle(entry.seq)
          }}
        >
          <Icon name="chevron" size={12} />
        </button>
        <time className="log-time" dateTime={entry.ts} title={entry.ts}>
          {formatLogTime(entry.ts)}
        </time>
        <span className={`log-level level-${entry.level}`}>{entry.level}</span>
        <span className="log-scope" title={entry.scope}>
          {entry.scope}
        </span>
        <span className="log-event" title={entry.event}>
          {entry.event}
        </span>
        <span className="log-text">
          {entry.msg ? <span className="log-msg">{entry.msg}</span> : null}
          {fields ? <span className="log-fields">{fields}</span> : null}
        </span>
      </div>
      {expanded ? <pre className="log-details">{prettyJson(entry)}</pre> : null}
    </div>
  )
})
