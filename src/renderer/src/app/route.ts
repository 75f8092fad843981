/** The pages of the panel, in navigation order. */
export const PAGES = ['profiles', 'sessions', 'hosts', 'logs', 'settings'] as const
export type PageId = (typeof PAGES)[number]

export const DEFAULT_PAGE: PageId = 'profiles'

export interface Route {
  page: PageId
  /** Query parameters of the hash, e.g. `#/logs?session=abc` → `{ session: 'abc' }`. */
  params: Record<string, string>
}

/** `#/logs?session=abc` → `{ page: 'logs', params: { session: 'abc' } }`; anything unknown → the default page. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '')
  const queryAt = raw.indexOf('?')
  const path = (queryAt === -1 ? raw : raw.slice(0, queryAt)).replace(/\/+$/, '').toLowerCase()
  const params = Object.fromEntries(new URLSearchParams(queryAt === -1 ? '' : raw.slice(queryAt + 1)))
  const page = (PAGES as readonly string[]).includes(path) ? (path as PageId) : DEFAULT_PAGE
  return { page, params }
}

/** The inverse of `parseHash`; empty parameters are left out. */
export function formatHash(route: { page: PageId; params?: Record<string, string | null | undefined> }): string {
  const query = new URLSearchParams()
  for (const [key, value] of Object.entries(route.params ?? {})) if (value) query.set(key, value)
  const text = query.toString()
  return `#/${route.page}${text ? `?${text}` : ''}`
}
