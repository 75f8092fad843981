import { useMemo, useSyncExternalStore } from 'react'
import { formatHash, parseHash, type PageId, type Route } from './route'

const listeners = new Set<() => void>()

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  window.addEventListener('hashchange', listener)
  return () => {
    listeners.delete(listener)
    window.removeEventListener('hashchange', listener)
  }
}

const currentHash = () => window.location.hash

/** The current page and its parameters, from `location.hash` (no router library needed for four pages). */
export function useHashRoute(): Route {
  const hash = useSyncExternalStore(subscribe, currentHash)
  return useMemo(() => parseHash(hash), [hash])
}

/**
 * Goes to a page. `replace` rewrites the current history entry (filters typed in a box), so Back
 * returns to the previous page rather than to every keystroke.
 */
export function navigate(page: PageId, params?: Record<string, string | null | undefined>, options: { replace?: boolean } = {}): void {
  const hash = formatHash({ page, params })
  if (hash === window.location.hash) return
  if (options.replace) {
    window.history.replaceState(window.history.state, '', hash)
    // replaceState does not fire `hashchange`.
    for (const listener of listeners) listener()
  } else {
    window.location.hash = hash
  }
}
