import { useCallback, useEffect, useMemo, useRef, useState, type RefObject } from 'react'
import { navigate } from '../../app/use-hash-route'
import { Icon } from '../../components/Icon'
import { PageHeader } from '../../components/PageHeader'
import { useAppStoreShallow } from '../../stores/use-app-store'
import { copyText } from './clipboard'
import { filterLogs, toJsonLines } from './filter'
import { formatLogTime } from './format'
import { LogList } from './LogList'
import { LogToolbar } from './LogToolbar'

/** The Logs page: the panel's structured log, live, filterable, copyable. `sessionFilter` comes from `#/logs?session=`. */
export function LogsPage({ sessionFilter }: { sessionFilter: string }) {
  const state = useAppStoreShallow((s) => ({
    entries: s.logEntries,
    loaded: s.logsLoaded,
    levels: s.logLevels,
    search: s.logSearch,
    hiddenBefore: s.logHiddenBefore,
    setMinLevel: s.setLogMinLevel,
    setSearch: s.setLogSearch,
    setHiddenBefore: s.setLogHiddenBefore,
    showToast: s.showToast,
  }))
  const { entries, levels, search, hiddenBefore, setSearch, showToast } = state
  const searchRef = useRef<HTMLInputElement>(null)
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set())

  const { visible, levelCounts } = useMemo(
    () => filterLogs(entries, { levels, search, session: sessionFilter, hiddenBefore }),
    [entries, levels, search, sessionFilter, hiddenBefore],
  )

  useLogShortcuts(searchRef, search, setSearch)

  const toggleRow = useCallback((seq: number) => {
    setExpanded((previous) => {
      const next = new Set(previous)
      if (!next.delete(seq)) next.add(seq)
      return next
    })
  }, [])

  const copyVisible = async () => {
    try {
      await copyText(toJsonLines(visible))
      showToast(`Copied ${visible.length.toLocaleString()} ${visible.length === 1 ? 'line' : 'lines'} as JSON lines`, 'success')
    } catch (error) {
      showToast(`Could not copy: ${error instanceof Error ? error.message : String(error)}`, 'error')
    }
  }

  const filtered = visible.length !== entries.length
  const subtitle = !state.loaded
    ? 'Loading…'
    : filtered
      ? `${visible.length.toLocaleString()} of ${entries.length.toLocaleString()} lines`
      : `${entries.length.toLocaleString()} lines`

  return (
    <div className="logs-page">
      <PageHeader title="Logs" subtitle={subtitle}>
        <div className="page-actions">
          <button type="button" className="button" onClick={copyVisible} disabled={visible.length === 0}>
            <Icon name="copy" />
            Copy
          </button>
          <button
            type="button"
            className="button"
            onClick={() => state.setHiddenBefore(hiddenBefore ? null : new Date().toISOString())}
            title={hiddenBefore ? 'Show the lines hidden by Clear view' : 'Hide the lines written so far (nothing is deleted)'}
          >
            <Icon name="eraser" />
            {hiddenBefore ? 'Show hidden lines' : 'Clear view'}
          </button>
        </div>
      </PageHeader>
      <LogToolbar
        searchRef={searchRef}
        search={search}
        onSearch={setSearch}
        session={sessionFilter}
        onClearSession={() => navigate('logs', {}, { replace: true })}
        levels={levels}
        levelCounts={levelCounts}
        onMinLevel={state.setMinLevel}
      />
      {hiddenBefore ? (
        <p className="log-notice">
          Lines up to {formatLogTime(hiddenBefore)} are hidden.{' '}
          <button type="button" className="link-button" onClick={() => state.setHiddenBefore(null)}>
            Show them
          </button>
        </p>
      ) : null}
      <LogList
        entries={visible}
        expanded={expanded}
        onToggle={toggleRow}
        emptyText={emptyText(state.loaded, entries.length, hiddenBefore)}
        filterKey={JSON.stringify([levels, search, sessionFilter, hiddenBefore])}
      />
    </div>
  )
}

function emptyText(loaded: boolean, total: number, hiddenBefore: string | null): string {
  if (!loaded) return 'Loading log lines…'
  if (total === 0) return 'No log lines yet. Lines appear here as the panel works.'
  if (hiddenBefore) return 'No new lines since the view was cleared.'
  return 'No lines match the filters.'
}

/** Ctrl/Cmd+F focuses the search box; Esc (outside other fields) clears the search. */
function useLogShortcuts(searchRef: RefObject<HTMLInputElement | null>, search: string, setSearch: (text: string) => void) {
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f') {
        event.preventDefault()
        searchRef.current?.focus()
        searchRef.current?.select()
      } else if (event.key === 'Escape' && search && !isTextField(event.target)) {
        setSearch('')
      }
    }
    window.addEventListener('keydown', onKeyDown)
    return () => window.removeEventListener('keydown', onKeyDown)
  }, [searchRef, search, setSearch])
}

function isTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement
}
