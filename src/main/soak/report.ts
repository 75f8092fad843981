/**
 * What a soak run records: bounded time series (a few thousand points whatever the run's length: when full, every
 * other point is dropped and the interval doubles) and the end-of-run facts the verdict judges.
 */

import type { SoakOptions } from './options'

/** One sample of the whole run. */
export interface RunSample {
  /** Seconds since the batch started. */
  t: number
  done: number
  /** Sessions not yet terminal (pending + in progress). */
  queue: number
  accountsPerMin: number
  chromium: number
  dbBytes: number | null
  hostsAlive: number
  browsersRunning: number
  /** The soak's own process (sandbox included): it must stay flat too, or a long run measures the runner. */
  runnerRssMb: number
}

/** One sample of one host process. */
export interface HostSample {
  t: number
  pid: number
  /** Accounts done (whole run) when sampled: RSS growth is judged against it. */
  done: number
  rssMb: number
  heapUsedMb: number | null
  fds: number
}

export interface HostFacts {
  label: string
  kind: 'panel' | 'worker'
  slots: number
  starts: number
  kills: number
  /** Open fds of the process alive at the end: first sample of that process (before its first work) and last. */
  fdsBaseline: number | null
  fdsEnd: number | null
  alive: boolean
}

export interface TokenFacts {
  /** Token sets the X sandbox issued (its own records). */
  issued: number
  revoked: number
  /** Distinct access tokens the hosts stored on sessions. */
  stored: number
  /** Issued, neither revoked, stored nor replaced by a refresh of its own: lost between X and the database. */
  dropped: number
  /** Accounts whose stored token set is not the newest X issued them. */
  notNewest: number
  /** Stored access tokens the sandbox never issued, or revoked. */
  storedDead: number
  /** A few dropped sets (account, app, when), never the token itself. */
  droppedExamples: string[]
  /** When the dropped sets were issued (the first 1,000). */
  droppedIssuedAt: string[]
}

/** An account that should have completed and did not. */
export interface NotCompletedFacts {
  profileId: string
  username: string | null
  fault: string | null
  status: string
  errorCode: string | null
  errorMessage: string | null
  requeues: number
}

export interface ErrorEventFacts {
  event: string
  count: number
  hosts: string[]
  example: string
  /** Allowed because a fault (or kill) that causes it was injected. */
  expected: boolean
}

export interface SoakFacts {
  options: Pick<SoakOptions, 'accounts' | 'hosts' | 'database' | 'faultRate' | 'killEveryMin' | 'slots' | 'seed' | 'sharedBrowser'>
  startedAt: string
  finishedAt: string
  durationSec: number
  /** The batch ended (every session terminal) before the run's timeout. */
  finishedInTime: boolean
  sessions: { total: number; byStatus: Record<string, number>; nonTerminal: number }
  /** Accounts with no fault, or one they must survive, that did not end completed. */
  healthyNotCompleted: number
  /** A few of them, with how they ended. */
  notCompletedExamples: NotCompletedFacts[]
  /** Warning-level log events per event (what the faults and kills make the hosts say). */
  warnings: Record<string, number>
  faults: Record<string, number>
  cdpDrops: number
  kills: number
  /** When each host was killed (the first 1,000 kills). */
  killLog: Array<{ host: string; at: string }>
  tokens: TokenFacts
  hosting: {
    peakByEntrance: Record<string, number>
    maxEntrancesPerProfile: number
    browsersPeak: number
    /** Profiles that ran on two hosts at once (the sandbox's first 20), with their injected fault. */
    overlaps: Array<{ profileId: string; entrances: string[]; fault: string | null }>
  }
  chromium: { baseline: number; end: number }
  hosts: HostFacts[]
  errors: ErrorEventFacts[]
  series: { run: RunSample[]; hosts: Record<string, HostSample[]> }
}

export type CheckStatus = 'pass' | 'fail' | 'skipped'

export interface Check {
  name: string
  status: CheckStatus
  detail: string
}

export interface Verdict {
  passed: boolean
  checks: Check[]
}

export interface SoakReport extends SoakFacts {
  verdict: Verdict
}

/** A series of at most `max` points: when full, every other point goes and only every second new one is kept. */
export class BoundedSeries<T> {
  readonly points: T[] = []
  private stride = 1
  private seen = 0

  constructor(private readonly max = 2_000) {}

  push(point: T): void {
    if (this.seen++ % this.stride !== 0) return
    this.points.push(point)
    if (this.points.length >= this.max) {
      const kept = this.points.filter((_, index) => index % 2 === 0)
      this.points.splice(0, this.points.length, ...kept)
      this.stride *= 2
    }
  }

  /** Keeps this point whatever the stride (the run's final sample). */
  append(point: T): void {
    this.points.push(point)
  }
}
