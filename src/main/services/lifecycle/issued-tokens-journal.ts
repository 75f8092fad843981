/**
 * A small write-ahead journal of the token sets X has issued and the panel has not yet stored or revoked
 * (`issued-tokens.json` in the data folder). The automator writes an entry the moment X answers the code
 * exchange (synchronously, flushed to disk) and crosses it out once the tokens are stored or revoked. A host
 * killed in between leaves the entry behind; the next start-up revokes those tokens at X (the session was
 * interrupted or requeued and gets a new set), so a token X issued is stored or revoked, never dropped.
 *
 * The tokens are sealed with the data key (the secret box the database uses for tokens), bound to the
 * entry's session: no plaintext secret reaches the file or the log.
 */
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { ApiAppConfig } from '../../../shared/api-app'
import { TwitterAPIException } from '../../../shared/errors'
import type { Logger } from '../../logging/logger'
import { openPrivate } from '../../security/private-files'
import { rowContext, type SecretBox } from '../../security/secret-box'

export const ISSUED_TOKENS_FILE_NAME = 'issued-tokens.json'
const SEAL_TABLE = 'issued_tokens_journal'
const SEAL_COLUMN = 'tokens'

export type IssuedFlow = 'oauth2' | 'oauth1'

export interface IssuedTokenSet {
  accessToken: string
  refreshToken: string | null
  oauthTokenSecret?: string | null
}

/** One entry as written: the tokens sealed. */
interface JournalEntry {
  id: string
  sessionId: string
  apiApp: string
  flow: IssuedFlow
  sealed: string
  issuedAt: string
}

interface JournalFile {
  version: 1
  entries: JournalEntry[]
}

/** An entry left by an earlier run, its tokens opened (in memory only). */
export interface LeftoverIssued {
  id: string
  sessionId: string
  apiApp: string
  flow: IssuedFlow
  issuedAt: string
  tokens: IssuedTokenSet
}

export class IssuedTokensJournal {
  readonly file: string
  private entries: JournalEntry[] | null = null

  constructor(private readonly options: { dataDir: string; box: () => SecretBox; log: Logger; fileName?: string }) {
    this.file = path.join(options.dataDir, options.fileName ?? ISSUED_TOKENS_FILE_NAME)
  }

  /**
   * Writes the set down before anything else happens to it (synchronous and flushed: on disk before this returns).
   * Answers the entry's id for `cross`. Throws if it cannot be written (the automator logs that and goes on to store or revoke).
   */
  record(entry: { sessionId: string; apiApp: string; flow: IssuedFlow; tokens: IssuedTokenSet; issuedAt?: Date }): string {
    const id = randomUUID()
    const sealed = this.options.box().seal(JSON.stringify(pick(entry.tokens)), rowContext(SEAL_TABLE, SEAL_COLUMN, id))
    const next = [...this.load(), { id, sessionId: entry.sessionId, apiApp: entry.apiApp, flow: entry.flow, sealed, issuedAt: (entry.issuedAt ?? new Date()).toISOString() }]
    this.write(next)
    return id
  }

  /** Crosses out an entry (its tokens are stored or revoked). Never throws: a failed write is logged and the entry is revoked at the next start-up. */
  cross(id: string): void {
    try {
      const current = this.load()
      if (!current.some((entry) => entry.id === id)) return
      this.write(current.filter((entry) => entry.id !== id))
    } catch (error) {
      this.options.log.warn('issued_journal.write_failed', { file: this.file, err: error }, 'Could not cross out a stored or revoked token set; it is revoked at the next start-up')
    }
  }

  /** Entries in the file (sealed). An absent file is empty; a damaged one is set aside with a warning. */
  private load(): JournalEntry[] {
    if (this.entries) return this.entries
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      return (this.entries = [])
    }
    try {
      const parsed = JSON.parse(text) as Partial<JournalFile>
      if (!Array.isArray(parsed.entries)) throw new Error('no entries list')
      this.entries = parsed.entries.filter(isEntry)
    } catch (error) {
      const aside = `${this.file}.damaged-${Date.now()}`
      try {
        fs.renameSync(this.file, aside)
      } catch {
        // Left in place: it is overwritten by the next write.
      }
      this.options.log.warn('issued_journal.damaged', { file: this.file, aside, err: error }, 'The journal of issued token sets is damaged; it was set aside and is ignored')
      this.entries = []
    }
    return this.entries
  }

  private write(entries: JournalEntry[]): void {
    if (entries.length === 0) {
      fs.rmSync(this.file, { force: true })
    } else {
      const temp = `${this.file}.tmp`
      const fd = openPrivate(temp, 'w')
      try {
        fs.writeFileSync(fd, JSON.stringify({ version: 1, entries } satisfies JournalFile))
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
      fs.renameSync(temp, this.file)
      syncDir(path.dirname(this.file))
    }
    this.entries = entries
  }

  /** The entries an earlier run left (tokens opened). One that does not open with this data key is reported and kept. */
  leftovers(): LeftoverIssued[] {
    const out: LeftoverIssued[] = []
    for (const entry of this.load()) {
      try {
        const tokens = JSON.parse(this.options.box().open(entry.sealed, rowContext(SEAL_TABLE, SEAL_COLUMN, entry.id))) as IssuedTokenSet
        out.push({ id: entry.id, sessionId: entry.sessionId, apiApp: entry.apiApp, flow: entry.flow, issuedAt: entry.issuedAt, tokens: pick(tokens) })
      } catch (error) {
        this.options.log.warn('issued_journal.unopenable', { sessionId: entry.sessionId, apiApp: entry.apiApp, err: error }, 'A token set in the journal does not open with this data key; kept')
      }
    }
    return out
  }
}

