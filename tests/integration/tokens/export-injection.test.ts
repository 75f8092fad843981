/**
 * The token CSV opened in a spreadsheet of any locale: whatever separator the reader splits on (`,` `;` tab),
 * with or without honouring quotes, no text cell begins with a formula character. Tokens stay byte-exact.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import type { FileDialogs } from '../../../src/main/services/platform'
import { neutralizeFormula } from '../../../src/main/services/tokens'
import { tempDir } from '../../helpers/temp-dir'
import { databaseEnv } from '../../helpers/test-database'
import { seedProfile, seedToken } from '../workers/session-fixtures'

const opened: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close()
})

const TOKEN_COLUMNS = ['access_token', 'refresh_token', 'oauth_token_secret']
/** What a spreadsheet evaluates at the start of a cell (after the spaces and quotes some readers drop). */
const FORMULA_START = /^[ "]*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/

/** Names a hostile GoLogin note or profile name could carry: a formula after every kind of separator. */
const HOSTILE = [
  `Acme;=cmd|' /C calc'!A0`,
  'Acme,=HYPERLINK("http://evil.example","x")',
  'Acme\t+SUM(1,2)',
  'Acme; -2+3',
  'Acme;"@SUM(A1:A9)"',
  'line one\n=1+1',
  'line one\r\n-1',
  '＝full-width;＋sum',
  '=plain',
  '\t=tab first',
]

async function exportCsv(): Promise<{ text: string; tokens: Map<string, string[]> }> {
  const dataDir = tempDir()
  const out = path.join(tempDir(), 'tokens.csv')
  const dialogs: FileDialogs = { chooseSavePath: async () => out, chooseOpenFile: async () => null }
  const env = { ...process.env, ...(await databaseEnv(dataDir)) }
  const core: Core = await createCore({ dataDir, env, mode: 'desktop', platform: { dialogs }, eventWindowMs: 5 })
  opened.push(() => core.close())
  const tokens = new Map<string, string[]>()
  for (const [i, name] of HOSTILE.entries()) {
    await seedProfile(core.db, `p-${i}`, { profileName: name })
    // Tokens that begin with characters a spreadsheet would evaluate: they must come back exactly.
    const access = `-tok${i}_A-z0~9.x`
    const refresh = `=ref${i}+/==`
    await seedToken(core.db, { profileId: `p-${i}`, twitterUsername: `${name} ${i}`, accessToken: access, refreshToken: refresh })
    tokens.set(`${name} ${i}`, [access, refresh])
  }
  const answer = await core.router.dispatch('tokens:export', { onlyValid: false }, { transport: 'test' })
  expect(answer).toMatchObject({ success: true, data: { rows: HOSTILE.length } })
  return { text: fs.readFileSync(out, 'utf8'), tokens }
}

describe('token CSV against formula injection', () => {
  it('read in the `,` locale: every text cell neutralised and quoted, every token exact', async () => {
    const { text, tokens } = await exportCsv()
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>
    expect(rows).toHaveLength(HOSTILE.length)
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        if (TOKEN_COLUMNS.includes(column)) continue
        expect(cell, `${column} = ${JSON.stringify(cell)}`).not.toMatch(FORMULA_START)
      }
      // The name is the original with a `'` wherever a cell could start, nothing else changed.
      const original = [...tokens.keys()].find((name) => neutralizeFormula(name) === row.twitter_username)
      expect(original, row.twitter_username).toBeDefined()
      // Tokens are never prefixed: a token that begins with `-` or `=` is exported usable, byte for byte.
      expect([row.access_token, row.refresh_token]).toEqual(tokens.get(original!))
    }
    expect(text).toContain(`"Acme;'=cmd|' /C calc'!A0 0"`)
    expect(text).toContain(`"'=plain 8"`)
  })

  for (const [locale, delimiter] of [
    ['`;`', ';'],
    ['tab', '\t'],
  ] as const) {
    it(`read in the ${locale} locale (quotes honoured or not): no cell of any split begins with a formula`, async () => {
      const { text } = await exportCsv()
      for (const options of [{ relax_quotes: true }, { quote: false }]) {
        const rows = parse(text, { delimiter, relax_column_count: true, ...options }) as string[][]
        expect(rows.length).toBeGreaterThan(HOSTILE.length)
        const starts = rows.flat().filter((cell) => FORMULA_START.test(cell))
        expect(starts, JSON.stringify(options)).toEqual([])
      }
    })
  }

  it('neutralises after every separator and line break, and leaves harmless text alone', () => {
    expect(neutralizeFormula(`Acme;=cmd|' /C calc'!A0`)).toBe(`Acme;'=cmd|' /C calc'!A0`)
    expect(neutralizeFormula('a,b;c\td')).toBe('a,b;c\td')
    expect(neutralizeFormula('Acme - Team, 2024')).toBe('Acme - Team, 2024')
    expect(neutralizeFormula('\t\t=x')).toBe("'\t'\t'=x")
    expect(neutralizeFormula('\t=x')).toBe("'\t'=x")
    expect(neutralizeFormula('a\n@b')).toBe("a\n'@b")
  })
})
