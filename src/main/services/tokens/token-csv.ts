/**
 * The token CSV (issue 7): the newest token per account+API app, one row each, in the columns of
 * `TOKEN_CSV_COLUMNS`. Streamed: ids are listed first (integers), then rows are read, decrypted and
 * written in small chunks with back-pressure, so 40,000 tokens never sit in memory as one string and the
 * event loop is never held for more than a chunk. Decryption (the largest cost: two AES-GCM opens per
 * row) runs on worker threads a few chunks ahead of the writer.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough, type Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { DataSource } from 'typeorm'
import { TOKEN_CSV_COLUMNS } from '../../../shared/contract/tokens'
import { activeSecretBox, dialectOf, isoFromSqlite, rowReader } from '../../db'
import { DataDecryptionException, rowContext, type BulkOpener, type OpenFailure } from '../../security/secret-box'

/** One CSV record: the cells in the order of `TOKEN_CSV_COLUMNS`. */
export type TokenCsvRow = string[]

const TABLE = 'authorization_sessions'
/** Rows per read and decryption: PostgreSQL answers over a socket, so it reads more per round trip. */
const CHUNK_ROWS = { sqlite: 250, postgres: 1_000 } as const
/** Text buffered between the rows and the file (or download): a few chunks' worth. */
const CSV_BUFFER_BYTES = 1024 * 1024
/**
 * Opaque credentials issued by X: written byte for byte and never prefixed (a `'` would break them), so a token
 * that begins with `-` or `=` is exported as it is; the file is for programs, and a spreadsheet user imports these
 * columns as text. Only a cell in the b64token alphabet (RFC 6750) counts as a token: it holds no separator, quote
 * or line break, so it can never split into a formula cell; anything else is neutralised like text.
 */
const VERBATIM_COLUMNS = new Set<string>(['access_token', 'refresh_token', 'oauth_token_secret'])
const NEUTRALIZED = TOKEN_CSV_COLUMNS.map((column) => !VERBATIM_COLUMNS.has(column))
const TOKEN_ALPHABET = /^[A-Za-z0-9\-._~+/=]*$/
/** Characters a spreadsheet reads as the start of a formula (OWASP CSV injection), full-width forms included. */
const FORMULA_CHARS = '=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20'
/**
 * Where a spreadsheet may start a cell: the start of the text, or after a separator of any locale (`,` `;` tab)
 * or a line break (a quote in mid-field is literal to a reader splitting on another separator). Spaces and quotes
 * before the character are skipped, as some readers drop them.
 */
const FORMULA_AFTER_SEPARATOR = new RegExp(`[,;\\t\\r\\n](?=[ "]*[${FORMULA_CHARS}])`, 'g')
const FORMULA_AT_START = new RegExp(`^[ "]*[${FORMULA_CHARS}]`)
/** Where either rule above could match: a separator or line break anywhere, or a formula start. */
const MAY_NEED_PREFIX = new RegExp(`[,;\\t\\r\\n]|^[ "]*[${FORMULA_CHARS}]`)

/**
 * Prefixes `'` wherever a spreadsheet could start a formula cell in this text, in any locale's split:
 * `=1+2` → `'=1+2`, `Acme;=cmd|' /C calc'!A0` → `Acme;'=cmd|' /C calc'!A0`. Neutralised cells are also quoted
 * (`csvText`).
 */
export function neutralizeFormula(value: string): string {
  // Most cells hold no separator and do not start like a formula: nothing to prefix (the common case, tested first).
  if (!MAY_NEED_PREFIX.test(value)) return value
  const inner = value.replace(FORMULA_AFTER_SEPARATOR, "$&'")
  return FORMULA_AT_START.test(inner) ? `'${inner}` : inner
}

function csvCell(value: string, neutralize: boolean): string {
  return neutralize || !TOKEN_ALPHABET.test(value) ? neutralizeFormula(value) : value
}

/** One stored row as read (an array: no object per row), in the order of the SELECT in `tokenCsvChunks`. */
type StoredRow = [
  id: number,
  sessionId: string,
  twitterUsername: string | null,
  xUserId: string | null,
  apiApp: string,
  accessToken: string | null,
  refreshToken: string | null,
  oauthTokenSecret: string | null,
  scopes: string | null,
  expiresAt: string | null,
  completedAt: string | null,
  profileId: string,
  profileName: string | null,
]
const ID = 0
const SESSION_ID = 1
const SCOPES = 8

/** Threads that decrypt: one per core spare beside this one, at least one, at most four. */
const DECRYPT_THREADS = Math.max(1, Math.min(4, os.availableParallelism() - 1))

