/**
 * `tokens:export`: where the CSV goes. The desktop app asks for a path (native save dialog) and writes
 * the file atomically; browser mode has no dialog, so it gets a one-time download link that the web host
 * serves by streaming the same CSV. Only counts and paths are logged, never a token.
 */
import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import type { DataSource } from 'typeorm'
import type { ExportResult } from '../../../shared/contract/tokens'
import { AppException, DomainException, InfrastructureException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { CSV_FILTERS, type FileDialogs } from '../platform'
import { newestTokenIds } from './newest-tokens'
import { tokenCsvStream, writeTokenCsvFile } from './token-csv'

export interface TokenExportRequest {
  apiApp: string | null
  onlyValid: boolean
}

export interface TokenDownload {
  fileName: string
  rows: number
  /** The CSV, produced as it is read. */
  stream: Readable
}

export interface TokenExportServiceOptions {
  dataSource: DataSource
  log: Logger
  /** Native file pickers (desktop); absent in browser mode. */
  dialogs?: FileDialogs | null
  /** How long a download link stays usable (default 5 minutes). */
  ticketTtlMs?: number
  now?: () => number
}

interface Ticket {
  request: TokenExportRequest
  fileName: string
  expiresAt: number
}

export const DOWNLOAD_PATH = '/download'

export class TokenExportService {
  private readonly tickets = new Map<string, Ticket>()
  private readonly now: () => number
  /** Aborted on quit: an export or download under way stops (an earlier file is left as it was). */
  private readonly closing = new AbortController()

  constructor(private readonly options: TokenExportServiceOptions) {
    this.now = options.now ?? Date.now
  }

  /** Stops exports and downloads under way (quit); new ones are refused. */
  close(): void {
    this.closing.abort(new DomainException('INTERRUPTED', 'The panel stopped before the token export finished; nothing was written.'))
    this.tickets.clear()
  }

  async export(request: TokenExportRequest): Promise<ExportResult> {
    this.closing.signal.throwIfAborted()
    const fileName = exportFileName(request.apiApp, new Date(this.now()))
    const { dialogs, log } = this.options
    if (!dialogs) return this.issueTicket(request, fileName)

    const target = await dialogs.chooseSavePath({ title: 'Export tokens', defaultPath: fileName, filters: CSV_FILTERS })
    if (!target) {
      log.info('tokens.export_cancelled', {}, 'Token export cancelled')
      return { mode: 'cancelled' }
    }
    const started = performance.now()
    const ids = await newestTokenIds(this.options.dataSource, filterOf(request, this.now()))
    try {
      await writeTokenCsvFile(this.options.dataSource, ids, target, this.closing.signal)
    } catch (error) {
      log.error('tokens.export_failed', { path: target, err: error })
      if (error instanceof AppException) throw error
      const reason = (error as NodeJS.ErrnoException).code ?? 'write error'
      throw new InfrastructureException('INTERNAL_ERROR', `The token CSV could not be written to ${target} (${reason}).`, { cause: error, details: { path: target } })
    }
    const ms = Math.round(performance.now() - started)
    log.info('tokens.exported', { path: target, rows: ids.length, apiApp: request.apiApp, onlyValid: request.onlyValid, ms }, `${ids.length} token(s) exported to ${target}`)
    return { mode: 'saved', path: target, rows: ids.length }
  }

  /**
   * Redeems a download link once: the CSV stream, or null when the ticket is unknown, used or expired.
   * The rows are read when the download happens, so the file holds the tokens of that moment.
   */
  async openDownload(ticket: string): Promise<TokenDownload | null> {
    this.dropExpired()
    const found = this.tickets.get(ticket)
    if (!found) return null
    this.tickets.delete(ticket)
    const ids = await newestTokenIds(this.options.dataSource, filterOf(found.request, this.now()))
    const stream = tokenCsvStream(this.options.dataSource, ids, this.closing.signal)
    const log = this.options.log
    stream.once('end', () => log.info('tokens.downloaded', { rows: ids.length, apiApp: found.request.apiApp, fileName: found.fileName }, `${ids.length} token(s) downloaded`))
    stream.once('error', (error) => log.error('tokens.download_failed', { fileName: found.fileName, err: error }))
    return { fileName: found.fileName, rows: ids.length, stream }
  }

  private async issueTicket(request: TokenExportRequest, fileName: string): Promise<ExportResult> {
    this.dropExpired()
    const ticket = randomBytes(24).toString('base64url')
    this.tickets.set(ticket, { request, fileName, expiresAt: this.now() + (this.options.ticketTtlMs ?? 5 * 60_000) })
    const rows = (await newestTokenIds(this.options.dataSource, filterOf(request, this.now()))).length
    this.options.log.info('tokens.export_ready', { rows, apiApp: request.apiApp, onlyValid: request.onlyValid }, `Token export ready for download (${rows} row(s))`)
    return { mode: 'download', url: `${DOWNLOAD_PATH}/${ticket}`, fileName, rows }
  }

  private dropExpired(): void {
    const now = this.now()
    for (const [ticket, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(ticket)
  }
}

function filterOf(request: TokenExportRequest, now: number) {
  return { apiApp: request.apiApp, onlyValid: request.onlyValid, now: new Date(now) }
}

/** `tokens-AIOTT1-2025-06-01-1430.csv` (local time; no characters a file system would refuse). */
export function exportFileName(apiApp: string | null, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  const stamp = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}`
  const app = apiApp ? apiApp.replace(/[^A-Za-z0-9_-]/g, '') : 'all'
  return `tokens-${app || 'all'}-${stamp}.csv`
}
