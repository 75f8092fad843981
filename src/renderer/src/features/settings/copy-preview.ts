/**
 * Words for copying this machine's SQLite file into the shared database (`hosts:copyPreview` / `hosts:copyFromSqlite`):
 * the preview's figures per kind, its conflicts with what wins, and the result line. Pure, so the card stays markup.
 */
import type { SqliteCopyPreview } from '../../../../shared/contract/hosts'
import { formatCount, plural } from '../../lib/format'

export interface CopyFigure {
  kind: string
  text: string
}

/** One line per kind of data: what is added, and what is there already or stays behind. */
export function copyFigures(p: SqliteCopyPreview): CopyFigure[] {
  const profileParts = [`${formatCount(p.profiles.add)} to add`]
  if (p.profiles.mappingsFilled) profileParts.push(`${plural(p.profiles.mappingsFilled, 'mapping')} filled in`)
  if (p.profiles.mappingsKept) profileParts.push(`${plural(p.profiles.mappingsKept, 'mapping')} kept as shared`)
  const sessionParts = [`${formatCount(p.sessions.add)} finished to add`]
  if (p.sessions.already) sessionParts.push(`${formatCount(p.sessions.already)} already there`)
  if (p.sessions.unfinished) sessionParts.push(`${formatCount(p.sessions.unfinished)} unfinished stay behind`)
  const figures: CopyFigure[] = [
    { kind: 'Profiles', text: profileParts.join(' · ') },
    { kind: 'API apps', text: withKept(p.apiApps.add, p.apiApps.kept) },
    { kind: 'Token sets', text: `${formatCount(p.tokens.add)} to copy` },
    { kind: 'Sessions (history)', text: sessionParts.join(' · ') },
    { kind: 'Settings', text: withKept(p.settings.add, p.settings.kept) },
    { kind: 'Secrets', text: p.reencrypt ? `re-encrypted under the shared data key (the file's key is ${p.sourceKeyId})` : 'copied as they are (the same data key)' },
  ]
  if (p.unreadable) figures.push({ kind: 'Left behind', text: `${plural(p.unreadable, 'row')} whose secrets do not open with the file's key` })
  return figures
}

function withKept(add: number, kept: number): string {
  return kept ? `${formatCount(add)} to add · ${formatCount(kept)} kept as shared (same name)` : `${formatCount(add)} to add`
}

/** Where both sides hold the same thing, and which one wins. Empty: no conflicts. */
export function copyConflicts(p: SqliteCopyPreview): string[] {
  const lines: string[] = []
  if (p.tokens.newerHere) lines.push(`${plural(p.tokens.newerHere, 'account')} ${has(p.tokens.newerHere)} newer tokens in this file: this file's token set wins, the shared one is marked replaced.`)
  if (p.tokens.newerShared) lines.push(`${plural(p.tokens.newerShared, 'account')} ${has(p.tokens.newerShared)} newer tokens in the shared database: the shared set wins, this file's is copied as replaced.`)
  if (p.profiles.mappingsKept) lines.push(`${plural(p.profiles.mappingsKept, 'profile')} ${is(p.profiles.mappingsKept)} mapped to another account in the shared database: the shared mapping is kept.`)
  if (p.apiApps.kept) lines.push(`${plural(p.apiApps.kept, 'API app')} of the same name ${is(p.apiApps.kept)} there already: the shared one is kept.`)
  if (p.settings.kept) lines.push(`${plural(p.settings.kept, 'setting')} ${is(p.settings.kept)} set there already: the shared value is kept.`)
  return lines
}

const has = (n: number) => (n === 1 ? 'has' : 'have')
const is = (n: number) => (n === 1 ? 'is' : 'are')

/** Whether copying would add anything at all (a second copy adds nothing). */
export function copyAddsAnything(p: SqliteCopyPreview): boolean {
  return p.profiles.add + p.profiles.mappingsFilled + p.apiApps.add + p.sessions.add + p.settings.add > 0
}

/** The result line after a copy: `Copied: 3 profiles, 2 mappings filled in, …`. */
export function copiedSentence(p: SqliteCopyPreview): string {
  if (!copyAddsAnything(p)) return 'Nothing was copied: the shared database already holds everything in this file.'
  const parts = [plural(p.profiles.add, 'profile')]
  if (p.profiles.mappingsFilled) parts.push(`${plural(p.profiles.mappingsFilled, 'mapping')} filled in`)
  parts.push(plural(p.apiApps.add, 'API app'), `${plural(p.sessions.add, 'session')} with ${plural(p.tokens.add, 'token set')}`, plural(p.settings.add, 'setting'))
  const tail = p.reencrypt ? ' Secrets were re-encrypted under the shared data key.' : ''
  return `Copied: ${parts.join(', ')}.${tail}`
}
