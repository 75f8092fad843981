/**
 * Reads a mapping CSV (`profile_name,twitter_username,api_app`): UTF-8 with or without BOM, comma or
 * semicolon (detected from the header line), header required. A problem with the file as a whole
 * (empty, binary, wrong header, over the size limit) is a `fileError`; a bad record is reported on its line and
 * the rest of the file is still read. The text is fed to the parser in chunks, so records are read as it goes (no
 * array of every line split out, no whole parsed copy) and the event loop turns between chunks.
 */
import { Readable } from 'node:stream'
import { parse, type CsvError } from 'csv-parse'
import { MAPPING_IMPORT_MAX_BYTES, MAPPING_IMPORT_MAX_TEXT } from '../../../shared/contract/profiles'

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
/** Characters handed to the parser at a time: records come out as the text goes in, the event loop turns between. */
const FEED_CHARS = 256 * 1024

/** The sentence refusing a file over the size limit. */
export function tooLargeMessage(bytes: number): string {
  return `The file is ${(bytes / 1024 / 1024).toFixed(1)} MB; the import limit is ${MAPPING_IMPORT_MAX_TEXT}. Split it into smaller files (a line per profile: 40,000 profiles take about 2 MB).`
}

export async function parseMappingCsv(input: string): Promise<MappingCsv> {
  // Checked before anything else reads the text (a character is 1 to 3 bytes: the exact count only when it may matter).
  if (input.length > MAPPING_IMPORT_MAX_BYTES / 3) {
    const bytes = Buffer.byteLength(input, 'utf8')
    if (bytes > MAPPING_IMPORT_MAX_BYTES) return fileError(tooLargeMessage(bytes))
  }
  const text = input.startsWith(BOM) ? input.slice(1) : input
  const binary = binaryProblem(text)
  if (binary) return fileError(binary)
  const firstLine = firstNonBlankLine(text)
  if (firstLine === undefined) return fileError(`The file is empty; it needs the header line "${MAPPING_CSV_COLUMNS.join(',')}" and one line per profile.`)
  const delimiter = count(firstLine, ';') > count(firstLine, ',') ? ';' : ','

  const skipped: MappingCsvRecord[] = []
  const parser = parse({
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
  })
  let header: { record: string[]; line: number } | null = null
  const records: MappingCsvRecord[] = []
  try {
    Readable.from(chunks(text)).pipe(parser)
    for await (const row of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      // Lines of spaces (or only delimiters) are blank lines too.
      if (!row.record.some((field) => field.trim() !== '')) continue
      if (header) records.push({ line: row.info.lines, fields: row.record.map(cleanField), error: null })
      else header = { record: row.record, line: row.info.lines }
    }
  } catch (error) {
    return fileError(`The file is not a readable CSV: ${error instanceof Error ? error.message : String(error)}`)
  }

  const headerProblem = checkHeader(header?.record ?? null, delimiter)
  if (headerProblem) return fileError(headerProblem)
  const late = skipped.filter((record) => record.line > (header?.line ?? 0))
  const all = late.length ? [...records, ...late].sort((a, b) => a.line - b.line) : records
  return { fileError: null, delimiter, records: all }
}

function* chunks(text: string): Generator<string> {
  for (let at = 0; at < text.length; at += FEED_CHARS) yield text.slice(at, at + FEED_CHARS)
}

/** The first line that is not blank, found without splitting the whole text. */
function firstNonBlankLine(text: string): string | undefined {
  const lineBreak = /\r\n|\n|\r/g
  let at = 0
  while (at <= text.length) {
    lineBreak.lastIndex = at
    const found = lineBreak.exec(text)
    const line = text.slice(at, found ? found.index : text.length)
    if (line.trim() !== '') return line
    if (!found) return undefined
    at = found.index + found[0].length
  }
  return undefined
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
