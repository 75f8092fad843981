import type { RefObject } from 'react'
import type { LogLevel } from '../../../../shared/contract/logs'
import { Icon } from '../../components/Icon'
import { LEVELS } from './filter'

const LEVEL_LABELS: Record<LogLevel, string> = { debug: 'Debug', info: 'Info', warn: 'Warn', error: 'Error' }

interface LogToolbarProps {
  searchRef: RefObject<HTMLInputElement | null>
  search: string
  onSearch(text: string): void
  session: string
  onSession(text: string): void
  levels: Record<LogLevel, boolean>
  levelCounts: Record<LogLevel, number>
  onToggleLevel(level: LogLevel): void
}

export function LogToolbar(props: LogToolbarProps) {
  const { searchRef, search, onSearch, session, onSession, levels, levelCounts, onToggleLevel } = props
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
      <div className="level-toggles" role="group" aria-label="Levels">
        {LEVELS.map((level) => (
          <button
            key={level}
            type="button"
            className={`level-toggle toggle-${level}`}
            aria-pressed={levels[level]}
            title={`${levels[level] ? 'Hide' : 'Show'} ${level} lines`}
            onClick={() => onToggleLevel(level)}
          >
            <span className="level-toggle-label">{LEVEL_LABELS[level]}</span>
            <span className="level-toggle-count">{levelCounts[level].toLocaleString()}</span>
          </button>
        ))}
      </div>
      <input
        className="session-field"
        type="text"
        aria-label="Session id"
        placeholder="Session id"
        spellCheck={false}
        value={session}
        onChange={(event) => onSession(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && session) {
            event.preventDefault()
            onSession('')
          }
        }}
      />
    </div>
  )
}