/**
 * Decrypted CSV rows for the given ids, a chunk (`CHUNK_ROWS`) at a time, in order. Rows are read here and their
 * tokens opened on worker threads, a few chunks ahead, so reading, decrypting and writing overlap; the
 * event loop is given back between chunks.
 */
export async function* tokenCsvChunks(dataSource: DataSource, ids: readonly number[], signal?: AbortSignal): AsyncGenerator<TokenCsvRow[]> {
  const rowsOf = rowReader(dataSource)
  const dialect = dialectOf(dataSource)
  const chunkRows = CHUNK_ROWS[dialect.kind]
  const read = (chunk: number[]) => {
    const { sql: inChunk, params } = dialect.inList('s.id', chunk)
    return rowsOf.arrays<StoredRow>(
      `SELECT s.id, s.session_id, s.twitter_username, s.x_user_id, s.api_app, s.access_token, s.refresh_token, s.oauth_token_secret, s.scopes, s.expires_at,
         s.completed_at, s.profile_id, p.profile_name
       FROM authorization_sessions s LEFT JOIN profiles p ON p.profile_id = s.profile_id
       WHERE ${inChunk}`,
      params,
    )
  }
  const chunks = Math.ceil(ids.length / chunkRows)
  const threads = Math.min(DECRYPT_THREADS, chunks)
  const opener = activeSecretBox().bulkOpener(threads)
  // Most accounts share a handful of scope sets: parse each stored JSON once.
  const scopes = new Map<string, string>()
  const inFlight: Array<Promise<TokenCsvRow[]>> = []
  let next = 0
  const readAhead = () => {
    const chunk = ids.slice(next, next + chunkRows)
    next += chunk.length
    const built = read(chunk).then(async (stored) => {
      const byId = new Map(stored.map((row) => [row[ID], row]))
      // In the ids' order; an id whose row is gone since it was listed is left out.
      const rows: StoredRow[] = []
      for (const id of chunk) {
        const row = byId.get(id)
        if (row) rows.push(row)
      }
      const tokens = await openTokens(opener, rows)
      return rows.map((row, i) => toCsvRow(row, tokens, 3 * i, scopes))
    })
    // Awaited in turn below; until then a failure must not count as unhandled.
    built.catch(() => undefined)
    inFlight.push(built)
  }
  try {
    while (next < ids.length || inFlight.length) {
      signal?.throwIfAborted()
      while (next < ids.length && inFlight.length <= threads * 2) readAhead()
      yield await inFlight.shift()!
      // Let requests and other work run between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  } finally {
    await opener.close()
  }
}

const SECRET_COLUMNS = ['access_token', 'refresh_token', 'oauth_token_secret'] as const
type SecretColumn = (typeof SECRET_COLUMNS)[number]
/** Where each of `SECRET_COLUMNS` is in a `StoredRow`. */
const SECRET_AT = [5, 6, 7] as const
/**
 * The rows' access token, refresh token and OAuth 1.0a token secret, decrypted (or why not), three per row in that
 * order; null where nothing is stored. Only stored values go to the opener, each bound to its row (see `SecretBox`):
 * its context names the session.
 */
async function openTokens(opener: BulkOpener, rows: readonly StoredRow[]): Promise<Array<string | null | OpenFailure>> {
  const values: string[] = []
  const contexts: string[] = []
  const slots: number[] = []
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    for (let c = 0; c < SECRET_COLUMNS.length; c++) {
      const value = row[SECRET_AT[c]]
      if (value === null) continue
      values.push(value)
      contexts.push(rowContext(TABLE, SECRET_COLUMNS[c], row[SESSION_ID]))
      slots.push(r * SECRET_COLUMNS.length + c)
    }
  }
  const opened = await opener.open(values, contexts)
  const tokens = new Array<string | null | OpenFailure>(rows.length * SECRET_COLUMNS.length).fill(null)
  for (let i = 0; i < slots.length; i++) tokens[slots[i]] = opened[i]
  return tokens
}

function openedToken(opened: string | null | OpenFailure, row: StoredRow, column: SecretColumn): string {
  if (opened === null) return ''
  if (typeof opened === 'string') return opened
  throw new DataDecryptionException({ table: TABLE, id: row[ID], column }, opened.failure)
}