/** What revokes a leftover set at X (the OAuth clients fit). */
export interface IssuedRevoker {
  apiApps: { get(name: string): Promise<ApiAppConfig> }
  oauth: { revoke(app: ApiAppConfig, token: string, hint: 'access_token' | 'refresh_token', options?: { signal?: AbortSignal }): Promise<void> }
  oauth1?: { invalidate(app: ApiAppConfig, pair: { token: string; secret: string }, options?: { signal?: AbortSignal }): Promise<void> } | null
}

export interface IssuedRecoveryReport {
  revoked: number
  kept: number
}

/**
 * Start-up, before any work is claimed: revokes at X every set an earlier run left in the journal, with its app's
 * credentials. An entry is crossed out only once X revoked it or said it is no longer valid; otherwise it stays for
 * the next start-up, with a warning (never the secret).
 */
export async function revokeLeftoverIssued(journal: IssuedTokensJournal, revoker: IssuedRevoker, log: Logger, options: { deadlineMs?: number } = {}): Promise<IssuedRecoveryReport> {
  let leftovers: LeftoverIssued[]
  try {
    leftovers = journal.leftovers()
  } catch (error) {
    log.warn('issued_journal.unreadable', { file: journal.file, err: error }, 'Could not read the journal of issued token sets; it is tried again at the next start-up')
    return { revoked: 0, kept: 0 }
  }
  if (!leftovers.length) return { revoked: 0, kept: 0 }
  const signal = AbortSignal.timeout(options.deadlineMs ?? 20_000)
  let revoked = 0
  let kept = 0
  for (const entry of leftovers) {
    try {
      const app = await revoker.apiApps.get(entry.apiApp)
      if (entry.flow === 'oauth1') {
        if (!revoker.oauth1) throw new Error('No OAuth 1.0a client to invalidate the token with')
        if (!entry.tokens.oauthTokenSecret) throw new Error('The OAuth 1.0a entry has no token secret')
        await stillInvalid(() => revoker.oauth1!.invalidate(app, { token: entry.tokens.accessToken, secret: entry.tokens.oauthTokenSecret! }, { signal }))
      } else {
        await stillInvalid(() => revoker.oauth.revoke(app, entry.tokens.accessToken, 'access_token', { signal }))
        if (entry.tokens.refreshToken) await stillInvalid(() => revoker.oauth.revoke(app, entry.tokens.refreshToken!, 'refresh_token', { signal }))
      }
      journal.cross(entry.id)
      revoked++
      log.warn('issued_journal.revoked', { sessionId: entry.sessionId, apiApp: entry.apiApp, flow: entry.flow, issuedAt: entry.issuedAt }, `Revoked a token set X issued to the previous run that was never stored (session ${entry.sessionId})`)
    } catch (error) {
      kept++
      log.warn(
        'issued_journal.revoke_failed',
        { sessionId: entry.sessionId, apiApp: entry.apiApp, flow: entry.flow, err: error },
        `Could not revoke a token set X issued to the previous run (session ${entry.sessionId}); it is tried again at the next start-up`,
      )
    }
  }
  return { revoked, kept }
}

/** A revoke X refuses because the token is already unknown or invalid counts as done. */
async function stillInvalid(revoke: () => Promise<void>): Promise<void> {
  try {
    await revoke()
  } catch (error) {
    if (error instanceof TwitterAPIException && alreadyInvalid(error)) return
    throw error
  }
}

function alreadyInvalid(error: TwitterAPIException): boolean {
  const text = `${String(error.xError ?? '')} ${error.message}`.toLowerCase()
  return (error.statusCode === 400 || error.statusCode === 401) && /invalid[_ ]token|invalid or expired token|expired/.test(text)
}

function pick(tokens: IssuedTokenSet): IssuedTokenSet {
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? null, oauthTokenSecret: tokens.oauthTokenSecret ?? null }
}

function isEntry(value: unknown): value is JournalEntry {
  const entry = value as Partial<JournalEntry> | null
  return (
    !!entry &&
    typeof entry.id === 'string' &&
    typeof entry.sessionId === 'string' &&
    typeof entry.apiApp === 'string' &&
    (entry.flow === 'oauth2' || entry.flow === 'oauth1') &&
    typeof entry.sealed === 'string' &&
    typeof entry.issuedAt === 'string'
  )
}

/** Flushes the folder so the rename itself survives a power cut (not possible on Windows: skipped). */
function syncDir(dir: string): void {
  if (process.platform === 'win32') return
  try {
    const fd = fs.openSync(dir, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    // Best effort.
  }
}
