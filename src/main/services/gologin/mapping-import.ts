/**
 * CSV import of the account mapping in two steps. `preview` checks every line against the file
 * itself (duplicates), the profiles (unknown or ambiguous names, usernames other profiles hold) and
 * the configured API apps, applies nothing and keeps the valid lines under a `previewId` for a while;
 * `apply` writes them in one transaction as `import` mappings (which sync never overwrites), after
 * checking that nothing changed since the preview in a way that would now clash.
 */
import { randomUUID } from 'node:crypto'
import { IMPORT_PREVIEW_ERRORS, IMPORT_PREVIEW_OK, type ImportPreview, type ImportPreviewLine } from '../../../shared/contract/profiles'
import { DomainException } from '../../../shared/errors'
import { normalizeUsername, sqliteDateTime } from '../../db'
import type { Logger } from '../../logging/logger'
import { canonicalApiApp, unknownApiAppMessage, X_USERNAME } from './account-mapping'
import { MAPPING_CSV_COLUMNS, parseMappingCsv } from './mapping-csv'
import type { SyncDatabase } from './profile-sync'

export interface MappingImportOptions {
  database: SyncDatabase
  log: Logger
  /** How long a preview can be applied (default 30 min). */
  previewTtlMs?: number
  /** Previews kept at once; the oldest goes first (default 10). */
  maxPreviews?: number
  now?: () => number
}

interface PlannedLine {
  line: number
  profileId: string
  profileName: string
  username: string
  apiApp: string
}

interface StoredPreview {
  lines: PlannedLine[]
  fileName: string | null
  expiresAt: number
}

interface ProfileFacts {
  profile_id: string
  profile_name: string
  twitter_username: string | null
  is_active: number
}

const UPDATE_CHUNK = 300

export class MappingImport {
  private readonly previews = new Map<string, StoredPreview>()
  private readonly now: () => number

  constructor(private readonly options: MappingImportOptions) {
    this.now = options.now ?? Date.now
  }

  async preview(csv: string, apiAppNames: readonly string[], fileName?: string): Promise<ImportPreview> {
    const previewId = randomUUID()
    const parsed = await parseMappingCsv(csv)
    if (parsed.fileError !== null) {
      this.options.log.warn('profiles.import.file_rejected', { fileName, reason: parsed.fileError }, `Mapping file rejected: ${parsed.fileError}`)
      return { previewId, lines: [], moreErrors: 0, moreOk: 0, okCount: 0, errorCount: 0, fileError: parsed.fileError }
    }
    const profiles = await this.loadProfiles()
    const lines = parsed.records.map((record): ImportPreviewLine & { planned: PlannedLine | null } => {
      const [profileName = '', rawUsername = '', rawApp = ''] = record.fields
      const line = { line: record.line, profileName, username: rawUsername, apiApp: rawApp, error: record.error, profileId: null as string | null, planned: null as PlannedLine | null }
      if (line.error) return line
      line.error = checkFields(record.fields)
      if (line.error) return line
      const found = findProfile(profiles, profileName)
      if (typeof found === 'string') return { ...line, error: found }
      line.profileId = found.profile_id
      const username = normalizeUsername(rawUsername) ?? ''
      const apiApp = canonicalApiApp(rawApp, apiAppNames)
      if (!X_USERNAME.test(username)) line.error = `"${rawUsername}" is not an X username (1–15 letters, digits or _)`
      else if (!apiApp) line.error = unknownApiAppMessage(rawApp, apiAppNames)
      else line.planned = { line: record.line, profileId: found.profile_id, profileName: found.profile_name, username, apiApp }
      return line
    })

    flagDuplicates(lines, (line) => line.profileId ?? undefined, (line) => `Profile "${line.profileName}" is also on line`)
    flagDuplicates(lines, (line) => normalizeUsername(line.username)?.toLowerCase(), (line) => `@${normalizeUsername(line.username)} is also on line`)
    flagHeldUsernames(lines, profiles.byId)

    const planned = lines.flatMap((line) => (line.planned && !line.error ? [line.planned] : []))
    this.store(previewId, { lines: planned, fileName: fileName ?? null, expiresAt: this.now() + (this.options.previewTtlMs ?? 30 * 60_000) })
    const errorCount = lines.filter((line) => line.error).length
    this.options.log.info(
      'profiles.import.previewed',
      { fileName, lines: lines.length, ok: planned.length, errors: errorCount },
      `Mapping file checked: ${planned.length} line(s) ready, ${errorCount} with errors`,
    )
    return { previewId, ...shownLines(lines), okCount: planned.length, errorCount, fileError: null }
  }

