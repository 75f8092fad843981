/**
 * The faults a soak injects, one per account drawn with probability `faultRate`, from the sandbox's behaviours
 * (sandbox-behaviours.ts) plus CDP drops the soak triggers itself while the account's browser runs. Each fault says
 * how the account must end and which error-level log events it may cause: an error line of any other event, or of
 * an event whose fault was never injected, fails the verdict.
 */
import type { SandboxMode } from '../sandbox'

export const SOAK_FAULTS = [
  'stop_failure',
  'slow_approval',
  'token_500_once',
  'token_reset_once',
  'users_me_503_once',
  'cdp_drop',
  'start_failure',
  'proxy_failure',
] as const
export type SoakFault = (typeof SOAK_FAULTS)[number]

/**
 * Faults after which the account cannot authorize (its session ends failed); every other one must complete. A CDP
 * drop fails the attempt by design (BROWSER_CONNECTION_FAILED, tests/integration/faults/profiles.test.ts).
 */
export const FAILING_FAULTS: readonly SoakFault[] = ['start_failure', 'proxy_failure', 'cdp_drop']

/** A failing stop refuses this many stops, then works (the panel's background retries must free the slot). */
const STOP_FAILURES = 2

/**
 * Error-level log events (`scope:event`) each fault may cause. Written from what the hosts log for each fault
 * (see the README's soak section); a kill of a host may cause the `kill` ones on the hosts that take its work over.
 */
export const EXPECTED_ERROR_EVENTS: Record<SoakFault | 'kill', readonly string[]> = {
  // A refused stop is an error the operator must see (its slot stays taken until a retried stop succeeds).
  stop_failure: ['gologin.slots:gologin.profile.stop_failed'],
  slow_approval: [],
  token_500_once: [],
  token_reset_once: [],
  users_me_503_once: [],
  cdp_drop: [],
  start_failure: [],
  proxy_failure: [],
  kill: [],
}

/** A small seeded generator (mulberry32): a run's draws can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Draws each account's fault (null: none). */
export function drawFaults(profileIds: readonly string[], rate: number, random: () => number): Map<string, SoakFault> {
  const faults = new Map<string, SoakFault>()
  for (const id of profileIds) {
    if (random() < rate) faults.set(id, SOAK_FAULTS[Math.floor(random() * SOAK_FAULTS.length)])
  }
  return faults
}

/** Sets the sandbox so each account misbehaves as drawn (CDP drops are triggered later, by `CdpDropper`). */
export function applyFaults(sandbox: SandboxMode, faults: ReadonlyMap<string, SoakFault>): void {
  for (const [profileId, fault] of faults) {
    if (fault === 'cdp_drop') continue
    if (fault === 'stop_failure') sandbox.gologin.setBehaviour(profileId, { stopFailures: STOP_FAILURES })
    else sandbox.setBehaviour({ profileId }, fault)
  }
}

/** Cuts the CDP connections of each `cdp_drop` account once, as soon as its cloud browser runs. */
export class CdpDropper {
  private readonly waiting: Set<string>
  dropped = 0

  constructor(
    private readonly sandbox: SandboxMode,
    faults: ReadonlyMap<string, SoakFault>,
  ) {
    this.waiting = new Set([...faults].filter(([, fault]) => fault === 'cdp_drop').map(([id]) => id))
  }

  tick(): void {
    if (!this.waiting.size) return
    for (const browser of this.sandbox.gologin.browsers()) {
      if (!this.waiting.has(browser.profileId)) continue
      if (this.sandbox.gologin.dropCloudConnections(browser.profileId) > 0) {
        this.waiting.delete(browser.profileId)
        this.dropped++
      }
    }
  }
}

/** Counts per fault kind (for the report). */
export function faultCounts(faults: ReadonlyMap<string, SoakFault>): Partial<Record<SoakFault, number>> {
  const counts: Partial<Record<SoakFault, number>> = {}
  for (const fault of faults.values()) counts[fault] = (counts[fault] ?? 0) + 1
  return counts
}
