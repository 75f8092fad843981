import { stringify } from 'csv-stringify/sync'
import { describe, expect, test } from 'vitest'
import { TOKEN_CSV_COLUMNS } from '../../../src/shared/contract/tokens'
import { csvText, neutralizeFormula } from '../../../src/main/services/tokens/token-csv'

// The export used csv-stringify with these options; its own writer must produce the same bytes.
const CSV_STRINGIFY_OPTIONS = {
  columns: [...TOKEN_CSV_COLUMNS],
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  quoted_match: /(?:^|[,;\t\r\n])'/,
} as const

const PIECES = ['', 'a', ' ', ',', ';', '"', "'", '\r', '\n', '\r\n', '\t', '=', '+', '-', '@', '\uFF1D', 'é', '😀', 'x"y', "O'Brien", 'AAAA-_.~+/=']

/** Deterministic pseudo-random cells made of the pieces a CSV writer must get right. */
function cells(seed: number, count: number): string[] {
  let state = seed
  const next = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(next() * 4) }, () => PIECES[Math.floor(next() * PIECES.length)]).join(''))
}

describe('token CSV text', () => {
  test('is byte for byte what csv-stringify wrote, header and quoting included', () => {
    const width = TOKEN_CSV_COLUMNS.length
    const rows = Array.from({ length: 2_000 }, (_, i) => {
      const row = cells(i + 1, width)
      // Cells as the export hands them over: text columns neutralised, tokens as they are.
      return i % 2 ? row.map((cell) => neutralizeFormula(cell)) : row
    })
    expect(csvText(rows, true)).toBe(stringify(rows, { ...CSV_STRINGIFY_OPTIONS, header: true }))
    expect(csvText(rows, false)).toBe(stringify(rows, { ...CSV_STRINGIFY_OPTIONS, header: false }))
    expect(csvText([], true)).toBe(stringify([], { ...CSV_STRINGIFY_OPTIONS, header: true }))
  })

  test('neutralizes exactly as the two rules do, whether or not a cell can need it', () => {
    // The rules as first written (no early return for cells that hold no separator and start no formula).
    const chars = '=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20'
    const afterSeparator = new RegExp(`[,;\\t\\r\\n](?=[ "]*[${chars}])`, 'g')
    const atStart = new RegExp(`^[ "]*[${chars}]`)
    const rules = (value: string) => {
      const inner = value.replace(afterSeparator, "$&'")
      return atStart.test(inner) ? `'${inner}` : inner
    }
    for (const cell of cells(7, 20_000)) expect(neutralizeFormula(cell), JSON.stringify(cell)).toBe(rules(cell))
  })

  test('quotes what would split a record and doubles quotes', () => {
    expect(csvText([['a,b', 'say "hi"', 'line\nbreak', 'lone\r', "'=1+2", 'plain', '', "x;'@y", 'AAAA', 'n', 'p']], false)).toBe(
      `"a,b","say ""hi""","line\nbreak","lone\r","'=1+2",plain,,"x;'@y",AAAA,n,p\r\n`,
    )
  })
})
