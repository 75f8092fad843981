/**
 * What a sandbox account does, set on whichever sandbox produces it: X behaviours on the X sandbox,
 * and the GoLogin ones (another account logged in, no X session, the profile does not start, its proxy
 * is down) on the GoLogin sandbox's profile. Besides the failures there are healthy accounts on a slow
 * or flaky link (slow consent metadata, a slow approval, a slow or failing token endpoint, a flaky
 * /users/me) and in other interface languages: each of those must still complete.
 */
import type { GoLoginSandbox } from './gologin'
import type { XSandbox } from './x'
import type { AccountBehaviour, AccountFaults } from './x/state'

export const SANDBOX_BEHAVIOURS = [
  'ok', 'logged_out', 'locked', 'suspended', 'denies', 'slow', 'error', 'no_button', 'bad_state',
  'wrong_account', 'no_session', 'start_failure', 'proxy_failure',
  'slow_approval', 'approval_xhr_slow', 'slow_token', 'token_500_once', 'token_reset_once', 'users_me_503_once', 'slow_users_me',
  'locale_es', 'locale_ja', 'locale_ar', 'stop_failure',
] as const
export type SandboxBehaviour = (typeof SANDBOX_BEHAVIOURS)[number]

/** Healthy accounts on a slow or flaky link, or in another language: they must complete like `ok`. */
export const HEALTHY_BEHAVIOURS: readonly SandboxBehaviour[] = [
  'ok', 'slow', 'slow_approval', 'approval_xhr_slow', 'slow_token', 'token_500_once', 'token_reset_once', 'users_me_503_once', 'slow_users_me',
  'locale_es', 'locale_ja', 'locale_ar',
]

/** Failures a demo never shows: a stop that never works leaves a browser running until the operator gives up on it. */
export const NON_DEMO_FAILURES: readonly SandboxBehaviour[] = ['stop_failure']

/** The failure kinds a demo shows, one every DEMO_EVERY profiles. */
export const DEMO_FAILURES = SANDBOX_BEHAVIOURS.filter((b) => !HEALTHY_BEHAVIOURS.includes(b) && !NON_DEMO_FAILURES.includes(b))
const DEMO_EVERY = 5

export type BehaviourPlan = 'demo' | 'none' | Record<string, SandboxBehaviour>

/** How slow the slow link is (DESIGN.md §4: real pages are slow through residential proxies). */
export interface SlowLink {
  /** The approval's answer reaches the browser this long after X approved (default 8 s). */
  approvalMs: number
  /** The token endpoint looks at a code exchange only after this long (default 12 s). */
  tokenMs: number
  /** `/users/me` answers this long after it is asked (default 10 s): the tokens are issued, not yet stored. */
  usersMeMs?: number
}

export const DEFAULT_SLOW_LINK: SlowLink = { approvalMs: 8_000, tokenMs: 12_000, usersMeMs: 10_000 }

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

/** The X sandbox's part of a behaviour: its consent behaviour and its faults (every fault set, so an earlier one is cleared). */
function xSide(behaviour: SandboxBehaviour, slow: SlowLink): { behaviour: AccountBehaviour; faults: Required<Omit<AccountFaults, 'consentDelayMs'>> } {
  const consent: AccountBehaviour = (['ok', 'logged_out', 'locked', 'suspended', 'denies', 'slow', 'error', 'no_button', 'bad_state'] as const).find((b) => b === behaviour) ?? 'ok'
  return {
    behaviour: consent,
    faults: {
      approveDelayMs: behaviour === 'slow_approval' || behaviour === 'approval_xhr_slow' ? slow.approvalMs : 0,
      approveVia: behaviour === 'approval_xhr_slow' ? 'xhr' : null,
      locale: behaviour === 'locale_es' ? 'es' : behaviour === 'locale_ja' ? 'ja' : behaviour === 'locale_ar' ? 'ar' : 'en',
      tokenDelayMs: behaviour === 'slow_token' ? slow.tokenMs : 0,
      tokenFaults: behaviour === 'token_500_once' ? ['500'] : behaviour === 'token_reset_once' ? ['reset'] : [],
      usersMeFaults: behaviour === 'users_me_503_once' ? [503] : [],
      usersMeDelayMs: behaviour === 'slow_users_me' ? (slow.usersMeMs ?? DEFAULT_SLOW_LINK.usersMeMs ?? 0) : 0,
    },
  }
}

/** Sets both sandboxes so the account behaves as asked (and clears what an earlier behaviour set). */
export function applyBehaviour(gologin: GoLoginSandbox, x: XSandbox, account: BehaviourTarget, behaviour: SandboxBehaviour, slow: SlowLink = DEFAULT_SLOW_LINK): void {
  const side = xSide(behaviour, slow)
  x.setAccount({ username: account.username, behaviour: side.behaviour, ...side.faults })
  gologin.setBehaviour(account.profileId, {
    // Another account is logged in in the profile: the X sandbox issues tokens for it.
    xUsername: behaviour === 'wrong_account' ? `${account.username.slice(0, 11)}_alt` : behaviour === 'no_session' ? null : undefined,
    startFailures: behaviour === 'start_failure' ? Number.POSITIVE_INFINITY : 0,
    startFailureMode: 'after-launch',
    // The GoLogin app refuses every stop of the profile (the account itself authorizes fine).
    stopFailures: behaviour === 'stop_failure' ? Number.POSITIVE_INFINITY : 0,
    deadProxy: behaviour === 'proxy_failure',
  })
}
