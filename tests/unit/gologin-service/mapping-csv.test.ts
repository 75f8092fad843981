import { describe, expect, it } from 'vitest'
import { parseMappingCsv } from '../../../src/main/services/gologin/mapping-csv'

const records = async (csv: string) => {
  const parsed = await parseMappingCsv(csv)
  if (parsed.fileError !== null) throw new Error(parsed.fileError)
  return parsed.records.map((r) => [r.line, r.error ? 'error' : r.fields.join('|')])
}

describe('parseMappingCsv', async () => {
  it('reads comma files with their file line numbers, skipping blank lines', async () => {
    expect(await records('profile_name,twitter_username,api_app\nP1,a,X\n\n  \nP2 , b , Y\n')).toEqual([
      [2, 'P1|a|X'],
      [5, 'P2|b|Y'],
    ])
  })

  it('detects semicolons from the header and drops a BOM; CRLF and quoted delimiters work', async () => {
    const parsed = await parseMappingCsv('\uFEFFProfile_Name;Twitter_Username;API_App\r\n"Shop; main";"@a";X\r\n')
    expect(parsed).toMatchObject({ fileError: null, delimiter: ';' })
    expect(parsed.records.map((r) => r.fields)).toEqual([['Shop; main', '@a', 'X']])
  })

  it('takes stray quotes literally, reads a quoted field after a space, and goes on after them', async () => {
    expect(await records('profile_name,twitter_username,api_app\nProfile "A",a,X\nP2,"b"x,Y\nP3, "c" ,Z\n')).toEqual([
      [2, 'Profile "A"|a|X'],
      [3, 'P2|"b"x|Y'],
      [4, 'P3|c|Z'],
    ])
  })

  it('reports a quote left open on its own line (it swallows the rest of the file)', async () => {
    const parsed = await parseMappingCsv('profile_name,twitter_username,api_app\nP1,a,X\n"P2,b,Y\nP3,c,Z\n')
    expect(parsed.records.map((r) => [r.line, r.error ? 'error' : r.fields.join('|')])).toEqual([
      [2, 'P1|a|X'],
      [expect.any(Number), 'error'],
    ])
    expect(parsed.records[1].error).toMatch(/^Cannot read this line: Quote Not Closed/)
  })

  it('keeps rows with the wrong number of columns for the line check', async () => {
    expect(await records('profile_name,twitter_username,api_app\nP1,a\nP2,b,c,d\n')).toEqual([
      [2, 'P1|a'],
      [3, 'P2|b|c|d'],
    ])
  })

  it.each([
    ['', /empty/],
    ['\n \n', /empty/],
    ['P1,a,X\n', /first line must be the header "profile_name,twitter_username,api_app" \(found "P1,a,X"\)/],
    ['profile_name,twitter_username\nP1,a\n', /found "profile_name,twitter_username"/],
    ['profile\u0000name', /not a UTF-8 text CSV/],
    ['\uFFFD'.repeat(50) + 'abc', /not a UTF-8 text CSV/],
  ])('rejects a malformed file as a whole (%#)', async (csv, message) => {
    const parsed = await parseMappingCsv(csv)
    expect(parsed.records).toEqual([])
    expect(parsed.fileError).toMatch(message)
  })

  it('reads only the header: no lines, no error', async () => {
    expect(await parseMappingCsv('profile_name,twitter_username,api_app\n')).toEqual({ fileError: null, delimiter: ',', records: [] })
  })
})
