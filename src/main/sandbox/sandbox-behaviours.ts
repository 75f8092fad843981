/**
 * What a sandbox account does, set on whichever sandbox produces it: X behaviours on the X sandbox,
 * and the GoLogin ones (another account logged in, no X session, the profile does not start) on the
 * GoLogin sandbox's profile.
 */
import type { GoLoginSandbox } from './gologin'
import type { XSandbox } from './x'
import type { AccountBehaviour } from './x/state'

export const SANDBOX_BEHAVIOURS = [
  'ok', 'logged_out', 'locked', 'suspended', 'denies', 'slow', 'error', 'no_button', 'bad_state',
  'wrong_account', 'no_session', 'start_failure',
] as const
export type SandboxBehaviour = (typeof SANDBOX_BEHAVIOURS)[number]

/** The failure kinds a demo shows, one every DEMO_EVERY profiles. */
const DEMO_FAILURES = SANDBOX_BEHAVIOURS.filter((b) => b !== 'ok')
const DEMO_EVERY = 5

export type BehaviourPlan = 'demo' | 'none' | Record<string, SandboxBehaviour>

/** The account a sandbox behaviour is applied to. */
export interface BehaviourTarget {
  profileId: string
  username: string
}

export function initialBehaviour(choice: BehaviourPlan, username: string, index: number): SandboxBehaviour {
  if (choice === 'none') return 'ok'
  if (choice === 'demo') return index % DEMO_EVERY === DEMO_EVERY - 1 ? DEMO_FAILURES[Math.floor(index / DEMO_EVERY) % DEMO_FAILURES.length] : 'ok'
  return choice[username] ?? 'ok'
}

/** Sets both sandboxes so the account behaves as asked (and clears what an earlier behaviour set). */
export function applyBehaviour(gologin: GoLoginSandbox, x: XSandbox, account: BehaviourTarget, behaviour: SandboxBehaviour): void {
  const xBehaviour: AccountBehaviour = behaviour === 'wrong_account' || behaviour === 'no_session' || behaviour === 'start_failure' ? 'ok' : behaviour
  x.setBehaviour(account.username, xBehaviour)
  gologin.setBehaviour(account.profileId, {
    // Another account is logged in in the profile: the X sandbox issues tokens for it.
    xUsername: behaviour === 'wrong_account' ? `${account.username.slice(0, 11)}_alt` : behaviour === 'no_session' ? null : undefined,
    startFailures: behaviour === 'start_failure' ? Number.POSITIVE_INFINITY : 0,
    startFailureMode: 'after-launch',
  })
}
