/**
 * Row selection by click, Shift-range and Ctrl/Cmd-toggle, over ids (the selection survives
 * filtering: a row hidden by a filter stays selected).
 */
export interface ClickModifiers {
  /** Shift: select the range from the anchor to this row. */
  range: boolean
  /** Ctrl/Cmd (or the row's checkbox): add or remove this row, keep the rest. */
  toggle: boolean
}

export interface SelectionResult {
  selection: ReadonlySet<string>
  anchor: string | null
}

export function clickSelection(
  current: ReadonlySet<string>,
  anchor: string | null,
  visibleIds: readonly string[],
  id: string,
  modifiers: ClickModifiers,
): SelectionResult {
  if (modifiers.range) {
    const to = visibleIds.indexOf(id)
    const from = anchor === null ? -1 : visibleIds.indexOf(anchor)
    if (to === -1) return { selection: current, anchor }
    if (from === -1) return { selection: new Set([id]), anchor: id }
    const [start, end] = from <= to ? [from, to] : [to, from]
    const next = modifiers.toggle ? new Set(current) : new Set<string>()
    for (let i = start; i <= end; i++) next.add(visibleIds[i])
    return { selection: next, anchor }
  }
  if (modifiers.toggle) {
    const next = new Set(current)
    if (!next.delete(id)) next.add(id)
    return { selection: next, anchor: id }
  }
  if (current.size === 1 && current.has(id)) return { selection: current, anchor: id }
  return { selection: new Set([id]), anchor: id }
}

/** "Select all N matching": exactly the rows the filters show. */
export function selectAllMatching(visibleIds: readonly string[]): ReadonlySet<string> {
  return new Set(visibleIds)
}

/** The selected ids that are visible, in grid order (actions offered "only the visible ones"). */
export function visibleSelected(selection: ReadonlySet<string>, visibleIds: readonly string[]): string[] {
  return visibleIds.filter((id) => selection.has(id))
}

/**
 * The ids to authorize, without the profiles gone from GoLogin (inactive): they could only be skipped and
 * counted as failures, so they are never sent. Unknown ids stay (the panel says why it skips them).
 */
export function leaveOutInactive(ids: readonly string[], rows: ReadonlyMap<string, { isActive: boolean }>): { ids: string[]; inactive: number } {
  const kept: string[] = []
  for (const id of ids) if (rows.get(id)?.isActive !== false) kept.push(id)
  return { ids: kept, inactive: ids.length - kept.length }
}
