import { describe, expect, it } from 'vitest'
import { readColumnWidths, writeColumnWidths } from '../../../src/renderer/src/lib/column-widths'

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial))
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), items }
}

describe('remembered column widths', () => {
  it('reads back what was written, per grid', () => {
    const store = memoryStorage()
    writeColumnWidths('sessions', { username: 212, errorCode: 300 }, store)
    expect(readColumnWidths('sessions', ['username', 'errorCode', 'status'], store)).toEqual({ username: 212, errorCode: 300 })
    expect(readColumnWidths('profiles', ['username'], store)).toEqual({})
  })

  it('ignores what it cannot trust: unknown columns, non-numbers, broken JSON; clamps absurd widths', () => {
    const store = memoryStorage({ 'panel.columnWidths.sessions': JSON.stringify({ username: 5, errorCode: 99_999, gone: 120, status: 'wide' }) })
    expect(readColumnWidths('sessions', ['username', 'errorCode', 'status'], store)).toEqual({ username: 40, errorCode: 2_000 })
    expect(readColumnWidths('sessions', ['username'], memoryStorage({ 'panel.columnWidths.sessions': '{not json' }))).toEqual({})
    expect(readColumnWidths('sessions', ['username'], memoryStorage({ 'panel.columnWidths.sessions': '[1,2]' }))).toEqual({})
    // No storage at all (disabled): nothing remembered, nothing thrown.
    expect(readColumnWidths('sessions', ['username'], null)).toEqual({})
    expect(() => writeColumnWidths('sessions', { username: 100 }, { getItem: () => null, setItem: () => { throw new Error('quota') } })).not.toThrow()
  })
})
