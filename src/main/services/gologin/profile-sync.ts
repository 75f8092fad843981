/**
 * One profile sync: GoLogin's list page by page into `profiles` (each page upserted as it arrives,
 * so a sync that fails half-way keeps what it wrote), then — only when the listing was complete —
 * every profile this sync did not see becomes inactive. Nothing is deleted: sessions and mappings
 * of a removed profile stay, and it comes back to life if GoLogin lists it again.
 */
import type { DataSource, EntityManager } from 'typeorm'
import { sqliteDateTime, upsertProfiles, type ProfileMetadata, type ProfileUpsertRow } from '../../db'
import type { Logger } from '../../logging/logger'
import type { PatternMapper } from './account-mapping'
import type { GoLoginProfile, GoLoginProfilePage } from './types'

export interface SyncDatabase {
  dataSource: DataSource
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>
}

export interface ProfilePageSource {
  pages(options?: { signal?: AbortSignal }): AsyncIterable<GoLoginProfilePage>
}

export interface SyncCounts {
  added: number
  updated: number
  unchanged: number
  deactivated: number
}

export interface SyncStep extends SyncCounts {
  pagesDone: number
  pagesTotal: number | null
  /** Distinct profiles listed so far. */
  fetched: number
  /** GoLogin's `allProfilesCount` on the latest page. */
  total: number | null
}

export interface SyncOutcome extends SyncStep {
  /** False when GoLogin's list shifted during the listing: nothing was deactivated then. */
  complete: boolean
}

export interface ProfileSyncRun {
  source: ProfilePageSource
  database: SyncDatabase
  mapper: PatternMapper
  log: Logger
  syncedAt: Date
  signal?: AbortSignal
  onStep?: (step: SyncStep) => void
}

export async function runProfileSync(run: ProfileSyncRun): Promise<SyncOutcome> {
  const { database, mapper, syncedAt } = run
  const step: SyncStep = { pagesDone: 0, pagesTotal: null, fetched: 0, total: null, added: 0, updated: 0, unchanged: 0, deactivated: 0 }
  const seen = new Set<string>()
  const operatorHeld = await operatorUsernames(database)
  let pageSize = 0

  for await (const page of run.source.pages({ signal: run.signal })) {
    run.signal?.throwIfAborted()
    // A profile that moved to a later page while we listed is written once.
    const fresh = page.profiles.filter((profile) => !seen.has(profile.id))
    for (const profile of fresh) seen.add(profile.id)
    const rows = fresh.map((profile) => toUpsertRow(profile, mapper, operatorHeld))
    const counts = await upsertProfiles(database.dataSource, rows, { syncedAt })
    const unmatched = rows.filter((row) => !row.mapping).map((row) => row.profileId)
    if (unmatched.length) await clearStalePatternMappings(database, unmatched)

    pageSize ||= page.profiles.length
    step.pagesDone++
    step.total = page.allProfilesCount
    step.pagesTotal = pageSize ? Math.max(step.pagesDone, Math.ceil(page.allProfilesCount / pageSize)) : step.pagesDone
    step.fetched = seen.size
    step.added += counts.added
    step.updated += counts.updated
    step.unchanged += counts.unchanged
    run.onStep?.({ ...step })
    run.signal?.throwIfAborted()
  }

  // GoLogin counts profiles per page; fewer distinct ids than its total means the list moved under us.
  const complete = step.total === null || seen.size >= step.total
  if (complete) {
    step.deactivated = await deactivateUnseen(database, syncedAt)
  } else {
    run.log.warn(
      'gologin.sync.incomplete_listing',
      { fetched: seen.size, total: step.total },
      `GoLogin's profile list changed during the sync (${seen.size} of ${step.total} listed); no profile was marked inactive this time`,
    )
  }
  step.pagesTotal = step.pagesDone
  run.onStep?.({ ...step })
  return { ...step, complete }
}

/**
 * `operatorHeld`: lower-case usernames the operator mapped (import/edit) → their profile. A pattern
 * never hands such a username to another profile: one account, one profile.
 */
export function toUpsertRow(profile: GoLoginProfile, mapper: PatternMapper, operatorHeld: ReadonlyMap<string, string> = new Map()): ProfileUpsertRow {
  const derived = mapper.map(profile)
  const holder = derived ? operatorHeld.get(derived.twitterUsername.toLowerCase()) : undefined
  const mapping = holder === undefined || holder === profile.id ? derived : null
  return {
    profileId: profile.id,
    profileName: profile.name,
    metadata: toMetadata(profile),
    isActive: true,
    ...(mapping ? { mapping: { twitterUsername: mapping.twitterUsername, apiApp: mapping.apiApp, source: 'pattern' as const } } : {}),
  }
}

function toMetadata(profile: GoLoginProfile): ProfileMetadata {
  const proxy = profile.proxy
  return {
    folder: profile.folders.length ? profile.folders.join(', ') : null,
    tags: profile.tags,
    notes: profile.notes,
    os: profile.os || null,
    // Built field by field: nothing else (a password above all) can slip through.
    proxy: proxy ? { mode: proxy.mode, host: proxy.host, port: proxy.port, username: proxy.username, country: proxy.country } : null,
  }
}

async function operatorUsernames(database: SyncDatabase): Promise<Map<string, string>> {
  const rows: Array<{ profile_id: string; twitter_username: string }> = await database.dataSource.query(
    `SELECT profile_id, twitter_username FROM profiles
      WHERE mapping_source IN ('import', 'edit') AND twitter_username IS NOT NULL AND is_active = TRUE`,
  )
  return new Map(rows.map((row) => [row.twitter_username.toLowerCase(), row.profile_id]))
}

/** A pattern mapping whose profile no longer yields a username (or only an operator-held one) is dropped. */
async function clearStalePatternMappings(database: SyncDatabase, profileIds: string[]): Promise<void> {
  await database.transaction((manager) =>
    manager.query(
      `UPDATE profiles SET twitter_username = NULL, api_app = NULL, mapping_source = NULL, updated_at = ?
        WHERE mapping_source = 'pattern' AND profile_id IN (${profileIds.map(() => '?').join(', ')})`,
      [sqliteDateTime(new Date()), ...profileIds],
    ),
  )
}

/** Every active profile this sync did not write (its `last_synced` is not this sync's stamp). */
async function deactivateUnseen(database: SyncDatabase, syncedAt: Date): Promise<number> {
  const stamp = sqliteDateTime(syncedAt)
  const rows: unknown[] = await database.transaction((manager) =>
    manager.query(
      `UPDATE profiles SET is_active = FALSE, updated_at = ? WHERE is_active = TRUE AND (last_synced IS NULL OR last_synced <> ?) RETURNING id`,
      [sqliteDateTime(new Date()), stamp],
    ),
  )
  return rows.length
}
