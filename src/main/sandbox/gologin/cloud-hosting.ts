/**
 * Which entrance (host) runs which cloud browser, as GoLogin's side sees it: a profile counts as run by an
 * entrance from its first successful `/connect` there until a `DELETE /browser/{id}/web` stops it — through any
 * entrance, as GoLogin stops the one cloud browser of a profile whoever asks (a live host stops a dead host's). Gives the figures the several-hosts tests check from the outside: the most profiles an entrance
 * ran at once, and the most entrances one profile ran on at once (must stay 1).
 */
export interface CloudHostingFigures {
  /** Profiles running now, per entrance. */
  runningByEntrance: Record<string, number>
  /** The most profiles each entrance ran at once. */
  peakByEntrance: Record<string, number>
  /** The most entrances one profile ran on at once (no profile on two hosts: 1). */
  maxEntrancesPerProfile: number
  /** Profiles ever started per entrance. */
  startsByEntrance: Record<string, number>
  /** The first profiles that ran on two entrances at once (at most 20), with those entrances. */
  overlaps: Array<{ profileId: string; entrances: string[] }>
}

const MAX_OVERLAPS = 20

export class CloudHosting {
  private readonly byProfile = new Map<string, Set<string>>()
  private readonly running = new Map<string, number>()
  private readonly peak = new Map<string, number>()
  private readonly starts = new Map<string, number>()
  private maxEntrances = 0
  private readonly overlaps: Array<{ profileId: string; entrances: string[] }> = []

  started(profileId: string, entrance: string): void {
    const on = this.byProfile.get(profileId) ?? new Set<string>()
    this.byProfile.set(profileId, on)
    if (on.has(entrance)) return
    on.add(entrance)
    this.maxEntrances = Math.max(this.maxEntrances, on.size)
    if (on.size > 1 && this.overlaps.length < MAX_OVERLAPS) this.overlaps.push({ profileId, entrances: [...on] })
    const now = (this.running.get(entrance) ?? 0) + 1
    this.running.set(entrance, now)
    this.peak.set(entrance, Math.max(this.peak.get(entrance) ?? 0, now))
    this.starts.set(entrance, (this.starts.get(entrance) ?? 0) + 1)
  }

  stopped(profileId: string): void {
    const on = this.byProfile.get(profileId)
    if (!on) return
    for (const entrance of on) this.running.set(entrance, (this.running.get(entrance) ?? 1) - 1)
    on.clear()
  }

  figures(): CloudHostingFigures {
    return {
      runningByEntrance: Object.fromEntries(this.running),
      peakByEntrance: Object.fromEntries(this.peak),
      maxEntrancesPerProfile: this.maxEntrances,
      startsByEntrance: Object.fromEntries(this.starts),
      overlaps: this.overlaps.map((o) => ({ ...o, entrances: [...o.entrances] })),
    }
  }
}
