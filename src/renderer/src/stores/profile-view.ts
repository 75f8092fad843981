/**
 * The grid's view of the profiles, as pure functions over the normalised rows: sort once per sort
 * change (precomputed keys, plain comparisons), then filter the sorted ids per keystroke
 * (precomputed lower-case search text). Both stay well under a frame budget at 40,000 rows.
 */
import { appTokenState, isUsableToken, matchesAppToken } from '../../../shared/app-tokens'
import type { ProfileRow } from '../../../shared/contract/profiles'
import type { SessionStatus } from '../../../shared/contract/sessions'
import { NONE, parseAppTokenFilter, type ProfileFacets, type ProfileFilter, type ProfileSort } from './profile-view-slice'

type Rows = ReadonlyMap<string, ProfileRow>

/** "Token expiring" means within this long (or already expired). */
export const TOKEN_EXPIRING_MS = 60 * 60 * 1000

const searchTextCache = new WeakMap<ProfileRow, string>()

/** Lower-cased name, username and notes; computed once per row object (a patched row is a new object). */
export function profileSearchText(row: ProfileRow): string {
  let text = searchTextCache.get(row)
  if (text === undefined) {
    text = `${row.name}\n${row.username ?? ''}\n@${row.username ?? ''}\n${row.notes}`.toLowerCase()
    searchTextCache.set(row, text)
  }
  return text
}

export function searchTerms(search: string): string[] {
  return search.toLowerCase().split(/\s+/).filter(Boolean)
}

/** Which row fields each sortable column reads (a change to one of them invalidates the order). */
export const SORT_FIELDS: Record<string, readonly (keyof ProfileRow)[]> = {
  name: ['name'],
  username: ['username'],
  apiApp: ['apiApp'],
  status: ['lastStatus'],
  lastAttemptAt: ['lastAttemptAt'],
  tokenExpiresAt: ['tokenExpiresAt'],
  tokens: ['tokens'],
  folder: ['folder'],
  tags: ['tags'],
  proxyCountry: ['proxyCountry'],
  isActive: ['isActive'],
  lastSynced: ['lastSynced'],
}

/** The row fields the active filters read (a change elsewhere cannot change which rows pass). */
export function filterFieldsFor(filter: ProfileFilter): (keyof ProfileRow)[] {
  const fields: (keyof ProfileRow)[] = []
  if (filter.search.trim()) fields.push('name', 'username', 'notes')
  if (filter.status) fields.push('lastStatus')
  if (filter.apiApp) fields.push('apiApp')
  if (filter.folder) fields.push('folder')
  if (filter.tag) fields.push('tags')
  if (filter.neverAuthorized) fields.push('lastAuthorizedAt')
  if (filter.tokenExpiring) fields.push('tokenExpiresAt', 'tokenStatus')
  if (filter.active) fields.push('isActive')
  if (filter.appToken) fields.push('tokens')
  if (filter.manualFix) fields.push('manualFixSince')
  return fields
}

const STATUS_RANK: Record<SessionStatus, number> = { failed: 0, timeout: 1, cancelled: 2, in_progress: 3, pending: 4, completed: 5 }

/** Digit runs padded so that "Profile 9" sorts before "Profile 10" with a plain comparison. */
function natural(text: string): string {
  return text.toLowerCase().replace(/\d+/g, (digits) => digits.padStart(12, '0'))
}

type SortKey = string | number | null

function sortKey(row: ProfileRow, column: string, now: number): SortKey {
  switch (column) {
    case 'name':
      return natural(row.name)
    case 'username':
      return row.username ? row.username.toLowerCase() : null
    case 'apiApp':
      return row.apiApp ? natural(row.apiApp) : null
    case 'status':
      return row.lastStatus ? STATUS_RANK[row.lastStatus] : null
    case 'lastAttemptAt':
      return row.lastAttemptAt
    case 'tokenExpiresAt':
      return row.tokenExpiresAt
    case 'tokens':
      return firstExpiry(row, now)
    case 'folder':
      return row.folder ? natural(row.folder) : null
    case 'tags':
      return row.tags.length ? natural(row.tags.join(',')) : null
    case 'proxyCountry':
      return row.proxyCountry ? row.proxyCountry.toLowerCase() : null
    case 'isActive':
      return row.isActive ? 0 : 1
    case 'lastSynced':
      return row.lastSynced
    default:
      return null
  }
}

/** Sorting the Tokens column: the soonest expiry of a usable token first, then tokens that never expire, then none. */
function firstExpiry(row: ProfileRow, now: number): string | null {
  let first: string | null = null
  for (const token of Object.values(row.tokens)) {
    const state = appTokenState(token, now)
    if (!isUsableToken(state) && state !== 'unverified') continue
    const key = token.expiresAt ?? '~'
    if (first === null || key < first) first = key
  }
  return first
}

