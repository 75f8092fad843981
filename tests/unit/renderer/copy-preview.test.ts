import { describe, expect, it } from 'vitest'
import type { SqliteCopyPreview } from '../../../src/shared/contract/hosts'
import { copiedSentence, copyAddsAnything, copyConflicts, copyFigures } from '../../../src/renderer/src/features/settings/copy-preview'

const preview = (patch: Partial<SqliteCopyPreview> = {}): SqliteCopyPreview => ({
  file: '/data/panel.db',
  reencrypt: true,
  sourceKeyId: 'aaaabbbbcccc',
  profiles: { add: 1200, mappingsFilled: 3, mappingsKept: 1 },
  apiApps: { add: 1, kept: 1 },
  sessions: { add: 840, already: 0, unfinished: 2 },
  tokens: { add: 610, newerHere: 4, newerShared: 1 },
  settings: { add: 2, kept: 5 },
  unreadable: 0,
  ...patch,
})

const empty = preview({
  profiles: { add: 0, mappingsFilled: 0, mappingsKept: 0 },
  apiApps: { add: 0, kept: 2 },
  sessions: { add: 0, already: 840, unfinished: 2 },
  tokens: { add: 0, newerHere: 0, newerShared: 0 },
  settings: { add: 0, kept: 7 },
})

describe('copy preview words', () => {
  it('one line per kind, with what is kept and what stays behind', () => {
    expect(copyFigures(preview())).toEqual([
      { kind: 'Profiles', text: '1,200 to add · 3 mappings filled in · 1 mapping kept as shared' },
      { kind: 'API apps', text: '1 to add · 1 kept as shared (same name)' },
      { kind: 'Token sets', text: '610 to copy' },
      { kind: 'Sessions (history)', text: '840 finished to add · 2 unfinished stay behind' },
      { kind: 'Settings', text: '2 to add · 5 kept as shared (same name)' },
      { kind: 'Secrets', text: "re-encrypted under the shared data key (the file's key is aaaabbbbcccc)" },
    ])
    expect(copyFigures(preview({ reencrypt: false })).at(-1)).toEqual({ kind: 'Secrets', text: 'copied as they are (the same data key)' })
  })

  it('names rows whose secrets do not open', () => {
    expect(copyFigures(preview({ unreadable: 1 })).at(-1)).toEqual({ kind: 'Left behind', text: "1 row whose secrets do not open with the file's key" })
  })

  it('conflicts say which side wins', () => {
    expect(copyConflicts(preview())).toEqual([
      "4 accounts have newer tokens in this file: this file's token set wins, the shared one is marked replaced.",
      "1 account has newer tokens in the shared database: the shared set wins, this file's is copied as replaced.",
      '1 profile is mapped to another account in the shared database: the shared mapping is kept.',
      '1 API app of the same name is there already: the shared one is kept.',
      '5 settings are set there already: the shared value is kept.',
    ])
    expect(copyConflicts(preview({ apiApps: { add: 0, kept: 0 }, settings: { add: 0, kept: 0 }, profiles: { add: 1, mappingsFilled: 0, mappingsKept: 0 }, tokens: { add: 1, newerHere: 0, newerShared: 0 } }))).toEqual([])
  })

  it('the result line, and a second copy that adds nothing', () => {
    expect(copiedSentence(preview())).toBe(
      'Copied: 1,200 profiles, 3 mappings filled in, 1 API app, 840 sessions with 610 token sets, 2 settings. Secrets were re-encrypted under the shared data key.',
    )
    expect(copyAddsAnything(empty)).toBe(false)
    expect(copiedSentence(empty)).toBe('Nothing was copied: the shared database already holds everything in this file.')
  })
})