  /** Writes the preview's valid lines in one transaction; the preview is used up. */
  async apply(previewId: string, apiAppNames: readonly string[]): Promise<{ applied: number; fileName: string | null }> {
    const preview = this.take(previewId)
    const conflict = await this.options.database.transaction(async (manager) => {
      const held: Array<{ profile_id: string; profile_name: string; twitter_username: string }> = await manager.query(
        `SELECT profile_id, profile_name, twitter_username FROM profiles WHERE is_active = TRUE AND twitter_username IS NOT NULL`,
      )
      const clash = firstClash(preview.lines, held, apiAppNames)
      if (clash) return clash
      const stamp = sqliteDateTime(new Date(this.now()))
      for (let start = 0; start < preview.lines.length; start += UPDATE_CHUNK) {
        const chunk = preview.lines.slice(start, start + UPDATE_CHUNK)
        await manager.query(
          `WITH mapping(profile_id, username, api_app) AS (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')})
            UPDATE profiles SET twitter_username = mapping.username, api_app = mapping.api_app, mapping_source = 'import', updated_at = ?
            FROM mapping WHERE profiles.profile_id = mapping.profile_id`,
          [...chunk.flatMap((line) => [line.profileId, line.username, line.apiApp]), stamp],
        )
      }
      return null
    })
    if (conflict) {
      // Kept so the operator can re-check the file; the same preview can never apply a clash.
      throw new DomainException('CONFLICT', `${conflict} Nothing was applied; preview the file again.`, { details: { previewId } })
    }
    this.options.log.info('profiles.import.applied', { fileName: preview.fileName, applied: preview.lines.length }, `Mapping import applied: ${preview.lines.length} profile(s)`)
    return { applied: preview.lines.length, fileName: preview.fileName }
  }

  private async loadProfiles() {
    const rows: ProfileFacts[] = await this.options.database.dataSource.query(
      `SELECT profile_id, profile_name, twitter_username, is_active FROM profiles ORDER BY id`,
    )
    const byName = new Map<string, ProfileFacts[]>()
    const byLowerName = new Map<string, ProfileFacts[]>()
    const byId = new Map<string, ProfileFacts>()
    for (const row of rows) {
      push(byName, row.profile_name.trim(), row)
      push(byLowerName, row.profile_name.trim().toLowerCase(), row)
      byId.set(row.profile_id, row)
    }
    return { byName, byLowerName, byId }
  }

  private store(previewId: string, preview: StoredPreview): void {
    this.dropExpired()
    const max = this.options.maxPreviews ?? 10
    while (this.previews.size >= max) this.previews.delete(this.previews.keys().next().value as string)
    this.previews.set(previewId, preview)
  }

  private take(previewId: string): StoredPreview {
    this.dropExpired()
    const preview = this.previews.get(previewId)
    if (!preview) throw new DomainException('NOT_FOUND', 'This import preview has expired or was already applied; preview the file again.', { details: { previewId } })
    this.previews.delete(previewId)
    return preview
  }

  private dropExpired(): void {
    const now = this.now()
    for (const [id, preview] of this.previews) if (preview.expiresAt <= now) this.previews.delete(id)
  }
}

type PreviewLine = ImportPreviewLine & { planned: PlannedLine | null }

/** Longest text echoed back per field: a line is for recognising, and a file can hold a megabyte in one field. */
const ECHO_CHARS = 160

/** The lines the answer carries (the first errors and the first OK lines, in file order), clipped; never every line. */
function shownLines(lines: PreviewLine[]): Pick<ImportPreview, 'lines' | 'moreErrors' | 'moreOk'> {
  const shown: ImportPreviewLine[] = []
  let errors = 0
  let ok = 0
  let moreErrors = 0
  let moreOk = 0
  for (const { planned: _planned, ...line } of lines) {
    if (line.error ? errors++ >= IMPORT_PREVIEW_ERRORS : ok++ >= IMPORT_PREVIEW_OK) {
      if (line.error) moreErrors++
      else moreOk++
      continue
    }
    shown.push({ ...line, profileName: clip(line.profileName), username: clip(line.username), apiApp: clip(line.apiApp), error: line.error && clip(line.error) })
  }
  return { lines: shown, moreErrors, moreOk }
}

