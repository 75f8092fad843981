/**
 * Which X account and API app a profile is for. The operator's own mapping (CSV import or an edit
 * in the grid) always wins; otherwise sync derives it from GoLogin: the username from a pattern on
 * the notes, then the name (setting `usernamePattern`, first capture group), and the API app from a
 * GoLogin tag that names a configured API app — tags are how GoLogin users group profiles, and
 * tagging each profile with the app it posts for (`AIOTT1`, `AIOTT2`) is the convention we support.
 */
import type { EntityManager } from 'typeorm'
import type { ProfileRow } from '../../../shared/contract/profiles'
import { DomainException, ValidationException } from '../../../shared/errors'
import { normalizeUsername, sqliteDateTime, type MappingSource } from '../../db'
import type { GoLoginProfile } from './types'

/** X usernames: 1–15 letters, digits or `_` (an `@` in front is dropped). */
export const X_USERNAME = /^[A-Za-z0-9_]{1,15}$/

export interface DerivedMapping {
  twitterUsername: string
  apiApp: string | null
}

/** Anything that lists the configured API apps (`ApiAppService` fits). */
export interface ApiAppDirectory {
  list(): Promise<ReadonlyArray<{ name: string }>>
}

/** Derives mappings from GoLogin profiles; build one per sync (pattern and apps as they are now). */
export class PatternMapper {
  private readonly pattern: RegExp
  private readonly appsByLowerName: Map<string, string>

  constructor(pattern: string, apiAppNames: readonly string[]) {
    try {
      // No global flag: exec must start from the beginning of every text.
      this.pattern = new RegExp(pattern)
    } catch {
      throw new ValidationException(`The username pattern "${pattern}" is not a valid regular expression; fix it in Settings.`, { field: 'usernamePattern' })
    }
    this.appsByLowerName = new Map(apiAppNames.map((name) => [name.toLowerCase(), name]))
  }

  map(profile: Pick<GoLoginProfile, 'notes' | 'name' | 'tags'>): DerivedMapping | null {
    const twitterUsername = this.usernameIn(profile.notes) ?? this.usernameIn(profile.name)
    return twitterUsername ? { twitterUsername, apiApp: this.appFromTags(profile.tags) } : null
  }

  private usernameIn(text: string | null | undefined): string | null {
    if (!text) return null
    const match = this.pattern.exec(text)
    const candidate = normalizeUsername(match ? (match[1] ?? match[0]) : null)
    return candidate && X_USERNAME.test(candidate) ? candidate : null
  }

  /** The one configured app named by a tag; none or several → null (ambiguous). */
  private appFromTags(tags: readonly string[]): string | null {
    const apps = new Set(tags.map((tag) => this.appsByLowerName.get(tag.trim().toLowerCase())).filter((app): app is string => !!app))
    return apps.size === 1 ? [...apps][0] : null
  }
}

/** The configured app's stored spelling for a name typed in any case; null when unknown. */
export function canonicalApiApp(name: string, apiAppNames: readonly string[]): string | null {
  const lower = name.trim().toLowerCase()
  return apiAppNames.find((app) => app.toLowerCase() === lower) ?? null
}

export function unknownApiAppMessage(name: string, apiAppNames: readonly string[]): string {
  return apiAppNames.length
    ? `API app "${name}" is not configured (configured: ${apiAppNames.join(', ')})`
    : `API app "${name}" is not configured (no API apps yet; add one in Settings → API apps)`
}

export interface MappingEdit {
  profileId: string
  /** Omitted: keep; null: clear. */
  username?: string | null
  apiApp?: string | null
}

/** The active profile (other than `exceptProfileId`) already mapped to `username`, if any. */
export async function usernameOwner(
  manager: EntityManager,
  username: string,
  exceptProfileId: string,
): Promise<{ profile_id: string; profile_name: string } | null> {
  const rows: Array<{ profile_id: string; profile_name: string }> = await manager.query(
    `SELECT profile_id, profile_name FROM profiles WHERE twitter_username = ? AND profile_id <> ? AND is_active = TRUE ORDER BY id LIMIT 1`,
    [username, exceptProfileId],
  )
  return rows[0] ?? null
}

/**
 * Applies an operator edit inside the caller's transaction: checks the username's form, the API app
 * and that no other active profile holds the username (`CONFLICT` naming it), then stores it as an
 * `edit` mapping that sync never overwrites (a cleared mapping stays cleared too).
 */
export async function applyMappingEdit(
  manager: EntityManager,
  edit: MappingEdit,
  apiAppNames: readonly string[],
): Promise<Pick<ProfileRow, 'username' | 'apiApp' | 'mappingSource'>> {
  const rows: Array<{ twitter_username: string | null; api_app: string | null }> = await manager.query(
    `SELECT twitter_username, api_app FROM profiles WHERE profile_id = ?`,
    [edit.profileId],
  )
  if (!rows[0]) throw new DomainException('PROFILE_NOT_FOUND', `No GoLogin profile with id ${edit.profileId}; sync profiles first.`, { details: { profileId: edit.profileId } })

  let username = rows[0].twitter_username
  if (edit.username !== undefined) {
    username = normalizeUsername(edit.username)
    if (username !== null && !X_USERNAME.test(username)) {
      throw new ValidationException(`"${edit.username}" is not an X username (1–15 letters, digits or _).`, { field: 'username' })
    }
  }
  let apiApp = rows[0].api_app
  if (edit.apiApp !== undefined) {
    apiApp = edit.apiApp === null || edit.apiApp.trim() === '' ? null : canonicalApiApp(edit.apiApp, apiAppNames)
    if (apiApp === null && edit.apiApp !== null && edit.apiApp.trim() !== '') {
      throw new DomainException('INVALID_API_APP', `${unknownApiAppMessage(edit.apiApp, apiAppNames)}.`, { details: { field: 'apiApp', apiApp: edit.apiApp } })
    }
  }
  if (username !== null) {
    const owner = await usernameOwner(manager, username, edit.profileId)
    if (owner) {
      throw new DomainException('CONFLICT', `@${username} is already mapped to profile "${owner.profile_name}" (${owner.profile_id}). Clear it there first.`, {
        details: { field: 'username', username, profileId: owner.profile_id, profileName: owner.profile_name },
      })
    }
  }
  const source: MappingSource = 'edit'
  await manager.query(`UPDATE profiles SET twitter_username = ?, api_app = ?, mapping_source = ?, updated_at = ? WHERE profile_id = ?`, [
    username,
    apiApp,
    source,
    sqliteDateTime(new Date()),
    edit.profileId,
  ])
  return { username, apiApp, mappingSource: source }
}
