import { useVirtualizer } from '@tanstack/react-virtual'
import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { LogEntry } from '../../../../shared/contract/logs'
import { Icon } from '../../components/Icon'
import { LogRow } from './LogRow'
import { countNewerThan, droppedFromTop } from './tail'

const ROW_HEIGHT = 24
/** Within this many pixels of the end counts as "at the newest line". */
const BOTTOM_SLACK = 8
const KEYS_THAT_SCROLL_UP = new Set(['ArrowUp', 'PageUp', 'Home'])

interface LogListProps {
  entries: LogEntry[]
  expanded: ReadonlySet<number>
  onToggle(seq: number): void
  emptyText: string
  /** Changes whenever the filters change (so a shorter list is not mistaken for lines dropped at the cap). */
  filterKey: string
}

/**
 * The virtualized list with live tail: it follows the newest line until the operator scrolls up,
 * then offers "Jump to newest (N new)".
 */
export function LogList({ entries, expanded, onToggle, emptyText, filterKey }: LogListProps) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const followingRef = useRef(true)
  const [following, setFollowing] = useState(true)
  const [pausedAtSeq, setPausedAtSeq] = useState(0)
  const lastSeq = entries.length ? entries[entries.length - 1].seq : 0

  // No React Compiler here: the virtualizer re-renders this component itself when the range changes.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
    getItemKey: (index) => entries[index].seq,
  })

  const setFollow = useCallback(
    (value: boolean) => {
      if (followingRef.current === value) return
      followingRef.current = value
      setFollowing(value)
      if (!value) setPausedAtSeq(lastSeq)
    },
    [lastSeq],
  )

  const previousRef = useRef({ entries, filterKey })
  // Before paint, so following never shows a frame that is not at the bottom.
  useLayoutEffect(() => {
    const element = scrollRef.current
    const previous = previousRef.current
    previousRef.current = { entries, filterKey }
    if (!element) return
    if (followingRef.current) element.scrollTop = element.scrollHeight
    else if (previous.filterKey === filterKey) {
      // At the line cap old lines fall off the top; keep the lines the operator is reading in place.
      const dropped = droppedFromTop(previous.entries, entries)
      if (dropped > 0) element.scrollTop -= dropped * ROW_HEIGHT
    }
  }, [entries, expanded, filterKey])

  const onScroll = () => {
    const element = scrollRef.current
    if (!element) return
    setFollow(element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK)
  }

  const jumpToNewest = () => {
    followingRef.current = true
    setFollowing(true)
    const element = scrollRef.current
    if (element) element.scrollTop = element.scrollHeight
  }

  const onKeyDown = (event: KeyboardEvent) => {
    if (KEYS_THAT_SCROLL_UP.has(event.key)) setFollow(false)
    if (event.key === 'End') jumpToNewest()
  }

  const newCount = following ? 0 : countNewerThan(entries, pausedAtSeq)
  const items = virtualizer.getVirtualItems()

  return (
    <div className="log-list-wrap">
      <div
        ref={scrollRef}
        className="log-list"
        role="log"
        aria-label="Log lines"
        // Thousands of lines a minute would drown a screen reader; the list is read on demand.
        aria-live="off"
        tabIndex={0}
        onScroll={onScroll}
        onWheel={(event) => {
          const element = scrollRef.current
          if (event.deltaY < 0 && element && element.scrollHeight > element.clientHeight) setFollow(false)
        }}
        onKeyDown={onKeyDown}
      >
        {entries.length === 0 ? <p className="log-empty">{emptyText}</p> : null}
        <div className="log-list-inner" style={{ height: virtualizer.getTotalSize() }}>
          {items.map((item) => {
            const entry = entries[item.index]
            return (
              <LogRow
                key={item.key}
                entry={entry}
                index={item.index}
                start={item.start}
                expanded={expanded.has(entry.seq)}
                onToggle={onToggle}
                measureRef={virtualizer.measureElement}
              />
            )
          })}
        </div>
      </div>
      {!following ? (
        <button type="button" className="button jump-newest" onClick={jumpToNewest}>
          <Icon name="down" />
          {newCount > 0 ? `Jump to newest (${newCount.toLocaleString()} new)` : 'Jump to newest'}
        </button>
      ) : null}
    </div>
  )
}