function clip(text: string): string {
  return text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS - 1)}…` : text
}

function checkFields(fields: string[]): string | null {
  if (fields.length !== MAPPING_CSV_COLUMNS.length) {
    return `Expected ${MAPPING_CSV_COLUMNS.length} columns (${MAPPING_CSV_COLUMNS.join(', ')}), found ${fields.length}`
  }
  const empty = MAPPING_CSV_COLUMNS.filter((_, i) => fields[i].trim() === '')
  return empty.length ? `${empty.join(' and ')} ${empty.length > 1 ? 'are' : 'is'} empty` : null
}

/** The one profile with this name (exact first, then ignoring case; active ones preferred), or why not. */
function findProfile(profiles: { byName: Map<string, ProfileFacts[]>; byLowerName: Map<string, ProfileFacts[]> }, name: string): ProfileFacts | string {
  const candidates = profiles.byName.get(name.trim()) ?? profiles.byLowerName.get(name.trim().toLowerCase()) ?? []
  const active = candidates.filter((profile) => profile.is_active === 1)
  if (active.length === 1) return active[0]
  if (active.length > 1) return `${active.length} GoLogin profiles are named "${name}"; give them distinct names in GoLogin and sync`
  if (candidates.length) return `Profile "${name}" is no longer in GoLogin (inactive since a sync)`
  return `No GoLogin profile is named "${name}" (sync profiles first if it is new)`
}

/**
 * Lines sharing a profile (or a username) are all errors naming the other lines: none of them wins
 * silently. Lines with another error count too, so the operator sees the clash at once.
 */
function flagDuplicates(lines: PreviewLine[], keyOf: (line: PreviewLine) => string | undefined, describe: (line: PreviewLine) => string): void {
  const byKey = new Map<string, PreviewLine[]>()
  for (const line of lines) {
    const key = keyOf(line)
    if (key) push(byKey, key, line)
  }
  for (const group of byKey.values()) {
    if (group.length < 2) continue
    for (const line of group) {
      if (line.error) continue
      line.error = `${describe(line)} ${group.filter((other) => other !== line).map((other) => other.line).join(', ')}`
      line.planned = null
    }
  }
}

/**
 * A username another active profile holds is a clash, unless this file moves that profile to
 * another username. Dropping a line can bring a clash back, so repeat until nothing changes.
 */
function flagHeldUsernames(lines: PreviewLine[], byId: Map<string, ProfileFacts>): void {
  const holders = new Map<string, ProfileFacts[]>()
  for (const profile of byId.values()) {
    if (profile.is_active === 1 && profile.twitter_username) push(holders, profile.twitter_username.toLowerCase(), profile)
  }
  for (let changed = true; changed; ) {
    changed = false
    const remapped = new Set(lines.flatMap((line) => (line.planned && !line.error ? [line.planned.profileId] : [])))
    for (const line of lines) {
      if (!line.planned || line.error) continue
      const planned = line.planned
      const holder = (holders.get(planned.username.toLowerCase()) ?? []).find((p) => p.profile_id !== planned.profileId && !remapped.has(p.profile_id))
      if (!holder) continue
      line.error = `@${planned.username} is already mapped to profile "${holder.profile_name}" (${holder.profile_id})`
      line.planned = null
      changed = true
    }
  }
}

/** Why applying `lines` now would leave two active profiles with one username (or an app gone), if it would. */
function firstClash(
  lines: PlannedLine[],
  held: Array<{ profile_id: string; profile_name: string; twitter_username: string }>,
  apiAppNames: readonly string[],
): string | null {
  const remapped = new Set(lines.map((line) => line.profileId))
  const holders = new Map<string, { profile_id: string; profile_name: string }>()
  for (const row of held) if (!remapped.has(row.profile_id)) holders.set(row.twitter_username.toLowerCase(), row)
  for (const line of lines) {
    if (!canonicalApiApp(line.apiApp, apiAppNames)) return `Line ${line.line}: API app "${line.apiApp}" was removed since the preview.`
    const holder = holders.get(line.username.toLowerCase())
    if (holder) return `Line ${line.line}: @${line.username} was mapped to profile "${holder.profile_name}" (${holder.profile_id}) since the preview.`
  }
  return null
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
