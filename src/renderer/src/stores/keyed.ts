/**
 * Applies partial updates keyed by `id` (the main side's `keyed` event mode) to a normalised map.
 * Returns a new Map when anything is applied, so selectors see a new reference; unchanged input → same Map.
 */
export function mergeById<K, T extends { id: K }>(current: ReadonlyMap<K, T>, patches: readonly (Partial<T> & { id: K })[]): Map<K, T> {
  if (patches.length === 0) return current as Map<K, T>
  const next = new Map(current)
  for (const patch of patches) {
    const previous = next.get(patch.id)
    next.set(patch.id, (previous ? { ...previous, ...patch } : { ...patch }) as T)
  }
  return next
}
