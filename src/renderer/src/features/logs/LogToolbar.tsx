import type { RefObject } from 'react'
import type { LogLevel } from '../../../../shared/contract/logs'
import { Icon } from '../../components/Icon'
import { countFrom, LEVELS, MIN_LEVEL_LABELS, minLevelOf } from './filter'
import { SessionFilter } from './SessionFilter'

interface LogToolbarProps {
  searchRef: RefObject<HTMLInputElement | null>
  search: string
  onSearch(text: string): void
  session: string
  onClearSession(): void
  levels: Record<LogLevel, boolean>
  levelCounts: Record<LogLevel, number>
  onMinLevel(level: LogLevel): void
}

export function LogToolbar(props: LogToolbarProps) {
  const { searchRef, search, onSearch, session, onClearSession, levels, levelCounts, onMinLevel } = props
  const min = minLevelOf(levels)
  const shortcut = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘F' : 'Ctrl+F'
  return (
    <div className="log-toolbar" role="toolbar" aria-label="Log filters">
      <label className="search-field">
        <Icon name="search" />
        <input
          ref={searchRef}
          type="search"
          aria-label="Search logs"
          placeholder={`Search message, event, scope, fields (${shortcut})`}
          value={search}
          onChange={(event) => onSearch(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault()
              onSearch('')
            }
          }}
        />
      </label>
      {/* A minimum level, as the log file's own level works: each choice says what it shows, and how many lines. */}
      <div className="level-toggles" role="radiogroup" aria-label="Levels shown">
        {LEVELS.map((level) => (
          <button
            key={level}
            type="button"
            role="radio"
            className={`level-toggle toggle-${level}`}
            aria-checked={min === level}
            title={`Show ${MIN_LEVEL_LABELS[level].toLowerCase()}`}
            onClick={() => onMinLevel(level)}
          >
            <span className="level-toggle-label">{MIN_LEVEL_LABELS[level]}</span>
            <span className="level-toggle-count">{countFrom(levelCounts, level).toLocaleString()}</span>
          </button>
        ))}
      </div>
      {session ? <SessionFilter sessionId={session} onClear={onClearSession} /> : null}
    </div>
  )
}
