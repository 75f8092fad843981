import { describe, expect, it } from 'vitest'
import { countFrom, filterLogs, levelsFrom, MIN_LEVEL_LABELS, minLevelOf, toJsonLines, type LogFilter } from '../../../src/renderer/src/features/logs/filter'
import { compactFields } from '../../../src/renderer/src/features/logs/format'
import { countNewerThan, droppedFromTop } from '../../../src/renderer/src/features/logs/tail'
import { logLine } from './log-fixtures'

const all: LogFilter = { levels: { debug: true, info: true, warn: true, error: true }, search: '', session: '', hiddenBefore: null }

const lines = [
  logLine(1, { level: 'debug', scope: 'ipc', event: 'ipc.ok', msg: undefined, fields: { channel: 'logs:recent', ms: 3 } }),
  logLine(2, { level: 'info', scope: 'gologin', event: 'profile.started', msg: 'Profile started', sessionId: 'sess-aaa-111' }),
  logLine(3, { level: 'warn', scope: 'batch', event: 'consent.slow', msg: 'Consent page is slow', sessionId: 'sess-bbb-222' }),
  logLine(4, { level: 'error', scope: 'batch', event: 'auth.failed', msg: 'Authorization failed', sessionId: 'sess-aaa-111', fields: { code: 'X_LOGGED_OUT' } }),
]

const seqs = (filter: Partial<LogFilter>) => filterLogs(lines, { ...all, ...filter }).visible.map((entry) => entry.seq)

describe('log filtering', () => {
  it('shows every line when no filter is set', () => {
    expect(seqs({})).toEqual([1, 2, 3, 4])
  })

  it('hides the levels that are toggled off but still counts them', () => {
    const result = filterLogs(lines, { ...all, levels: { debug: false, info: true, warn: false, error: true } })
    expect(result.visible.map((e) => e.seq)).toEqual([2, 4])
    expect(result.levelCounts).toEqual({ debug: 1, info: 1, warn: 1, error: 1 })
  })

  it('searches message, event, scope and the fields JSON, case-insensitively', () => {
    expect(seqs({ search: 'CONSENT' })).toEqual([3])
    expect(seqs({ search: 'profile.started' })).toEqual([2])
    expect(seqs({ search: 'gologin' })).toEqual([2])
    expect(seqs({ search: 'logs:recent' })).toEqual([1])
    expect(seqs({ search: 'x_logged_out' })).toEqual([4])
  })

  it('requires every word of the search', () => {
    expect(seqs({ search: 'batch failed' })).toEqual([4])
    expect(seqs({ search: 'batch nothing-like-this' })).toEqual([])
  })

  it('keeps only the lines of the session typed (or linked) in the session box', () => {
    expect(seqs({ session: 'sess-aaa-111' })).toEqual([2, 4])
    expect(seqs({ session: '  bbb ' })).toEqual([3])
  })

  it('"Clear view" hides the lines up to the moment it was pressed', () => {
    expect(seqs({ hiddenBefore: lines[1].ts })).toEqual([3, 4])
  })

  it('counts per level follow the other filters', () => {
    expect(filterLogs(lines, { ...all, session: 'sess-aaa-111' }).levelCounts).toEqual({ debug: 0, info: 1, warn: 0, error: 1 })
  })

  it('copies lines as one JSON object per line', () => {
    const text = toJsonLines(lines.slice(1, 3))
    expect(text.split('\n').map((line) => JSON.parse(line))).toEqual(lines.slice(1, 3))
  })

  it('shows fields compactly on one line', () => {
    expect(compactFields({ profileId: 'p1', attempt: 2, note: 'two words', err: { code: 'X' } })).toBe(
      'profileId=p1 attempt=2 note="two words" err={"code":"X"}',
    )
    expect(compactFields(undefined)).toBe('')
  })
})

describe('live tail bookkeeping', () => {
  const list = (from: number, count: number) => Array.from({ length: count }, (_, i) => logLine(from + i))

  it('counts the lines newer than the one the operator paused at', () => {
    expect(countNewerThan(list(1, 10), 7)).toBe(3)
    expect(countNewerThan(list(1, 10), 10)).toBe(0)
    expect(countNewerThan([], 3)).toBe(0)
  })

  it('counts the lines that fell off the top at the cap', () => {
    expect(droppedFromTop(list(1, 10), list(4, 10))).toBe(3)
    expect(droppedFromTop(list(1, 10), list(1, 12))).toBe(0)
    expect(droppedFromTop(list(1, 10), list(50, 2))).toBe(10)
    expect(droppedFromTop([], list(1, 2))).toBe(0)
  })

  it('a minimum level shows that level and every more severe one, and says so', () => {
    expect(seqs({ levels: levelsFrom('warn') })).toEqual([3, 4])
    expect(seqs({ levels: levelsFrom('error') })).toEqual([4])
    expect(seqs({ levels: levelsFrom('debug') })).toEqual([1, 2, 3, 4])
    expect(minLevelOf(levelsFrom('info'))).toBe('info')
    // Switches that are not "this level and above" (an older hand-made choice) match no minimum.
    expect(minLevelOf({ debug: false, info: true, warn: false, error: true })).toBeNull()
    const { levelCounts } = filterLogs(lines, all)
    expect([countFrom(levelCounts, 'debug'), countFrom(levelCounts, 'info'), countFrom(levelCounts, 'warn'), countFrom(levelCounts, 'error')]).toEqual([4, 3, 2, 1])
    expect(Object.values(MIN_LEVEL_LABELS)).toEqual(['All levels', 'Info and above', 'Warnings and errors', 'Errors only'])
  })
})
