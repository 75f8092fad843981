/**
 * A small write-ahead journal of the GoLogin profiles the panel has started and not yet stopped
 * (`started-profiles.json` in the data folder). It follows the profile slots: a profile is written down
 * when its start begins and crossed out once it is stopped. After a crash the next start-up reads it and
 * asks the launcher to stop those profiles, so no browser is left running unattended.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from '../../logging/logger'
import { writePrivateFileSync } from '../../security/private-files'
import type { SlotPhase } from '../gologin/profile-slots'

export const JOURNAL_FILE_NAME = 'started-profiles.json'

/** What the journal follows (`ProfileSlots` fits). */
export interface SlotActivity {
  list(): Array<{ profileId: string; phase: SlotPhase }>
  subscribe(listener: () => void): () => void
}

interface JournalFile {
  version: 1
  profileIds: string[]
  updatedAt: string
}

export class StartedProfilesJournal {
  readonly file: string
  private written: string | null = null
  /** Profiles that could not be stopped at start-up: kept until a later start-up stops them. */
  private leftovers = new Set<string>()
  private following: SlotActivity | null = null

  constructor(private readonly options: { dataDir: string; log: Logger; fileName?: string }) {
    this.file = path.join(options.dataDir, options.fileName ?? JOURNAL_FILE_NAME)
  }

  /** The profile ids written down (an absent or unreadable journal counts as empty, with a warning). */
  read(): string[] {
    let text: string
    try {
      text = fs.readFileSync(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.options.log.warn('journal.unreadable', { file: this.file, err: error })
      return []
    }
    try {
      const parsed = JSON.parse(text) as Partial<JournalFile>
      return Array.isArray(parsed.profileIds) ? parsed.profileIds.filter((id): id is string => typeof id === 'string' && id.length > 0) : []
    } catch (error) {
      this.options.log.warn('journal.damaged', { file: this.file, err: error }, 'The journal of started profiles is damaged; it is ignored')
      return []
    }
  }

  /** Keeps these ids in the journal (alongside whatever runs) until `forget` or a later start-up. */
  keep(profileIds: Iterable<string>): void {
    this.leftovers = new Set(profileIds)
    this.sync()
  }

  /** Writes the journal whenever the slots change; returns the function that stops following. */
  follow(slots: SlotActivity): () => void {
    this.following = slots
    this.sync()
    const unsubscribe = slots.subscribe(() => this.sync())
    return () => {
      unsubscribe()
      this.following = null
    }
  }

  /** Current ids: every profile whose start has begun and whose stop is not confirmed, plus leftovers. */
  current(): string[] {
    const ids = new Set(this.leftovers)
    for (const entry of this.following?.list() ?? []) if (entry.phase !== 'waiting') ids.add(entry.profileId)
    return [...ids].sort()
  }

  /**
   * Synchronous on purpose: the slots announce a start before they call the launcher, so the id is on
   * disk before the browser exists. Never throws (the slots must not fail because of the journal).
   */
  private sync(): void {
    const ids = this.current()
    const key = ids.join('\n')
    if (key === this.written) return
    try {
      if (ids.length === 0) {
        fs.rmSync(this.file, { force: true })
      } else {
        const body: JournalFile = { version: 1, profileIds: ids, updatedAt: new Date().toISOString() }
        const temp = `${this.file}.tmp`
        writePrivateFileSync(temp, JSON.stringify(body))
        fs.renameSync(temp, this.file)
      }
      this.written = key
    } catch (error) {
      this.options.log.warn('journal.write_failed', { file: this.file, err: error }, 'Could not record which profiles are running')
    }
  }
}