/** `opened[at]`, `[at + 1]`, `[at + 2]`: the row's access token, refresh token and OAuth 1.0a token secret (`openTokens`). */
function toCsvRow(row: StoredRow, opened: ReadonlyArray<string | null | OpenFailure>, at: number, parsedScopes: Map<string, string>): TokenCsvRow {
  const access = opened[at]
  const refresh = opened[at + 1]
  const tokenSecret = opened[at + 2]
  const stored = row[SCOPES]
  let scopes = stored === null ? '' : parsedScopes.get(stored)
  if (scopes === undefined) parsedScopes.set(stored!, (scopes = scopesText(stored!)))
  const byColumn: Record<(typeof TOKEN_CSV_COLUMNS)[number], string> = {
    twitter_username: row[2] ?? '',
    x_user_id: row[3] ?? '',
    api_app: row[4],
    access_token: openedToken(access, row, 'access_token'),
    refresh_token: openedToken(refresh, row, 'refresh_token'),
    oauth_token_secret: openedToken(tokenSecret, row, 'oauth_token_secret'),
    scopes,
    expires_at: isoFromSqlite(row[9]) ?? '',
    authorized_at: isoFromSqlite(row[10]) ?? '',
    profile_name: row[12] ?? '',
    profile_id: row[11],
  }
  return TOKEN_CSV_COLUMNS.map((column, i) => csvCell(byColumn[column], NEUTRALIZED[i]))
}

function scopesText(stored: string): string {
  if (!stored) return ''
  try {
    const scopes: unknown = JSON.parse(stored)
    return Array.isArray(scopes) ? scopes.map(String).join(' ') : String(scopes)
  } catch {
    return stored
  }
}

/** The CSV text of the given ids as a stream (header first; RFC 4180: CRLF, quotes doubled, fields with , " CR LF quoted). */
export function tokenCsvStream(dataSource: DataSource, ids: readonly number[], signal?: AbortSignal): Readable {
  // One CSV text per chunk of rows: the stream machinery runs per chunk, not per row.
  // Room for a few chunks of text, so the next chunk is built while the last one is written.
  const csv = new PassThrough({ highWaterMark: CSV_BUFFER_BYTES })
  void (async () => {
    try {
      let header = true
      for await (const rows of tokenCsvChunks(dataSource, ids, signal)) {
        if (csv.destroyed) return
        if (!csv.write(csvText(rows, header))) await drained(csv)
        header = false
      }
      if (header) csv.write(csvText([], true))
      csv.end()
    } catch (error) {
      csv.destroy(error as Error)
    }
  })()
  return csv
}

/**
 * Records as CSV text, each ended by CRLF (the header line first when asked). Written here rather than by
 * csv-stringify: its per-field option handling was the export's largest cost on the main thread (about 0.4 s
 * of 40,000 rows, ten times this), for the same text. The rules are csv-stringify's with the options the
 * export used (`record_delimiter: 'windows'`, `quote_record_delimiter`, `quoted_match`), and a unit test holds
 * the two to the same output: a field is quoted when it holds a comma, a quote, CR or LF (a lone one too), or
 * when `neutralizeFormula` prefixed it (OWASP: prefixed and quoted; tokens never hold a `'`); quotes are doubled.
 */
export function csvText(rows: readonly TokenCsvRow[], header: boolean): string {
  let text = header ? csvLine(TOKEN_CSV_COLUMNS) : ''
  for (const row of rows) text += csvLine(row)
  return text
}

const MUST_QUOTE = /[,"\r\n]|(?:^|[,;\t\r\n])'/

function csvLine(cells: readonly string[]): string {
  let line = ''
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]
    if (i) line += ','
    line += MUST_QUOTE.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell
  }
  return `${line}\r\n`
}

/** Resolves when the reader has caught up, or the stream was closed (a download the browser abandoned). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('close', done)
  })
}

/** Streams the CSV into `target` (e.g. an HTTP response); resolves once it is written. */
export async function writeTokenCsv(dataSource: DataSource, ids: readonly number[], target: Writable, signal?: AbortSignal): Promise<void> {
  await pipeline(tokenCsvStream(dataSource, ids, signal), target)
}

/**
 * Writes the CSV to `filePath` atomically: a 0600 temp file next to it, renamed over the target once
 * complete, so a reader never sees half a file and a failure leaves any earlier file untouched.
 */
export async function writeTokenCsvFile(dataSource: DataSource, ids: readonly number[], filePath: string, signal?: AbortSignal): Promise<void> {
  const target = path.resolve(filePath)
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`)
  try {
    await pipeline(tokenCsvStream(dataSource, ids, signal), fs.createWriteStream(temp, { flags: 'wx', mode: 0o600, highWaterMark: CSV_BUFFER_BYTES }))
    await fs.promises.rename(temp, target)
  } catch (error) {
    await fs.promises.rm(temp, { force: true }).catch(() => undefined)
    throw error
  }
}
