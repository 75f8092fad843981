import { z } from 'zod'
import type { AppToken } from '../app-tokens'
import type { ErrorCode } from '../errors'
import { event, request, returns } from './define'
import type { SessionStatus, TokenStatus } from './sessions'

export type MappingSource = 'import' | 'edit' | 'pattern'

/** One GoLogin profile as the grid shows it. */
export interface ProfileRow {
  /** GoLogin profile id */
  id: string
  name: string
  username: string | null
  apiApp: string | null
  mappingSource: MappingSource | null
  folder: string | null
  tags: string[]
  notes: string
  os: string | null
  proxyCountry: string | null
  isActive: boolean
  inUse: boolean
  lastSynced: string | null
  /** The newest authorization attempt of this profile, and the API app it was for. */
  lastStatus: SessionStatus | null
  lastApiApp: string | null
  lastErrorCode: ErrorCode | null
  lastAttemptAt: string | null
  /** When the newest successful authorization completed, and its token's state. */
  lastAuthorizedAt: string | null
  tokenExpiresAt: string | null
  tokenStatus: TokenStatus | null
  /**
   * The account's (X username's) newest completed authorization per API app, by app name; `{}` without a
   * username. A patch carrying `tokens` replaces them all.
   */
  tokens: Record<string, AppToken>
  /** Set aside as "needs a manual fix" since then (null: not set aside); retries leave it out until cleared. */
  manualFixSince: string | null
  /** The error code it was set aside for. */
  manualFixReason: ErrorCode | null
}

export type ProfilePatch = Partial<ProfileRow> & { id: string }

export interface SyncProgress {
  running: boolean
  startedAt: string | null
  finishedAt: string | null
  pagesDone: number
  pagesTotal: number | null
  fetched: number
  total: number | null
  added: number
  updated: number
  unchanged: number
  deactivated: number
  /** Operator sentence when the last sync failed. */
  error: string | null
  errorCode: ErrorCode | null
}

export interface ImportPreviewLine {
  line: number
  profileName: string
  username: string
  apiApp: string
  /** Set when the line cannot be applied: unknown profile, bad username, unknown app, duplicate… */
  error: string | null
  profileId: string | null
}

/** The largest mapping file the import reads (stated in the import dialog). */
export const MAPPING_IMPORT_MAX_BYTES = 20 * 1024 * 1024
export const MAPPING_IMPORT_MAX_TEXT = '20 MB'
/** A preview shows at most this many lines with errors, and this many that can be applied; counts cover the file. */
export const IMPORT_PREVIEW_ERRORS = 200
export const IMPORT_PREVIEW_OK = 100

export interface ImportPreview {
  previewId: string
  /**
   * In file order: the first `IMPORT_PREVIEW_ERRORS` lines with errors and the first `IMPORT_PREVIEW_OK` that can be
   * applied (each text clipped to 160 characters), never the whole file.
   */
  lines: ImportPreviewLine[]
  /** Lines with errors (and lines that can be applied) left out of `lines`. */
  moreErrors: number
  moreOk: number
  okCount: number
  errorCount: number
  /** A problem with the file as a whole (header, encoding, delimiter). */
  fileError: string | null
}

const profileId = z.string().min(1).max(100)
const username = z
  .string()
  .trim()
  .regex(/^@?[A-Za-z0-9_]{1,15}$/, 'an X username: 1–15 letters, digits or _')
  .transform((v) => v.replace(/^@/, ''))

export const profilesContract = {
  /** All profiles in pages (the grid loads every page, then keeps the rows in memory). */
  'profiles:list': request(
    z
      .object({ cursor: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(10_000).default(5_000) })
      .strict()
      .default({ cursor: 0, limit: 5_000 }),
    returns<{ rows: ProfileRow[]; nextCursor: number | null; total: number }>(),
  ),
  /** Operator edit of the X username / API app of one profile (null clears it). */
  'profiles:updateMapping': request(
    z
      .object({
        profileId,
        username: username.nullable().optional(),
        apiApp: z.string().max(40).nullable().optional(),
      })
      .strict(),
    returns<ProfileRow>(),
  ),
  /** Starts a sync now (progress on the `sync` event); answers at once. */
  'profiles:sync': request(z.undefined().or(z.object({}).strict()), returns<SyncProgress>()),
  'profiles:syncStatus': request(z.undefined().or(z.object({}).strict()), returns<SyncProgress>()),
  /** CSV `profile_name,twitter_username,api_app` (header required; comma or semicolon; BOM ok). Applies nothing. */
  'profiles:importPreview': request(
    z
      .object({
        // Characters: at least one byte each, so a longer text is surely over the limit (main counts the bytes).
        csv: z.string().max(MAPPING_IMPORT_MAX_BYTES, `The file is over the ${MAPPING_IMPORT_MAX_TEXT} import limit; split it into smaller files.`),
        fileName: z.string().max(300).optional(),
      })
      .strict(),
    returns<ImportPreview>(),
  ),
  /** Checks a GoLogin token (the one given, else the stored one): answers the account's profile count. */
  'gologin:testConnection': request(
    z.object({ token: z.string().trim().min(10).max(4_096).optional() }).strict().default({}),
    returns<{ profileCount: number }>(),
  ),
  /** Applies the valid lines of a preview in one transaction. */
  'profiles:importApply': request(z.object({ previewId: z.string().min(1).max(100) }).strict(), returns<{ applied: number }>()),
}

export const profilesEvents = {
  /** Single-row changes (in use, last status, mapping). */
  profiles: event<ProfilePatch>('keyed'),
  /** Many rows changed (a sync, an import): reload the list. */
  'profiles:reload': event<{ reason: 'sync' | 'import'; at: string }>('latest'),
  sync: event<SyncProgress>('latest'),
}
