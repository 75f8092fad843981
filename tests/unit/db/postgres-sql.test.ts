import { describe, expect, it } from 'vitest'
import { describePostgresUrl, isoFromPostgres, numberPlaceholders, passwordOf } from '../../../src/main/db/postgres'

describe('numberPlaceholders', () => {
  it('numbers bare ? in order and leaves SQL without them as it is', () => {
    expect(numberPlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toBe('SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)')
    expect(numberPlaceholders('SELECT * FROM t WHERE a = $1')).toBe('SELECT * FROM t WHERE a = $1')
  })

  it('leaves ? inside strings, quoted names, comments and dollar quotes alone', () => {
    expect(numberPlaceholders(`SELECT '?', 'it''s ?', "odd?name", ? -- why?\nFROM t WHERE x = ? /* ? */`)).toBe(
      `SELECT '?', 'it''s ?', "odd?name", $1 -- why?\nFROM t WHERE x = $2 /* ? */`,
    )
    expect(numberPlaceholders(`SELECT E'a\\'?', ?, $$ ? $$, $tag$ ? $tag$, ?`)).toBe(`SELECT E'a\\'?', $1, $$ ? $$, $tag$ ? $tag$, $2`)
    // A standard string ends at its quote even after a backslash (standard_conforming_strings).
    expect(numberPlaceholders(`SELECT x LIKE ? ESCAPE '\\' OR y LIKE ? ESCAPE '\\'`)).toBe(`SELECT x LIKE $1 ESCAPE '\\' OR y LIKE $2 ESCAPE '\\'`)
  })
})

describe('isoFromPostgres', () => {
  it('reads timestamptz text as ISO with milliseconds, whatever the precision or offset', () => {
    expect(isoFromPostgres('2026-03-04 05:06:07.891+00')).toBe('2026-03-04T05:06:07.891Z')
    expect(isoFromPostgres('2026-03-04 05:06:07+00')).toBe('2026-03-04T05:06:07.000Z')
    expect(isoFromPostgres('2026-03-04 05:06:07.8915+00')).toBe('2026-03-04T05:06:07.891Z')
    expect(isoFromPostgres('2026-03-04 07:06:07.5+02')).toBe('2026-03-04T05:06:07.500Z')
    expect(isoFromPostgres('2026-03-04 10:36:07+05:30')).toBe('2026-03-04T05:06:07.000Z')
    expect(isoFromPostgres('infinity')).toBe('infinity')
  })
})

describe('PostgreSQL URLs in messages', () => {
  it('drop the password and options, and give the password to the log redactor', () => {
    const url = 'postgres://panel:s3cr%40t@db.example:5433/panel?sslmode=require&options=-c%20search_path%3Dx'
    expect(describePostgresUrl(url)).toBe('postgres://panel@db.example:5433/panel')
    expect(passwordOf(url)).toBe('s3cr@t')
    expect(passwordOf('postgres://db.example/panel')).toBeNull()
  })
})
