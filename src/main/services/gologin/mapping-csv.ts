/**
 * Reads a mapping CSV (`profile_name,twitter_username,api_app`): UTF-8 with or without BOM, comma or
 * semicolon (detected from the header line), header required. A problem with the file as a whole
 * (empty, binary, wrong header) is a `fileError`; a bad record is reported on its line and the rest
 * of the file is still read.
 */
import { parse, type CsvError } from 'csv-parse/sync'

export const MAPPING_CSV_COLUMNS = ['profile_name', 'twitter_username', 'api_app'] as const

export interface MappingCsvRecord {
  /** Line in the file (the header is line 1). */
  line: number
  fields: string[]
  /** Set when the record itself could not be read (bad quoting). */
  error: string | null
}

export type MappingCsv = { fileError: string; delimiter: null; records: [] } | { fileError: null; delimiter: ',' | ';'; records: MappingCsvRecord[] }

const BOM = '\uFEFF'

export function parseMappingCsv(input: string): MappingCsv {
  const text = input.startsWith(BOM) ? input.slice(1) : input
  const binary = binaryProblem(text)
  if (binary) return fileError(binary)
  const firstLine = text.split(/\r\n|\n|\r/).find((line) => line.trim() !== '')
  if (firstLine === undefined) return fileError(`The file is empty; it needs the header line "${MAPPING_CSV_COLUMNS.join(',')}" and one line per profile.`)
  const delimiter = count(firstLine, ';') > count(firstLine, ',') ? ';' : ','

  const skipped: MappingCsvRecord[] = []
  let parsed: Array<{ record: string[]; info: { lines: number } }>
  try {
    parsed = parse(text, {
      delimiter,
      info: true,
      // Not csv-parse's `trim`: with it, one bad quote loses every record after it. Trimmed below.
      skip_empty_lines: true,
      relax_column_count: true,
      // A stray quote inside a name (Profile "A") is taken literally instead of failing the line.
      relax_quotes: true,
      skip_records_with_error: true,
      on_skip: (error: CsvError | undefined) => {
        if (!error) return
        const line = typeof error.lines === 'number' ? error.lines : 0
        if (!skipped.some((record) => record.line === line)) skipped.push({ line, fields: [], error: `Cannot read this line: ${error.message}` })
      },
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>
  } catch (error) {
    return fileError(`The file is not a readable CSV: ${error instanceof Error ? error.message : String(error)}`)
  }

  // Lines of spaces (or only delimiters) are blank lines too.
  const [header, ...rows] = parsed.filter((row) => row.record.some((field) => field.trim() !== ''))
  const headerProblem = checkHeader(header?.record ?? null, delimiter)
  if (headerProblem) return fileError(headerProblem)
  const records = rows.map((row) => ({ line: row.info.lines, fields: row.record.map(cleanField), error: null }))
  const all = [...records, ...skipped.filter((record) => record.line > (header?.info.lines ?? 0))].sort((a, b) => a.line - b.line)
  return { fileError: null, delimiter, records: all }
}

function checkHeader(record: string[] | null, delimiter: string): string | null {
  const expected = MAPPING_CSV_COLUMNS.join(delimiter)
  if (!record) return `The file has no header line; the first line must be "${expected}".`
  const names = record.map((name) => cleanField(name).toLowerCase())
  if (names.length === MAPPING_CSV_COLUMNS.length && names.every((name, i) => name === MAPPING_CSV_COLUMNS[i])) return null
  const found = record.join(delimiter).slice(0, 120)
  return `The first line must be the header "${expected}" (found "${found}").`
}

/** Trims a field; one quoted after a space (`a, "b"`) is read as quoted. */
function cleanField(field: string): string {
  const trimmed = field.trim()
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replaceAll('""', '"').trim() : trimmed
}

/** NUL bytes or many undecodable characters: not a UTF-8 text file (an image, a spreadsheet, UTF-16…). */
function binaryProblem(text: string): string | null {
  const sample = text.slice(0, 64 * 1024)
  const replacements = count(sample, '\uFFFD')
  if (sample.includes('\u0000') || replacements > Math.max(8, sample.length / 100)) {
    return 'The file is not a UTF-8 text CSV (it looks binary, e.g. an .xlsx workbook or a UTF-16 file). Save it as "CSV UTF-8" and try again.'
  }
  return null
}

function count(text: string, char: string): number {
  let n = 0
  for (let i = text.indexOf(char); i !== -1; i = text.indexOf(char, i + 1)) n++
  return n
}

function fileError(message: string): MappingCsv {
  return { fileError: message, delimiter: null, records: [] }
}
