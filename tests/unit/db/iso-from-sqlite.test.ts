import { describe, expect, test } from 'vitest'
import { isoFromSqlite } from '../../../src/main/db'

describe('isoFromSqlite', () => {
  // PostgreSQL rows hold ISO text already; it is passed through without a Date round trip, which must not change it.
  test('gives back ISO text exactly as the Date round trip does, days past the month end and hour 24 included', () => {
    const viaDate = (value: string) => {
      const date = new Date(value)
      return Number.isNaN(date.getTime()) ? null : date.toISOString()
    }
    const pad = (n: number) => String(n).padStart(2, '0')
    for (const year of ['0000', '1900', '2000', '2023', '2024', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          for (const time of ['00:00:00', '23:59:59', '24:00:00', '12:60:00', '12:00:60']) {
            const value = `${year}-${pad(month)}-${pad(day)}T${time}.123Z`
            expect(isoFromSqlite(value), value).toBe(viaDate(value))
          }
        }
      }
    }
  })

  test('reads SQLite time text and other offsets as before', () => {
    expect(isoFromSqlite('2025-06-01 14:30:05.1')).toBe('2025-06-01T14:30:05.100Z')
    expect(isoFromSqlite('2025-06-01T16:30:05+02:00')).toBe('2025-06-01T14:30:05.000Z')
    expect(isoFromSqlite('2025-06-01T14:30:05.000z')).toBe('2025-06-01T14:30:05.000Z')
    expect(isoFromSqlite('garbage')).toBeNull()
  })
})