/** Ids ordered by `sort`; empty values last in either direction, ties by name then id. */
export function sortProfileIds(rows: Rows, ids: readonly string[], sort: ProfileSort, now = Date.now()): string[] {
  const keyed: { id: string; key: SortKey; name: string }[] = new Array(ids.length)
  let n = 0
  for (const id of ids) {
    const row = rows.get(id)
    if (row) keyed[n++] = { id, key: sortKey(row, sort.column, now), name: sort.column === 'name' ? '' : natural(row.name) }
  }
  keyed.length = n
  const direction = sort.desc ? -1 : 1
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === null) return 1
      if (b.key === null) return -1
      return (a.key < b.key ? -1 : 1) * direction
    }
    if (a.name !== b.name) return a.name < b.name ? -1 : 1
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
  return keyed.map((entry) => entry.id)
}

export function isFilterActive(filter: ProfileFilter): boolean {
  return Boolean(
    filter.search.trim() ||
      filter.status ||
      filter.apiApp ||
      filter.folder ||
      filter.tag ||
      filter.neverAuthorized ||
      filter.tokenExpiring ||
      filter.active ||
      filter.appToken ||
      filter.manualFix,
  )
}

/** The ids (in `sortedIds` order) of the rows that pass every filter. */
export function filterProfileIds(rows: Rows, sortedIds: readonly string[], filter: ProfileFilter, now = Date.now()): readonly string[] {
  if (!isFilterActive(filter)) return sortedIds
  const terms = searchTerms(filter.search)
  const context: MatchContext = { terms, now, expiringBefore: now + TOKEN_EXPIRING_MS, appToken: parseAppTokenFilter(filter.appToken) }
  const visible: string[] = []
  for (const id of sortedIds) {
    const row = rows.get(id)
    if (row && matches(row, filter, context)) visible.push(id)
  }
  return visible
}

interface MatchContext {
  terms: readonly string[]
  now: number
  expiringBefore: number
  appToken: ReturnType<typeof parseAppTokenFilter>
}

function matches(row: ProfileRow, filter: ProfileFilter, { terms, now, expiringBefore, appToken }: MatchContext): boolean {
  if (filter.status) {
    if (filter.status === 'none' ? row.lastStatus !== null : row.lastStatus !== filter.status) return false
  }
  if (filter.apiApp && !equalsOrNone(row.apiApp, filter.apiApp)) return false
  if (filter.folder && !equalsOrNone(row.folder, filter.folder)) return false
  if (filter.tag && (filter.tag === NONE ? row.tags.length > 0 : !row.tags.includes(filter.tag))) return false
  if (filter.neverAuthorized && row.lastAuthorizedAt !== null) return false
  if (filter.tokenExpiring && !isTokenExpiring(row, expiringBefore)) return false
  if (filter.active && row.isActive !== (filter.active === 'active')) return false
  if (appToken && !matchesAppToken(row.tokens, appToken.app, appToken.want, now)) return false
  if (filter.manualFix && !row.manualFixSince) return false
  if (terms.length) {
    const text = profileSearchText(row)
    for (const term of terms) if (!text.includes(term)) return false
  }
  return true
}

function equalsOrNone(value: string | null, wanted: string): boolean {
  return wanted === NONE ? value === null || value === '' : value === wanted
}

/** A usable token that expires before `expiringBefore` (epoch ms), or one already marked expired. */
export function isTokenExpiring(row: ProfileRow, expiringBefore: number): boolean {
  if (row.tokenStatus === 'expired') return true
  if (row.tokenStatus === 'revoked' || row.tokenStatus === 'replaced') return false
  return row.tokenExpiresAt !== null && Date.parse(row.tokenExpiresAt) <= expiringBefore
}

/** The values the filter menus offer, naturally sorted. */
export function profileFacets(rows: Rows): ProfileFacets {
  const apiApps = new Set<string>()
  const folders = new Set<string>()
  const tags = new Set<string>()
  const tokenApps = new Set<string>()
  for (const row of rows.values()) {
    if (row.apiApp) apiApps.add(row.apiApp)
    if (row.folder) folders.add(row.folder)
    for (const tag of row.tags) tags.add(tag)
    for (const app in row.tokens) tokenApps.add(app)
  }
  return { apiApps: naturalSort(apiApps), folders: naturalSort(folders), tags: naturalSort(tags), tokenApps: naturalSort(tokenApps) }
}

export function naturalSort(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (natural(a) < natural(b) ? -1 : natural(a) > natural(b) ? 1 : 0))
}

/** Same ids in the same order (lets the grid keep its row model when a refilter changes nothing). */
export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** How many of the selected ids are in `visibleIds`. */
export function countVisibleSelected(selection: ReadonlySet<string>, visibleIds: readonly string[]): number {
  if (selection.size === 0) return 0
  let count = 0
  for (const id of visibleIds) if (selection.has(id)) count++
  return count
}

/** The fields the filter menus list values of. */
export const FACET_FIELDS: readonly (keyof ProfileRow)[] = ['apiApp', 'folder', 'tags', 'tokens']
