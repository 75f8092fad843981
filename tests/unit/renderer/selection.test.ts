import { describe, expect, it } from 'vitest'
import { clickSelection, leaveOutInactive, selectAllMatching, visibleSelected } from '../../../src/renderer/src/features/profiles/selection'

const ids = ['a', 'b', 'c', 'd', 'e']
const plain = { range: false, toggle: false }
const toggle = { range: false, toggle: true }
const range = { range: true, toggle: false }

describe('row selection', () => {
  it('a click selects that row alone and becomes the anchor', () => {
    expect(clickSelection(new Set(['a', 'c']), 'a', ids, 'd', plain)).toEqual({ selection: new Set(['d']), anchor: 'd' })
  })

  it('Ctrl/Cmd-click adds or removes one row and keeps the others', () => {
    const added = clickSelection(new Set(['a']), 'a', ids, 'c', toggle)
    expect(added).toEqual({ selection: new Set(['a', 'c']), anchor: 'c' })
    expect(clickSelection(added.selection, 'c', ids, 'a', toggle).selection).toEqual(new Set(['c']))
  })

  it('Shift-click selects the visible range from the anchor, in either direction', () => {
    expect(clickSelection(new Set(['b']), 'b', ids, 'd', range)).toEqual({ selection: new Set(['b', 'c', 'd']), anchor: 'b' })
    expect(clickSelection(new Set(['d']), 'd', ids, 'a', range).selection).toEqual(new Set(['a', 'b', 'c', 'd']))
  })

  it('Ctrl+Shift-click adds the range to the current selection', () => {
    expect(clickSelection(new Set(['a']), 'c', ids, 'e', { range: true, toggle: true }).selection).toEqual(new Set(['a', 'c', 'd', 'e']))
  })

  it('a range whose anchor is hidden by the filters starts at the clicked row', () => {
    expect(clickSelection(new Set(['z']), 'z', ids, 'c', range)).toEqual({ selection: new Set(['c']), anchor: 'c' })
  })

  it('"select all matching" selects exactly the visible rows; visibleSelected keeps grid order', () => {
    expect(selectAllMatching(['c', 'a'])).toEqual(new Set(['c', 'a']))
    expect(visibleSelected(new Set(['e', 'b', 'z']), ids)).toEqual(['b', 'e'])
  })

  it('Authorize leaves the inactive profiles out of "select all matching" and says how many', () => {
    const rows = new Map([
      ['a', { isActive: true }],
      ['b', { isActive: false }],
      ['c', { isActive: true }],
      ['d', { isActive: false }],
    ])
    expect(leaveOutInactive([...selectAllMatching(['a', 'b', 'c', 'd'])], rows)).toEqual({ ids: ['a', 'c'], inactive: 2 })
    // A profile the grid does not know (yet) is sent: the panel says why it skips it.
    expect(leaveOutInactive(['a', 'zz'], rows)).toEqual({ ids: ['a', 'zz'], inactive: 0 })
  })
})
